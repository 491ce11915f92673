using System.Buffers;
using System.Net;
using System.Net.Sockets;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Sim.Load;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace City.Sim.Tests;

/// <summary>The load mode against an in-process broker and a minimal acker standing in for central.</summary>
public sealed class LoadRunnerTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Tcp();
    private MqttServer? _broker;
    private IMqttClient? _acker;

    public async Task InitializeAsync() => await StartBrokerAsync();

    private async Task StartBrokerAsync()
    {
        var factory = new MqttServerFactory();
        _broker = factory.CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(_port)
            .Build());
        await _broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _acker?.Dispose();
        if (_broker is not null)
        {
            await _broker.StopAsync();
            _broker.Dispose();
        }
    }

    [Fact]
    public async Task Every_published_batch_is_acknowledged_by_a_central_that_acks_everything()
    {
        await StartAckerAsync(rejectEvery: 0);
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 3, Points: 10, ReadingsPerPoint: 5, Window: 4, TimeSpan.FromSeconds(2), "t-");

        var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(3, report.GatewaysConnected);
        Assert.True(report.BatchesPublished > 3);
        Assert.Equal(report.BatchesPublished, report.BatchesAcked);
        Assert.Equal(report.BatchesPublished * 50, report.ReadingsPublished);
        Assert.Equal(report.ReadingsPublished, report.ReadingsAcked);
        Assert.Equal(0, report.UnackedBatches);
        Assert.NotNull(report.AckLatencyMs);
        Assert.True(report.AckedReadingsPerSecond > 0);
        Assert.True(report.PayloadBytesPerReading > 0);
        Assert.False(report.Interrupted);
    }

    [Fact]
    public async Task A_fixed_number_of_batches_is_published_an_unanswered_one_again_and_every_ack_logged()
    {
        await StartAckerAsync(rejectEvery: 0, dropFirstOf: 2);
        var ackLog = Path.Combine(Path.GetTempPath(), $"acks-{Guid.NewGuid():N}.csv");
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 2, Points: 2, ReadingsPerPoint: 2, Window: 2, TimeSpan.FromSeconds(60), "f-")
        {
            BatchesPerGateway = 5,
            ResendAfter = TimeSpan.FromMilliseconds(400),
            AckLogFile = ackLog,
        };
        try
        {
            var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

            Assert.Equal(10, report.BatchesPublished);
            Assert.Equal(10, report.BatchesAcked);
            Assert.Equal(0, report.UnackedBatches);
            Assert.True(report.ResentBatches >= 2, $"resent {report.ResentBatches}");
            var lines = File.ReadAllLines(ackLog);
            Assert.Equal("gateway,buffer_id,seq,acked_at_us", lines[0]);
            var acked = lines.Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(
                [.. new[] { "f-0", "f-1" }.SelectMany(g => Enumerable.Range(1, 5).Select(seq => $"{g}#{seq}"))],
                acked.Select(a => $"{a[0]}#{a[2]}").Order(StringComparer.Ordinal));
            Assert.All(acked, a => Assert.InRange(long.Parse(a[3], System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000));
        }
        finally
        {
            File.Delete(ackLog);
        }
    }

    [Fact]
    public async Task Rejected_seqs_are_reported_and_free_the_window()
    {
        await StartAckerAsync(rejectEvery: 2);
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 1, Points: 2, ReadingsPerPoint: 2, Window: 1, TimeSpan.FromSeconds(2), "r-");

        var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.True(report.RejectedBatches > 0);
        Assert.Equal(report.BatchesPublished, report.BatchesAcked + report.RejectedBatches);
        Assert.Contains("r-0#2", report.RejectedSeqs);
        Assert.Equal(report.RejectedBatches, report.RejectReasons["test-reject"]);
    }

    [Fact]
    public async Task Without_a_central_the_run_stops_by_itself_with_no_acks()
    {
        // Long enough for both gateways to connect and fill their windows even on a busy machine; then they wait.
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 2, Points: 5, ReadingsPerPoint: 2, Window: 2, TimeSpan.FromSeconds(3), "n-")
        {
            DrainTimeout = TimeSpan.FromMilliseconds(300),
        };

        var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(4, report.BatchesPublished);
        Assert.Equal(0, report.BatchesAcked);
        Assert.Equal(4, report.UnackedBatches);
        Assert.Null(report.AckLatencyMs);
    }

    [Fact]
    public async Task Gateways_connect_again_after_the_broker_restarts_and_every_batch_is_acknowledged()
    {
        // Central acks the first three batches of each gateway, then falls silent with both windows full and its broker
        // restarts: the batches in flight and their acks are gone with it. The gateways must reconnect and publish them again.
        var acked = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var silent = false;
        await StartAckerAsync(rejectEvery: 0, acking: (gateway, _) => !Volatile.Read(ref silent) && acked.AddOrUpdate(gateway, 1, (_, n) => n + 1) <= 3);
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 2, Points: 2, ReadingsPerPoint: 2, Window: 2, TimeSpan.FromSeconds(120), "b-")
        {
            BatchesPerGateway = 8,
            DrainTimeout = TimeSpan.FromSeconds(60),
        };
        var run = new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        await Until.TrueAsync(() => acked.Count == 2 && acked.Values.All(n => n >= 5), "both gateways stalled with a full window after three acks");
        Volatile.Write(ref silent, true);
        _acker!.Dispose();
        var broker = _broker!;
        await broker.StopAsync();
        broker.Dispose();
        await StartBrokerAsync();
        await StartAckerAsync(rejectEvery: 0);

        var report = await run;

        Assert.Equal(2, report.GatewaysConnected);
        Assert.True(report.Reconnects >= 2, $"reconnects {report.Reconnects}");
        Assert.Equal(16, report.BatchesAcked);
        Assert.Equal(0, report.UnackedBatches);
        Assert.True(report.ResentBatches >= 4, $"resent {report.ResentBatches}: the two in flight per gateway must go again");
    }

    /// <summary>
    /// A central that acks every batch; with <paramref name="dropFirstOf"/>, the first copy of that seq goes unanswered;
    /// with <paramref name="acking"/>, only the batches it says yes to (gateway, seq) are answered.
    /// </summary>
    private async Task StartAckerAsync(int rejectEvery, ulong dropFirstOf = 0, Func<string, ulong, bool>? acking = null)
    {
        var dropped = new HashSet<string>();
        _acker = new MqttClientFactory().CreateMqttClient();
        _acker.ApplicationMessageReceivedAsync += async e =>
        {
            if (!Topics.TryParse(e.ApplicationMessage.Topic, out var gatewayId, out var kind) || kind != TopicKind.Data)
            {
                return;
            }

            Assert.True(BatchCodec.TryParseEnvelope(e.ApplicationMessage.Payload.ToArray(), out var batch, out _));
            Assert.True(BatchCodec.TryDecodeBody(batch, out _, out _));
            lock (dropped)
            {
                if (batch.Seq == dropFirstOf && dropped.Add(gatewayId))
                {
                    return;
                }
            }

            if (acking is not null && !acking(gatewayId, batch.Seq))
            {
                return;
            }

            var ack = new Ack();
            if (rejectEvery > 0 && batch.Seq % (ulong)rejectEvery == 0)
            {
                ack.RejectedSeqs.Add(batch.Seq);
                ack.RejectReason = "test-reject";
            }
            else
            {
                ack.CommittedSeqs.Add(batch.Seq);
            }

            await _acker.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Ack(gatewayId))
                .WithPayload(ack.ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
        };
        await _acker.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId("acker").Build());
        await _acker.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllGateways, MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }
}
