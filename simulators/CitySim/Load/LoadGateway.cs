using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using City.Contract;
using City.Contract.Wire;
using City.Sim.Common;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace City.Sim.Load;

/// <summary>
/// One simulated gateway of <c>citysim load</c>: its own MQTT 5 connection, a retained birth, data
/// batches published QoS 1 with at most <c>window</c> of them waiting for central's ack, a will and a
/// death on a clean stop. No buffer and no resend: a lost batch simply stays unacknowledged.
/// </summary>
internal sealed class LoadGateway : IAsyncDisposable
{
    private readonly LoadOptions options;
    private readonly ulong epoch;
    private readonly LoadBatchSource source;
    private readonly LoadStats stats;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim window;
    private readonly ConcurrentDictionary<ulong, InFlight> inFlight = new();
    private IMqttClient? client;

    public LoadGateway(string id, LoadOptions options, ulong epoch, long firstTimestampUnixMs, int seed, LoadStats stats, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Id = id;
        this.options = options;
        this.epoch = epoch;
        this.stats = stats;
        this.time = time;
        source = new LoadBatchSource(id, epoch, options.Points, options.ReadingsPerPoint, firstTimestampUnixMs, seed);
        window = new SemaphoreSlim(options.Window, options.Window);
    }

    public string Id { get; }

    /// <summary>Set when the gateway could not connect or lost its connection; it publishes no more.</summary>
    public string? Failure { get; private set; }

    public bool IsRunning => Failure is null && client is { IsConnected: true };

    public int InFlightCount => inFlight.Count;

    public async Task ConnectAsync(MqttClientFactory factory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var clientOptions = new MqttClientOptionsBuilder()
            .WithEndPoint(new System.Net.DnsEndPoint(options.BrokerHost, options.BrokerPort))
            // After WithEndPoint. MQTTnet pins the socket buffers to this; its 8 KiB default throttles big batches.
            .WithTcpServer(tcp => tcp.BufferSize = 1024 * 1024)
            .WithClientId(Id)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(Topics.Death(Id))
            .WithWillPayload(new Death { GatewayId = Id, Epoch = epoch, BufferId = source.BufferId }.ToByteArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            await client.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(Topics.Ack(Id), MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);

            var birth = source.CreateBirth(time.GetUtcNow().ToUnixTimeMilliseconds(), SoftwareVersion.Value);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Birth(Id))
                .WithPayload(birth.ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build();
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                Failure = $"birth refused by the broker: {result.ReasonCode}";
            }
        }
        catch (Exception ex) when (IsConnectionError(ex))
        {
            Failure = ex.Message;
        }
    }

    /// <summary>Publishes batches until <paramref name="stop"/> (the end of the run); <paramref name="abort"/> cuts a pending publish.</summary>
    public async Task PublishLoopAsync(CancellationToken stop, CancellationToken abort)
    {
        if (client is null || Failure is not null)
        {
            return;
        }

        var topic = Topics.Data(Id);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await window.WaitAsync(stop).ConfigureAwait(false);
                var started = Stopwatch.GetTimestamp();
                var batch = source.Next(time.GetUtcNow().ToUnixTimeMilliseconds());
                stats.Encoded(Stopwatch.GetTimestamp() - started);

                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(batch.Payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();

                // Registered before publishing: central's ack may arrive before the broker's PUBACK.
                inFlight[batch.Seq] = new InFlight(time.GetTimestamp(), batch.ReadingCount);
                var result = await client.PublishAsync(message, abort).ConfigureAwait(false);
                if (result.IsSuccess)
                {
                    stats.Published(batch.ReadingCount, batch.Payload.Length);
                }
                else
                {
                    stats.PublishFailed();
                    if (inFlight.TryRemove(batch.Seq, out _))
                    {
                        window.Release();
                    }

                    ConsoleOutput.Log($"{Id}: broker refused batch {batch.Seq}: {result.ReasonCode} {result.ReasonString}");
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || abort.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (IsConnectionError(ex))
        {
            stats.PublishFailed();
            Failure = ex.Message;
            ConsoleOutput.Log($"{Id}: connection lost, the gateway stops publishing: {ex.Message}");
        }
    }

    /// <summary>A clean stop: death (QoS 1), then a normal disconnection so the broker drops the will.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (client is not { IsConnected: true })
        {
            return;
        }

        try
        {
            var death = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Death(Id))
                .WithPayload(new Death { GatewayId = Id, Epoch = epoch, BufferId = source.BufferId }.ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await client.PublishAsync(death, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionError(ex) || ex is OperationCanceledException)
        {
            ConsoleOutput.Log($"{Id}: unclean disconnection: {ex.Message}");
        }
    }

    public ValueTask DisposeAsync()
    {
        client?.Dispose();
        window.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var payload = e.ApplicationMessage.Payload;
        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        if (!BatchCodec.TryParse(Ack.Parser, bytes, out var ack))
        {
            stats.MalformedAck();
            return Task.CompletedTask;
        }

        var now = time.GetTimestamp();
        foreach (var seq in ack.CommittedSeqs)
        {
            // A duplicate ack (a batch acknowledged twice) finds nothing and counts nothing.
            if (inFlight.TryRemove(seq, out var sent))
            {
                stats.Acked(sent.ReadingCount, time.GetElapsedTime(sent.Timestamp, now).TotalMilliseconds, now);
                window.Release();
            }
        }

        foreach (var seq in ack.RejectedSeqs)
        {
            if (inFlight.TryRemove(seq, out var sent))
            {
                stats.Rejected(Id, seq, sent.ReadingCount, ack.RejectReason, now);
                window.Release();
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsConnectionError(Exception ex) =>
        ex is MqttCommunicationException or SocketException or IOException or InvalidOperationException;

    private readonly record struct InFlight(long Timestamp, int ReadingCount);
}
