using System.Buffers;
using System.Net;
using City.Central.Configuration;
using City.Central.Ingest;
using City.Contract;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Central.Mqtt;

/// <summary>What the ingest worker needs from the broker connection.</summary>
internal interface IBrokerLink
{
    bool IsConnected { get; }

    /// <summary>Publishes at QoS 1 and waits for the broker's PUBACK; throws when not connected.</summary>
    Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken);

    /// <summary>Stops queueing received messages (they stay unacknowledged at the broker) and waits for handlers in progress.</summary>
    Task StopIntakeAsync();
}

/// <summary>
/// Central's MQTT clients: "central-ingest" connects to the broker (embedded or external), subscribes to
/// city/v1/# at QoS 1 with a persistent session, reconnects with backoff, and feeds the ingest queue.
/// A received message is acknowledged to the broker once it is in the queue; the end-to-end
/// acknowledgement to the edge is the Ack message sent after the store commit, on a second connection
/// ("central-ingest-acks"): while the queue is full the first connection's receive loop waits, and the
/// broker's PUBACKs for our acks must not be stuck behind it (that deadlocked against mosquitto).
/// </summary>
internal sealed partial class IngestClient : BackgroundService, IBrokerLink
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>
    /// SO_RCVBUF and SO_SNDBUF of both connections. MQTTnet always sets both to its BufferSize, 8 KiB by
    /// default, which fixes the kernel buffers at 16 KiB and turns off their autotuning. A receive window
    /// that small is below one segment on loopback (MSS 64 KiB): once the broker has a backlog for us, its
    /// kernel can only send in window-sized pieces on the persist/retransmit timer (about 5 per second),
    /// and ingestion collapses to tens of messages per second (seen against mosquitto). Linux caps the
    /// value at net.core.rmem_max/wmem_max.
    /// </summary>
    internal const int SocketBufferBytes = 1024 * 1024;

    private readonly CentralOptions options;
    private readonly BrokerEndpoint endpoint;
    private readonly IngestQueue queue;
    private readonly TimeProvider time;
    private readonly ILogger<IngestClient> logger;
    private readonly IMqttClient client;
    private readonly IMqttClient publisher;
    private readonly SemaphoreSlim disconnected = new(0);
    private readonly CancellationTokenSource intake = new();
    private int handlersInProgress;
    private volatile bool stopping;

    public IngestClient(IOptions<CentralOptions> options, BrokerEndpoint endpoint, IngestQueue queue, TimeProvider time, ILogger<IngestClient> logger, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.options = options.Value;
        this.endpoint = endpoint;
        this.queue = queue;
        this.time = time;
        this.logger = logger;
        var factory = new MqttClientFactory(new MqttLogBridge(loggerFactory.CreateLogger("MQTTnet.Client")));
        client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += OnDisconnectedAsync;
        publisher = factory.CreateMqttClient();
        publisher.DisconnectedAsync += OnDisconnectedAsync;
    }

    public bool IsConnected => client.IsConnected && publisher.IsConnected;

    private string PublisherClientId => options.Mqtt.ClientId + "-acks";

    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await publisher.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            throw new InvalidOperationException($"The broker refused the publish on {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    public async Task StopIntakeAsync()
    {
        if (!intake.IsCancellationRequested)
        {
            await intake.CancelAsync().ConfigureAwait(false);
        }

        // A handler that passed the check before the cancellation may still be writing to the queue.
        for (var i = 0; i < 200 && Volatile.Read(ref handlersInProgress) > 0; i++)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var connection in new[] { client, publisher })
        {
            if (!connection.IsConnected)
            {
                continue;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            }
            // A failed clean disconnect at shutdown is only worth a log line.
            catch (Exception exception)
            {
                LogDisconnectFailed(logger, exception);
            }
        }
    }

    public override void Dispose()
    {
        client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        client.DisconnectedAsync -= OnDisconnectedAsync;
        publisher.DisconnectedAsync -= OnDisconnectedAsync;
        client.Dispose();
        publisher.Dispose();
        disconnected.Dispose();
        intake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoint.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
        var backoff = MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!IsConnected)
            {
                try
                {
                    if (!publisher.IsConnected)
                    {
                        await ConnectPublisherAsync(stoppingToken).ConfigureAwait(false);
                    }

                    if (!client.IsConnected)
                    {
                        await ConnectAsync(stoppingToken).ConfigureAwait(false);
                    }

                    backoff = MinBackoff;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                // Any connection failure is retried.
                catch (Exception exception)
                {
                    LogConnectFailed(logger, endpoint.Host, endpoint.Port, backoff.TotalSeconds, exception.Message);
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    continue;
                }
            }

            // Wake up on a disconnection, or check again now and then.
            await disconnected.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>The connection options common to both connections.</summary>
    internal static MqttClientOptionsBuilder ConnectionOptions(string host, int port, string clientId, string? username, string? password)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(new DnsEndPoint(host, port))

            // After WithEndPoint, which starts from fresh TCP options.
            .WithTcpServer(tcp => tcp.BufferSize = SocketBufferBytes)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(5));
        return string.IsNullOrEmpty(username) ? builder : builder.WithCredentials(username, password);
    }

    private MqttClientOptionsBuilder Options(string clientId) =>
        ConnectionOptions(endpoint.Host, endpoint.Port, clientId, options.Mqtt.Username, options.Mqtt.Password);

    private async Task ConnectPublisherAsync(CancellationToken cancellationToken)
    {
        var result = await publisher.ConnectAsync(Options(PublisherClientId).WithCleanStart(true).Build(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused the connection of {PublisherClientId}: {result.ResultCode} {result.ReasonString}");
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var connectOptions = Options(options.Mqtt.ClientId).WithCleanStart(false).WithSessionExpiryInterval(24 * 3600).Build();
        var result = await client.ConnectAsync(connectOptions, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        var subscription = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(Topics.AllGateways).WithAtLeastOnceQoS().WithNoLocal())
            .Build();
        var subscribed = await client.SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
        foreach (var item in subscribed.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException($"The broker refused the subscription to {Topics.AllGateways}: {item.ResultCode}");
            }
        }

        LogConnected(logger, endpoint.Host, endpoint.Port, options.Mqtt.ClientId, result.IsSessionPresent);
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Increment(ref handlersInProgress);
        try
        {
            if (intake.IsCancellationRequested)
            {
                // Left unacknowledged: the broker keeps it in our session and redelivers it later.
                e.AutoAcknowledge = false;
                return;
            }

            var message = e.ApplicationMessage;
            if (Topics.TryParse(message.Topic, out _, out var kind) && kind is TopicKind.Ack or TopicKind.Cmd)
            {
                // Central's own output, back through the city/v1/# subscription (kept to count wrong topics).
                return;
            }

            var length = message.Payload.Length > int.MaxValue ? int.MaxValue : (int)message.Payload.Length;
            var payload = length <= options.MaxPayloadBytes ? message.Payload.ToArray() : null;
            var incoming = new IncomingMessage(message.Topic, payload, length, message.Retain);
            if (!queue.Writer.TryWrite(incoming))
            {
                // Queue full: wait here. The broker gets no PUBACK meanwhile and stops sending once its window is used.
                await queue.Writer.WriteAsync(incoming, intake.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (intake.IsCancellationRequested)
        {
            e.AutoAcknowledge = false;
        }
        finally
        {
            Interlocked.Decrement(ref handlersInProgress);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (stopping)
        {
            LogDisconnectedAtStop(logger);
        }
        else if (e.ClientWasConnected)
        {
            LogDisconnected(logger, e.Reason.ToString(), e.Exception?.Message ?? string.Empty);
        }

        disconnected.Release();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest client connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent}), subscribed to city/v1/#")]
    private static partial void LogConnected(ILogger logger, string host, int port, string clientId, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest client cannot connect to MQTT broker {Host}:{Port}, retrying in {Seconds} s: {Error}")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest client disconnected from the MQTT broker ({Reason}) {Error}")]
    private static partial void LogDisconnected(ILogger logger, string reason, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest client disconnected from the MQTT broker (stopping)")]
    private static partial void LogDisconnectedAtStop(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clean MQTT disconnect failed")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception);
}
