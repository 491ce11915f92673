using System.Collections.Concurrent;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Lighting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace City.Edge.Forwarding;

/// <summary>
/// One connection's life with central: connect (the will is a Death of this epoch), subscribe to acks and commands, publish
/// the retained Birth, then keep up to MaxInFlightBatches batches published and awaiting their ack, in the buffer's
/// priority order, through the <see cref="InFlightWindow"/>; beside it, the <see cref="CommandResultPump"/> publishes the
/// command results of the outbox. It ends when the link drops or the edge stops;
/// disposing it hands what was in flight back to the buffer.
/// </summary>
internal sealed partial class CentralSession(
    BatchBuffer buffer,
    CentralOptions central,
    string gatewayId,
    EdgeState state,
    TimeProvider time,
    AsyncSignal wake,
    ILogger logger,
    CommandService? commands = null,
    CommandOutbox? outbox = null,
    LightingBirth? lighting = null,
    RunningConfig? config = null,
    Action? progressed = null) : IAsyncDisposable
{
    /// <summary>An idle pump (nothing to send, nothing awaiting its ack) wakes this often to report progress (the watchdog's heartbeat).</summary>
    public static readonly TimeSpan IdleBeat = TimeSpan.FromSeconds(10);

    /// <summary>
    /// MQTTnet pins SO_SNDBUF/SO_RCVBUF to this (8 KiB by default, which caps a backlog drain at window/RTT on a
    /// real link); a cabinet needs less than central's default.
    /// </summary>
    private const int SocketBufferBytes = 256 * 1024;

    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan IgnoredLogInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentQueue<Ack> _acks = new();

    /// <summary>The ack timeouts run on this, not on the wall clock (see <see cref="SteadyClock"/>).</summary>
    private readonly SteadyClock _steady = new(time);
    private readonly InFlightWindow _window = new(central.MaxInFlightBatches, TimeSpan.FromSeconds(central.AckTimeoutSeconds));
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly string _ackTopic = Topics.Ack(gatewayId);
    private readonly string _commandTopic = Topics.Command(gatewayId);
    private CommandResultPump? _results;
    private readonly LogRateLimit _ignoredAckLog = new(IgnoredLogInterval);
    private readonly LogRateLimit _foreignMessageLog = new(IgnoredLogInterval);

    /// <summary>Set once the broker accepted the connection.</summary>
    public bool Connected { get; private set; }

    /// <summary>Why the broker's certificate was refused, when that is why connecting failed.</summary>
    public string? UntrustedBrokerReason { get; private set; }

    private string Broker => $"{central.Host}:{central.Port}";

    private Death Death => new() { GatewayId = gatewayId, Epoch = buffer.Epoch, BufferId = buffer.BufferId };

    /// <summary>Connects and forwards until the link drops (returns) or <paramref name="stoppingToken"/> fires (throws).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        string? disconnectReason = null;
        _client.DisconnectedAsync += e =>
        {
            disconnectReason = e.Exception?.Message ?? e.ReasonString ?? e.Reason.ToString();
            wake.Set();
            try
            {
                session.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session already ended.
            }

            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += e =>
        {
            // Only the own ack and command topics are subscribed to; a broker that delivers anything else is not believed either.
            var topic = e.ApplicationMessage.Topic;
            if (string.Equals(topic, _ackTopic, StringComparison.Ordinal) && ContractMessages.TryParseAck(e.ApplicationMessage, out var ack))
            {
                if (ack.CommittedResultSeqs.Count > 0)
                {
                    _results?.Acknowledged(ack.CommittedResultSeqs);
                }

                _acks.Enqueue(ack);
                wake.Set();
            }
            else if (commands is not null && string.Equals(topic, _commandTopic, StringComparison.Ordinal)
                && ContractMessages.TryParseCommand(e.ApplicationMessage, out var command))
            {
                commands.Offer(command);
            }
            else
            {
                state.Central.CountForeignMessage();
                if (_foreignMessageLog.ShouldLog(time.GetUtcNow(), out var suppressed))
                {
                    LogForeignMessage(logger, topic, _ackTopic, suppressed);
                }
            }

            return Task.CompletedTask;
        };

        // The client id is the gateway id, the CN of the certificate: the broker accepts nothing else for it.
        var connection = new BrokerConnection(central.Host, central.Port, gatewayId)
        {
            KeepAlive = TimeSpan.FromSeconds(central.KeepAliveSeconds),
            Timeout = TimeSpan.FromSeconds(Math.Max(5, central.KeepAliveSeconds)),
            SocketBufferBytes = SocketBufferBytes,
            Tls = central.Tls.ToBrokerTls(),
            UntrustedBroker = reason => UntrustedBrokerReason = reason,
        };
        LogConnecting(logger, Broker);
        await _client.ConnectCheckedAsync(ContractClientOptions.ForGateway(connection, Death), session.Token).ConfigureAwait(false);
        var connectedAt = time.GetUtcNow();
        Connected = true;

        if (outbox is not null)
        {
            _results = new CommandResultPump(outbox, _client, _window.AckTimeout, time, logger);
        }

        await _client.SubscribeAtLeastOnceAsync(Topics.Ack(gatewayId), noLocal: false, session.Token).ConfigureAwait(false);
        if (commands is not null)
        {
            await _client.SubscribeAtLeastOnceAsync(_commandTopic, noLocal: false, session.Token).ConfigureAwait(false);
        }

        await _client.PublishBirthAsync(Birth(), session.Token).ConfigureAwait(false);

        // Batches committed from now on are "live": they go before the backlog.
        var liveFromSeq = buffer.StartLiveSection();
        state.Central.SetConnected(connectedAt);
        LogConnected(logger, Broker, buffer.Epoch, liveFromSeq);
        try
        {
            await Task.WhenAll(PumpDataAsync(liveFromSeq, session), PumpResultsAsync(session)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            // The link dropped, or we are stopping.
        }

        state.Central.SetDisconnected(time.GetUtcNow(), stoppingToken.IsCancellationRequested ? null : disconnectReason);
        if (!stoppingToken.IsCancellationRequested)
        {
            LogDisconnected(logger, Broker, disconnectReason);
        }
    }

    /// <summary>A clean stop: the Death, then a normal disconnection (the broker drops the will). Failures are logged: the will covers them.</summary>
    public async Task SayGoodbyeAsync(CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(GoodbyeTimeout);
            await _client.CloseWithDeathAsync(Death, timeout.Token).ConfigureAwait(false);
            LogStoppedCleanly(logger);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeathFailed(logger, ex);
        }
    }

    /// <summary>Hands what was in flight back to the buffer (acks that arrived before the drop still count) and closes the client.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            ApplyAcks();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAckFailed(logger, ex);
        }

        _window.Clear();
        buffer.ReleaseAll();
        state.Central.SetInFlight(0);

        try
        {
            if (_client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(DisconnectTimeout);
                await _client.DisconnectWithWillAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDisposeFailed(logger, ex);
        }
        finally
        {
            _client.Dispose();
        }
    }

    private async Task PumpAsync(ulong liveFromSeq, CancellationToken token)
    {
        while (true)
        {
            token.ThrowIfCancellationRequested();
            progressed?.Invoke();
            ApplyAcks();

            var now = _steady.Now;
            var resend = _window.TakeDueForResend(now);
            var fresh = buffer.TakePending(_window.FreeSlots, liveFromSeq);
            foreach (var batch in fresh)
            {
                _window.Sent(batch, now);
            }

            foreach (var batch in resend)
            {
                LogResending(logger, batch.Seq, _window.AckTimeout.TotalSeconds);
            }

            state.Central.SetInFlight(_window.Count);
            if (resend.Count + fresh.Count > 0)
            {
                // QoS 1: each publish completes at its PUBACK; they run side by side on the one connection.
                await Task.WhenAll(resend.Concat(fresh).Select(b => _client.PublishCheckedAsync(ContractMessages.Data(gatewayId, b.Payload), token))).ConfigureAwait(false);
                continue;
            }

            var untilResend = _window.TimeUntilNextResend(_steady.Now);
            await wake.WaitAsync(untilResend == Timeout.InfiniteTimeSpan || untilResend > IdleBeat ? IdleBeat : untilResend, time, token).ConfigureAwait(false);
        }
    }

    /// <summary>The data; a failure ends the session (and so the result pump beside it) and is thrown on.</summary>
    private async Task PumpDataAsync(ulong liveFromSeq, CancellationTokenSource session)
    {
        try
        {
            await PumpAsync(liveFromSeq, session.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await session.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The command results, beside the data: a failure ends the session as a data failure would.</summary>
    private async Task PumpResultsAsync(CancellationTokenSource session)
    {
        if (_results is null)
        {
            return;
        }

        try
        {
            await _results.RunAsync(session.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogResultsFailed(logger, ex);
            await session.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void ApplyAcks()
    {
        var committed = new List<ulong>();
        var rejected = new List<ulong>();
        var reasons = new List<string>();
        while (_acks.TryDequeue(out var ack))
        {
            committed.AddRange(ack.CommittedSeqs);
            rejected.AddRange(ack.RejectedSeqs);
            if (ack.RejectedSeqs.Count > 0)
            {
                reasons.Add(ack.RejectReason);
            }
        }

        if (committed.Count == 0 && rejected.Count == 0)
        {
            return;
        }

        // Only what this session published and still awaits may be deleted: an ack for anything else is ignored.
        var settledCommitted = _window.Settle(committed);
        var settledRejected = _window.Settle(rejected);
        var (_, _, rejectedCount) = buffer.Acknowledge(settledCommitted.InFlight, settledRejected.InFlight);
        CountIgnored(committed, rejected, settledCommitted, settledRejected);
        if (settledRejected.InFlight.Count > 0)
        {
            LogRejected(logger, settledRejected.InFlight.Count, rejectedCount, string.Join(", ", settledRejected.InFlight), string.Join("; ", reasons.Distinct()));
        }

        state.Central.SetInFlight(_window.Count);
    }

    private void CountIgnored(List<ulong> committed, List<ulong> rejected, SettledSeqs settledCommitted, SettledSeqs settledRejected)
    {
        var unknown = settledCommitted.Unknown + settledRejected.Unknown;
        var repeated = settledCommitted.Repeated + settledRejected.Repeated;
        if (unknown + repeated == 0)
        {
            return;
        }

        state.Central.CountIgnoredAckSeqs(unknown, repeated);
        if (unknown > 0 && _ignoredAckLog.ShouldLog(time.GetUtcNow(), out var suppressed))
        {
            var listed = committed.Concat(rejected).ToList();
            LogForgedAck(logger, unknown, listed.Min(), listed.Max(), suppressed);
        }
    }

    private Birth Birth()
    {
        var birth = new Birth
        {
            GatewayId = gatewayId,
            Epoch = buffer.Epoch,
            BufferId = buffer.BufferId,
            TimestampUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            SoftwareVersion = Forwarder.SoftwareVersion,
        };
        birth.Points.AddRange(buffer.Catalogue());
        lighting?.AddTo(birth);
        birth.ConfigVersion = config?.Version ?? string.Empty;
        return birth;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting to central at {Broker}")]
    private static partial void LogConnecting(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to central at {Broker} (epoch {Epoch}); live batches from seq {LiveFromSeq}")]
    private static partial void LogConnected(ILogger logger, string broker, ulong epoch, ulong liveFromSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from central at {Broker}: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string broker, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "No ack for batch {Seq} within {Seconds} s: publishing it again")]
    private static partial void LogResending(ILogger logger, ulong seq, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Central rejected {Count} batches ({Removed} removed from the buffer): seqs {Seqs}; reason: {Reason}")]
    private static partial void LogRejected(ILogger logger, int count, int removed, string seqs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message on {Topic} that is not a readable ack on {AckTopic} ({Suppressed} more ignored since the last such message)")]
    private static partial void LogForeignMessage(ILogger logger, string topic, string ackTopic, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an ack for {Count} seqs this session has not published or no longer awaits (seqs {First}..{Last}): a forged or misdirected ack; nothing deleted for them ({Suppressed} more such acks since the last message)")]
    private static partial void LogForgedAck(ILogger logger, int count, ulong first, ulong last, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing command results failed: ending the session")]
    private static partial void LogResultsFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying acks failed")]
    private static partial void LogAckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the MQTT client failed")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published Death and disconnected from central")]
    private static partial void LogStoppedCleanly(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish Death at shutdown (the broker will send the will)")]
    private static partial void LogDeathFailed(ILogger logger, Exception exception);
}
