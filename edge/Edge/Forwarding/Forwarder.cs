using System.Net;
using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Status;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Edge.Forwarding;

/// <summary>
/// Sends the buffer to central over MQTT 5 and deletes what central acknowledges. One session at a time:
/// connect (the will is a Death of this epoch), subscribe to acks, publish the retained Birth, then keep up to
/// MaxInFlightBatches batches published and awaiting their ack, in the buffer's priority order. A batch whose ack
/// does not come within AckTimeoutSeconds is published again (central deduplicates by seq). When the link drops,
/// everything in flight goes back to pending and the session is retried with exponential backoff and jitter.
/// On a clean stop, a Death is published and the client disconnects normally.
/// </summary>
internal sealed partial class Forwarder(
    BatchBuffer buffer,
    IOptions<EdgeOptions> options,
    EdgeState state,
    TimeProvider time,
    ILogger<Forwarder> logger) : BackgroundService
{
    public static readonly string SoftwareVersion =
        typeof(Forwarder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private readonly CentralOptions _central = options.Value.Central;
    private readonly string _gatewayId = options.Value.GatewayId;
    private readonly AsyncSignal _wake = new();
    private readonly ConcurrentQueue<Ack> _acks = new();
    private readonly Dictionary<ulong, InFlight> _inFlight = [];
    private IMqttClient? _client;
    private volatile bool _stopping;
    private bool _sessionConnected;

    /// <summary>Sessions started so far (tests).</summary>
    internal int Sessions { get; private set; }

    /// <summary>Total publishes of data batches, resends included (tests).</summary>
    internal long DataPublishes => Interlocked.Read(ref _dataPublishes);

    private long _dataPublishes;

    public string Broker => $"{_central.Host}:{_central.Port}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        buffer.BatchesCommitted += _wake.Set;
        var attempt = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested && !_stopping)
            {
                _sessionConnected = false;
                try
                {
                    await WaitForPersistedEpochAsync(stoppingToken).ConfigureAwait(false);
                    await RunSessionAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (IsLinkFailure(ex))
                {
                    // Expected while central is away: one line, no stack trace; repeated every 20 attempts.
                    state.Central.SetDisconnected(time.GetUtcNow(), ex.Message);
                    if (_sessionConnected || attempt % 20 == 0)
                    {
                        LogLinkFailed(logger, Broker, ex.GetBaseException().Message, attempt + 1);
                    }
                }
                catch (Exception ex)
                {
                    state.Central.SetDisconnected(time.GetUtcNow(), ex.Message);
                    LogSessionFailed(logger, ex, Broker);
                }
                finally
                {
                    ReturnInFlight();
                    await DisposeClientAsync().ConfigureAwait(false);
                }

                if (_stopping)
                {
                    break;
                }

                attempt = _sessionConnected ? 0 : attempt + 1;
                var delay = Backoff(attempt, _central.ReconnectMinDelayMs, _central.ReconnectMaxDelayMs, Random.Shared);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            buffer.BatchesCommitted -= _wake.Set;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Say goodbye while the session is still open (ExecuteAsync tears it down once cancelled).
        _stopping = true;
        var client = _client;
        if (client?.IsConnected == true)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await client.PublishAsync(DeathMessage(), timeout.Token).ConfigureAwait(false);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
                LogStoppedCleanly(logger);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogDeathFailed(logger, ex);
            }
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsLinkFailure(Exception ex) =>
        ex is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException or IOException or OperationCanceledException
        || ex.GetBaseException() is System.Net.Sockets.SocketException;

    /// <summary>Delay before reconnection attempt <paramref name="attempt"/> (0 after a session that was up): random between min and an exponentially growing cap.</summary>
    public static TimeSpan Backoff(int attempt, int minMs, int maxMs, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var cap = Math.Min(maxMs, minMs * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(minMs + (random.NextDouble() * (cap - minMs)));
    }

    /// <summary>
    /// The will and the Birth carry this run's epoch, which central uses to ignore a late will of an older session: no
    /// session starts before the epoch is on disk (a start on a full disk keeps it in memory until space returns).
    /// </summary>
    private async Task WaitForPersistedEpochAsync(CancellationToken stoppingToken)
    {
        var logged = false;
        while (!buffer.EnsureEpochPersisted())
        {
            state.Central.SetDisconnected(time.GetUtcNow(), "waiting for disk space to write this run's epoch to the buffer");
            if (!logged)
            {
                LogWaitingForEpoch(logger, buffer.Epoch, buffer.Path);
                logged = true;
            }

            await Task.Delay(EpochRetryInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan EpochRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>One connection's life; sets <see cref="_sessionConnected"/> once connected (the backoff then restarts from the minimum).</summary>
    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        Sessions++;
        var client = new MqttClientFactory().CreateMqttClient();
        _client = client;
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        string? disconnectReason = null;
        client.DisconnectedAsync += e =>
        {
            disconnectReason = e.Exception?.Message ?? e.ReasonString ?? e.Reason.ToString();
            _wake.Set();
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
        client.ApplicationMessageReceivedAsync += e =>
        {
            var payload = e.ApplicationMessage.Payload;
            if (BatchCodec.TryParse(Ack.Parser, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out var ack))
            {
                _acks.Enqueue(ack);
                _wake.Set();
            }
            else
            {
                LogBadAck(logger, e.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };

        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(new DnsEndPoint(_central.Host, _central.Port))
            // After WithEndPoint, which starts from fresh TCP options. MQTTnet pins SO_SNDBUF/SO_RCVBUF to this
            // (8 KiB by default, which caps a backlog drain at window/RTT on a real link).
            .WithTcpServer(tcp => tcp.BufferSize = SocketBufferBytes)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"edge-{_gatewayId}")
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_central.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(Math.Max(5, _central.KeepAliveSeconds)))
            .WithWillTopic(Topics.Death(_gatewayId))
            .WithWillPayload(new Death { GatewayId = _gatewayId, Epoch = buffer.Epoch, BufferId = buffer.BufferId }.ToByteArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_central.UseTls)
        {
            builder = builder.WithTlsOptions(o => o.UseTls());
        }

        LogConnecting(logger, Broker);
        await client.ConnectAsync(builder.Build(), session.Token).ConfigureAwait(false);
        var connectedAt = time.GetUtcNow();
        _sessionConnected = true;

        await client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Ack(_gatewayId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            session.Token).ConfigureAwait(false);
        await PublishAsync(client, BirthMessage(), session.Token).ConfigureAwait(false);

        // Batches committed from now on are "live": they go before the backlog.
        var liveFromSeq = buffer.StartLiveSection();
        state.Central.SetConnected(connectedAt);
        LogConnected(logger, Broker, buffer.Epoch, liveFromSeq);
        try
        {
            await PumpAsync(client, liveFromSeq, session.Token).ConfigureAwait(false);
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

    private const int SocketBufferBytes = 256 * 1024;

    private async Task PumpAsync(IMqttClient client, ulong liveFromSeq, CancellationToken token)
    {
        var ackTimeout = TimeSpan.FromSeconds(_central.AckTimeoutSeconds);
        while (true)
        {
            token.ThrowIfCancellationRequested();
            ApplyAcks();

            var now = time.GetUtcNow();
            var resend = _inFlight.Values.Where(f => now - f.SentAt >= ackTimeout).OrderBy(f => f.Batch.Seq).ToList();
            var fresh = buffer.TakePending(_central.MaxInFlightBatches - _inFlight.Count, liveFromSeq);
            foreach (var batch in fresh)
            {
                _inFlight[batch.Seq] = new InFlight(batch, now);
            }

            foreach (var f in resend)
            {
                LogResending(logger, f.Batch.Seq, ackTimeout.TotalSeconds);
                f.SentAt = now;
            }

            state.Central.SetInFlight(_inFlight.Count);
            var toSend = resend.Select(f => f.Batch).Concat(fresh).ToList();
            if (toSend.Count > 0)
            {
                // QoS 1: each publish completes at its PUBACK; they run side by side on the one connection.
                await Task.WhenAll(toSend.Select(b => PublishDataAsync(client, b, token))).ConfigureAwait(false);
                continue;
            }

            var wait = _inFlight.Count == 0
                ? Timeout.InfiniteTimeSpan
                : _inFlight.Values.Min(f => f.SentAt) + ackTimeout - time.GetUtcNow();
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero)
            {
                wait = TimeSpan.Zero;
            }

            await _wake.WaitAsync(wait, time, token).ConfigureAwait(false);
        }
    }

    private async Task PublishDataAsync(IMqttClient client, StoredBatch batch, CancellationToken token)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Data(_gatewayId))
            .WithPayload(batch.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        Interlocked.Increment(ref _dataPublishes);
        await PublishAsync(client, message, token).ConfigureAwait(false);
    }

    private static async Task PublishAsync(IMqttClient client, MqttApplicationMessage message, CancellationToken token)
    {
        var result = await client.PublishAsync(message, token).ConfigureAwait(false);
        if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            throw new InvalidOperationException($"The broker refused the publish on {message.Topic}: {result.ReasonCode} {result.ReasonString}");
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

        var (_, _, rejectedCount) = buffer.Acknowledge(committed, rejected);
        foreach (var seq in committed)
        {
            _inFlight.Remove(seq);
        }

        foreach (var seq in rejected)
        {
            _inFlight.Remove(seq);
        }

        if (rejected.Count > 0)
        {
            LogRejected(logger, rejected.Count, rejectedCount, string.Join(", ", rejected), string.Join("; ", reasons.Distinct()));
        }

        state.Central.SetInFlight(_inFlight.Count);
    }

    private void ReturnInFlight()
    {
        // Acks that arrived just before the link dropped still count.
        try
        {
            ApplyAcks();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAckFailed(logger, ex);
        }

        _inFlight.Clear();
        buffer.ReleaseAll();
        state.Central.SetInFlight(0);
    }

    private async Task DisposeClientAsync()
    {
        var client = _client;
        _client = null;
        if (client is null)
        {
            return;
        }

        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDisposeFailed(logger, ex);
        }
        finally
        {
            client.Dispose();
        }
    }

    private MqttApplicationMessage BirthMessage()
    {
        var birth = new Birth
        {
            GatewayId = _gatewayId,
            Epoch = buffer.Epoch,
            BufferId = buffer.BufferId,
            TimestampUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            SoftwareVersion = SoftwareVersion,
        };
        birth.Points.AddRange(buffer.Catalogue());
        return new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Birth(_gatewayId))
            .WithPayload(birth.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
    }

    private MqttApplicationMessage DeathMessage() => new MqttApplicationMessageBuilder()
        .WithTopic(Topics.Death(_gatewayId))
        .WithPayload(new Death { GatewayId = _gatewayId, Epoch = buffer.Epoch, BufferId = buffer.BufferId }.ToByteArray())
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not connecting to central until epoch {Epoch} is written to the buffer {Path} (the disk is full)")]
    private static partial void LogWaitingForEpoch(ILogger logger, ulong epoch, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting to central at {Broker}")]
    private static partial void LogConnecting(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to central at {Broker} (epoch {Epoch}); live batches from seq {LiveFromSeq}")]
    private static partial void LogConnected(ILogger logger, string broker, ulong epoch, ulong liveFromSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from central at {Broker}: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string broker, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach central at {Broker}: {Error} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogLinkFailed(ILogger logger, string broker, string error, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session with central at {Broker} failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "No ack for batch {Seq} within {Seconds} s: publishing it again")]
    private static partial void LogResending(ILogger logger, ulong seq, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Central rejected {Count} batches ({Removed} removed from the buffer): seqs {Seqs}; reason: {Reason}")]
    private static partial void LogRejected(ILogger logger, int count, int removed, string seqs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An ack on {Topic} could not be parsed; ignored")]
    private static partial void LogBadAck(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying acks failed")]
    private static partial void LogAckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the MQTT client failed")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published Death and disconnected from central")]
    private static partial void LogStoppedCleanly(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish Death at shutdown (the broker will send the will)")]
    private static partial void LogDeathFailed(ILogger logger, Exception exception);

    private sealed class InFlight(StoredBatch batch, DateTimeOffset sentAt)
    {
        public StoredBatch Batch { get; } = batch;

        public DateTimeOffset SentAt { get; set; } = sentAt;
    }
}

/// <summary>An auto-reset signal for one waiter: <see cref="Set"/> wakes the current or the next <see cref="WaitAsync"/>.</summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_gate)
        {
            _tcs.TrySetResult();
        }
    }

    /// <summary>Waits for a signal or the timeout (infinite allowed); the signal is consumed.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            task = _tcs.Task;
        }

        try
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            return;
        }

        lock (_gate)
        {
            if (_tcs.Task.IsCompleted)
            {
                _tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
