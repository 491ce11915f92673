using System.Buffers;
using City.Central.Commands;
using City.Central.Configuration;
using City.Central.Ingest;
using City.Contract.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Central.Mqtt;

/// <summary>The broker connection: what the ingest worker needs of it (acks, stopping the intake), and whether it is up.</summary>
internal interface IBrokerLink : IAckPublisher, IMessageIntake
{
    bool IsConnected { get; }
}

/// <summary>
/// Central's MQTT clients: "central:ingest" connects to the broker (embedded or external) over TLS with central's own
/// certificate (plain only with Mqtt:AllowPlain in external mode), subscribes to
/// city/v1/# (or, with Mqtt:SharedGroup, the filters of <see cref="IngestSubscriptions"/>, as "central:ingest-INSTANCE")
/// at QoS 1 with a persistent session (in a shared group none: see <see cref="ContractClientOptions.ForSharedIngest"/>),
/// reconnects with backoff, and feeds the ingest queue.
/// A received message is acknowledged to the broker once it is in the queue; the end-to-end
/// acknowledgement to the edge is the Ack message sent after the store commit, on a second connection
/// ("central:ingest-acks"): while the queue is full the first connection's receive loop waits, and the
/// broker's PUBACKs for our acks must not be stuck behind it (that deadlocked against mosquitto).
/// </summary>
internal sealed partial class IngestClient : BackgroundService, IBrokerLink, ICommandPublisher
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly CentralOptions _options;
    private readonly BrokerEndpoint _endpoint;
    private readonly IngestQueue _queue;
    private readonly CommandResultQueue _commandResults;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestClient> _logger;
    private readonly IMqttClient _client;
    private readonly IMqttClient _publisher;
    private readonly SemaphoreSlim _disconnected = new(0);
    private readonly CancellationTokenSource _intake = new();
    private int _handlersInProgress;
    private volatile bool _stopping;

    public IngestClient(IOptions<CentralOptions> options, BrokerEndpoint endpoint, IngestQueue queue, CommandResultQueue commandResults, TimeProvider time, ILogger<IngestClient> logger, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _endpoint = endpoint;
        _queue = queue;
        _commandResults = commandResults;
        _time = time;
        _logger = logger;
        var factory = new MqttClientFactory(new MqttLogBridge(loggerFactory.CreateLogger("MQTTnet.Client")));
        _client = factory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _publisher = factory.CreateMqttClient();
        _publisher.DisconnectedAsync += OnDisconnectedAsync;
    }

    public bool IsConnected => _client.IsConnected && _publisher.IsConnected;

    private string PublisherClientId => _options.IngestClientId + "-acks";

    public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken) =>
        _publisher.PublishCheckedAsync(ContractMessages.AtLeastOnce(topic, payload), cancellationToken);

    public async Task<bool> PublishCommandAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var result = await _publisher.PublishAsync(ContractMessages.AtLeastOnce(topic, payload), cancellationToken).ConfigureAwait(false);
        if (result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            return false;
        }

        return result.IsSuccess ? true : throw new PublishRefusedException(topic, result.ReasonCode, result.ReasonString);
    }

    public async Task StopIntakeAsync()
    {
        if (!_intake.IsCancellationRequested)
        {
            await _intake.CancelAsync().ConfigureAwait(false);
        }

        // A handler that passed the check before the cancellation may still be writing to the queue.
        for (var i = 0; i < 200 && Volatile.Read(ref _handlersInProgress) > 0; i++)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var connection in new[] { _client, _publisher })
        {
            if (!connection.IsConnected)
            {
                continue;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.DisconnectNormallyAsync(timeout.Token).ConfigureAwait(false);
            }
            // A failed clean disconnect at shutdown is only worth a log line.
            catch (Exception exception)
            {
                LogDisconnectFailed(_logger, exception);
            }
        }
    }

    public override void Dispose()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _publisher.DisconnectedAsync -= OnDisconnectedAsync;
        _client.Dispose();
        _publisher.Dispose();
        _disconnected.Dispose();
        _intake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _endpoint.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
        var backoff = MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!IsConnected)
            {
                try
                {
                    if (!_publisher.IsConnected)
                    {
                        await ConnectPublisherAsync(stoppingToken).ConfigureAwait(false);
                    }

                    if (!_client.IsConnected)
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
                    LogConnectFailed(_logger, _endpoint.Host, _endpoint.Port, backoff.TotalSeconds, exception.Message);
                    await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    continue;
                }
            }

            // Wake up on a disconnection, or check again now and then.
            await _disconnected.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>How both connections reach the broker (central's link timing, 1 MiB socket buffers).</summary>
    internal static BrokerConnection Connection(string host, int port, string clientId, string? username, string? password, BrokerTls? tls = null) =>
        new(host, port, clientId)
        {
            KeepAlive = TimeSpan.FromSeconds(15),
            Timeout = TimeSpan.FromSeconds(5),
            Username = username,
            Password = password,
            Tls = tls,
        };

    private BrokerConnection Connection(string clientId) =>
        Connection(_endpoint.Host, _endpoint.Port, clientId, _options.Mqtt.Username, _options.Mqtt.Password, _endpoint.Tls);

    private Task ConnectPublisherAsync(CancellationToken cancellationToken) =>
        _publisher.ConnectCheckedAsync(ContractClientOptions.ForPublisher(Connection(PublisherClientId)), cancellationToken);

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var clientId = _options.IngestClientId;
        var options = _options.Mqtt.SharedGroup is null ? ContractClientOptions.ForIngest(Connection(clientId)) : ContractClientOptions.ForSharedIngest(Connection(clientId));
        var result = await _client.ConnectCheckedAsync(options, cancellationToken).ConfigureAwait(false);
        foreach (var (filter, noLocal) in IngestSubscriptions.For(_options.Mqtt.SharedGroup))
        {
            await _client.SubscribeAtLeastOnceAsync(filter, noLocal, cancellationToken).ConfigureAwait(false);
        }

        LogConnected(_logger, _endpoint.Host, _endpoint.Port, _endpoint.Tls is null ? "plain" : "TLS", clientId, _options.ResolvedInstanceId, result.IsSessionPresent, IngestSubscriptions.Describe(_options.Mqtt.SharedGroup));
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Increment(ref _handlersInProgress);
        try
        {
            if (_intake.IsCancellationRequested)
            {
                // Left unacknowledged: the broker keeps it in our session and redelivers it later.
                e.AutoAcknowledge = false;
                return;
            }

            var message = e.ApplicationMessage;
            var topic = IngestTopic.Parse(message.Topic);
            if (topic.IsCentralOutput)
            {
                // Central's own output, back through the city/v1/# subscription (kept to count wrong topics).
                return;
            }

            if (topic.Kind == TopicKind.CmdResult)
            {
                await QueueCommandResultAsync(topic, message).ConfigureAwait(false);
                return;
            }

            var length = message.Payload.Length > int.MaxValue ? int.MaxValue : (int)message.Payload.Length;
            var payload = length <= _options.MaxPayloadBytes ? message.Payload.ToArray() : null;
            var incoming = new IncomingMessage(topic, payload, length, message.Retain);
            // Queue full (messages or bytes): wait here. The broker gets no PUBACK meanwhile and stops sending once its window is used.
            await _queue.WriteAsync(incoming, _intake.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_intake.IsCancellationRequested)
        {
            e.AutoAcknowledge = false;
        }
        finally
        {
            Interlocked.Decrement(ref _handlersInProgress);
        }
    }

    /// <summary>
    /// A gateway's command result (only that gateway may publish on its cmd-result topic) goes to the command service's
    /// queue, waiting while it is full like the ingest queue; one above the payload limit is counted as malformed there.
    /// </summary>
    private async Task QueueCommandResultAsync(IngestTopic topic, MqttApplicationMessage message)
    {
        var payload = message.Payload.Length <= _options.MaxPayloadBytes ? message.Payload.ToArray() : null;
        var result = new ReceivedResult(topic.GatewayId, payload);
        if (!_commandResults.Writer.TryWrite(result))
        {
            await _commandResults.Writer.WriteAsync(result, _intake.Token).ConfigureAwait(false);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (_stopping)
        {
            LogDisconnectedAtStop(_logger);
        }
        else if (e.ClientWasConnected)
        {
            LogDisconnected(_logger, e.Reason.ToString(), e.Exception?.Message ?? string.Empty);
        }

        _disconnected.Release();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest client connected to MQTT broker {Host}:{Port} ({Transport}) as {ClientId} (instance {InstanceId}, session present: {SessionPresent}), subscribed to {Filters}")]
    private static partial void LogConnected(ILogger logger, string host, int port, string transport, string clientId, string instanceId, bool sessionPresent, string filters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest client cannot connect to MQTT broker {Host}:{Port}, retrying in {Seconds} s: {Error}")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest client disconnected from the MQTT broker ({Reason}) {Error}")]
    private static partial void LogDisconnected(ILogger logger, string reason, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest client disconnected from the MQTT broker (stopping)")]
    private static partial void LogDisconnectedAtStop(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clean MQTT disconnect failed")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception);
}
