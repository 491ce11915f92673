using City.TestSupport;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>An in-process MQTT broker playing central: records what the edge publishes and acknowledges on demand.</summary>
internal sealed class FakeCentral : IAsyncDisposable
{
    private readonly MqttServer _server;

    private FakeCentral(MqttServer server, int port)
    {
        _server = server;
        Port = port;
        server.InterceptingPublishAsync += async e =>
        {
            var topic = e.ApplicationMessage.Topic;
            var payload = e.ApplicationMessage.Payload.ToArray();
            if (topic == Topics.Data("gw-001") && BatchCodec.TryParseEnvelope(payload, out var batch, out _))
            {
                Published.Enqueue(batch);
                if (AutoAck)
                {
                    await AckAsync([batch.Seq]).ConfigureAwait(false);
                }
            }
            else if (topic == Topics.CommandResult("gw-001"))
            {
                var result = CommandResult.Parser.ParseFrom(payload);
                Results.Enqueue(result);
                if (AutoAckResults)
                {
                    await AckAsync([], resultSeqs: [result.ResultSeq]).ConfigureAwait(false);
                }
            }
            else if (topic == Topics.Birth("gw-001"))
            {
                Births.Enqueue(Birth.Parser.ParseFrom(payload));
            }
            else if (topic == Topics.Death("gw-001"))
            {
                Deaths.Enqueue(Death.Parser.ParseFrom(payload));
            }
        };
    }

    public int Port { get; }

    public bool AutoAck { get; set; }

    /// <summary>Acknowledge each command result as it arrives (committed_result_seqs).</summary>
    public bool AutoAckResults { get; set; }

    public ConcurrentQueue<CommandResult> Results { get; } = new();

    public ConcurrentQueue<Batch> Published { get; } = new();

    public ConcurrentQueue<Birth> Births { get; } = new();

    public ConcurrentQueue<Death> Deaths { get; } = new();

    /// <summary>The client ids that connected, and the subjects of the client certificates presented (TLS only).</summary>
    public ConcurrentQueue<string> ClientIds { get; } = new();

    public ConcurrentQueue<string> ClientCertificates { get; } = new();

    /// <summary>Plain MQTT, or with <paramref name="serverCertificate"/> TLS only, a client certificate required.</summary>
    public static async Task<FakeCentral> StartAsync(X509Certificate2? serverCertificate = null)
    {
        var port = FreePort.Tcp();
        FakeCentral? central = null; // set before the server starts, so before any client can present a certificate
        var builder = new MqttServerOptionsBuilder();
        builder = serverCertificate is null
            ? builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port)
            : builder.WithoutDefaultEndpoint().WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
                .WithEncryptedEndpointBoundIPV6Address(IPAddress.IPv6None).WithEncryptedEndpointPort(port).WithEncryptionCertificate(serverCertificate)
                .WithClientCertificate((_, certificate, _, _) =>
                {
                    if (certificate is not null)
                    {
                        central!.ClientCertificates.Enqueue(certificate.Subject);
                    }

                    return certificate is not null;
                });
        var server = new MqttServerFactory().CreateMqttServer(builder.Build());
        central = new FakeCentral(server, port);
        server.ValidatingConnectionAsync += e =>
        {
            central.ClientIds.Enqueue(e.ClientId);
            return Task.CompletedTask;
        };
        await server.StartAsync();
        return central;
    }

    public Task AckAsync(IEnumerable<ulong> committed, IEnumerable<ulong>? rejected = null, string reason = "", IEnumerable<ulong>? resultSeqs = null)
    {
        var ack = new Ack { RejectReason = reason };
        ack.CommittedSeqs.AddRange(committed);
        ack.RejectedSeqs.AddRange(rejected ?? []);
        ack.CommittedResultSeqs.AddRange(resultSeqs ?? []);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Ack("gw-001"))
            .WithPayload(ack.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "central" });
    }

    /// <summary>Publishes a command on city/v1/gw-001/cmd as central does.</summary>
    public Task SendCommandAsync(SignedCommand command) =>
        _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(ContractMessages.Command("gw-001", command)) { SenderClientId = "central" });

    public async Task DisconnectEdgeAsync()
    {
        foreach (var client in await _server.GetClientsAsync())
        {
            await client.DisconnectAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}

public sealed class ForwarderTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private FakeCentral _central = null!;

    public async Task InitializeAsync() => _central = await FakeCentral.StartAsync();

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private (BatchBuffer Buffer, Forwarder Forwarder, EdgeState State) Create(TimeProvider time, int ackTimeoutSeconds = 10)
    {
        var options = new EdgeOptions
        {
            GatewayId = "gw-001",
            Central = new CentralOptions
            {
                Host = "127.0.0.1",
                Port = _central.Port,
                AckTimeoutSeconds = ackTimeoutSeconds,
                MaxInFlightBatches = 4,
                ReconnectMinDelayMs = 20,
                ReconnectMaxDelayMs = 200,
            },
        };
        return ForwarderRig.Open(_dir.File("buffer.db"), options, time);
    }

    private static Task Eventually(Func<bool> condition, string what) => Until.TrueAsync(condition, what);

    [Fact]
    public async Task Connect_PublishesRetainedBirth_ThenBatches_AndDeletesThemOnAck()
    {
        var (buffer, forwarder, state) = Create(TimeProvider.System);
        using var _ = buffer;
        _central.AutoAck = true;
        var seqs = buffer.Append([ForwarderRig.Readings(buffer, 10), ForwarderRig.Readings(buffer, 5)]).Seqs;

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => buffer.GetStats().BatchesWaiting == 0, "both batches acked");

        var birth = Assert.Single(_central.Births);
        Assert.Equal(buffer.Epoch, birth.Epoch);
        Assert.Contains(birth.Points, p => p.Id == "meter1/voltage" && p.Unit == "V" && p.Description == "Phase voltage" && p.Alias == buffer.AliasOf("meter1/voltage"));
        Assert.Equal(seqs, _central.Published.Select(b => b.Seq).Order());
        Assert.All(_central.Published, b => Assert.Equal(buffer.Epoch, b.Epoch));
        var stats = buffer.GetStats();
        Assert.Equal((2L, 15L), (stats.BatchesAcked, stats.ReadingsAcked));
        Assert.True(state.Central.Snapshot().Connected);

        // New batches are sent as they are committed.
        var next = buffer.Append([ForwarderRig.Readings(buffer, 3)]).Seqs.Single();
        await Eventually(() => _central.Published.Any(b => b.Seq == next) && buffer.GetStats().BatchesWaiting == 0, "the new batch acked");

        await forwarder.StopAsync(CancellationToken.None);
        await Eventually(() => !_central.Deaths.IsEmpty, "a death at clean shutdown");
        Assert.Equal(buffer.Epoch, _central.Deaths.Single().Epoch);
    }

    [Fact]
    public async Task MissingAck_IsResent_AfterTheAckTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (buffer, forwarder, _) = Create(time, ackTimeoutSeconds: 10);
        using var _ = buffer;
        var seq = buffer.Append([ForwarderRig.Readings(buffer, 4)]).Seqs.Single();

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => _central.Published.Count == 1, "the first publish");
        time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Single(_central.Published); // not yet

        // Past the timeout. Time keeps moving while we wait: on a starved machine the forwarder may arm its
        // timer only after this advance, and a fake clock that then stands still would never fire it.
        time.Advance(TimeSpan.FromSeconds(6));
        await Eventually(() =>
        {
            if (_central.Published.Count < 2)
            {
                time.Advance(TimeSpan.FromMilliseconds(200));
            }

            return _central.Published.Count >= 2;
        }, "the resend");
        Assert.All(_central.Published, b => Assert.Equal(seq, b.Seq));

        await _central.AckAsync([seq]);
        await Eventually(() => buffer.GetStats().BatchesWaiting == 0, "the batch deleted on ack");
        await forwarder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task InFlightBatches_AreResent_AfterReconnect()
    {
        var (buffer, forwarder, _) = Create(TimeProvider.System, ackTimeoutSeconds: 3600);
        using var _ = buffer;
        var seqs = buffer.Append([ForwarderRig.Readings(buffer, 4), ForwarderRig.Readings(buffer, 4)]).Seqs;

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => _central.Published.Count == 2, "both batches published");

        await _central.DisconnectEdgeAsync();
        _central.AutoAck = true;
        await Eventually(() => buffer.GetStats().BatchesWaiting == 0, "both batches resent and acked after reconnect");

        Assert.True(forwarder.Sessions >= 2);
        Assert.True(_central.Births.Count >= 2, "a birth at every connection");
        Assert.Equal(seqs, _central.Published.Skip(2).Select(b => b.Seq).Distinct().Order());
        await forwarder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RejectedBatch_IsRemoved_Counted_AndReportedAsAnEvent()
    {
        var (buffer, forwarder, _) = Create(TimeProvider.System, ackTimeoutSeconds: 3600);
        using var _ = buffer;
        var seq = buffer.Append([ForwarderRig.Readings(buffer, 4)]).Seqs.Single();

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => _central.Published.Count == 1, "the publish");
        await _central.AckAsync([], [seq], "inconsistent-series");

        await Eventually(() => _central.Published.Any(b => b.Kind == BatchKind.Events), "the rejected-batches event");
        Assert.Equal(1, buffer.GetStats().BatchesRejected);
        await forwarder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Backoff_StaysBetweenMinAndMax_AndGrows()
    {
        var random = new Random(7);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var delay = Forwarder.Backoff(attempt, 250, 15000, random).TotalMilliseconds;
            Assert.InRange(delay, 250, 15000);
        }

        Assert.True(Enumerable.Range(0, 50).Max(_ => Forwarder.Backoff(10, 250, 15000, random).TotalMilliseconds) > 2000);
        Assert.Equal(250, Forwarder.Backoff(0, 250, 15000, random).TotalMilliseconds, 0.001);
    }
}
