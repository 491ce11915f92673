using System.Reflection;
using City.Contract.Mqtt;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Hosting;
using City.Edge.Lighting;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Edge.Forwarding;

/// <summary>
/// Sends the buffer to central over MQTT 5 and deletes what central acknowledges: the reconnect loop around one
/// <see cref="CentralSession"/> at a time (connect with the will, subscribe to acks, retained Birth, then the
/// in-flight window). When the link drops, everything in flight goes back to pending and the session is retried
/// with exponential backoff and jitter. On a clean stop, a Death is published and the client disconnects normally.
/// </summary>
internal sealed partial class Forwarder(
    BatchBuffer buffer,
    IOptions<EdgeOptions> options,
    EdgeState state,
    TimeProvider time,
    ILogger<Forwarder> logger,
    CommandService? commands = null,
    CommandOutbox? outbox = null,
    LightingBirth? lighting = null,
    RunningConfig? config = null,
    LoopLiveness? liveness = null) : BackgroundService
{
    public static readonly string SoftwareVersion =
        typeof(Forwarder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static readonly TimeSpan EpochRetryInterval = TimeSpan.FromSeconds(1);

    private readonly CentralOptions _central = options.Value.Central;
    private readonly string _gatewayId = options.Value.GatewayId;
    private readonly AsyncSignal _wake = new();
    private volatile CentralSession? _session;
    private volatile bool _stopping;
    private LoopHeartbeat? _heartbeat;

    /// <summary>Sessions started so far (tests).</summary>
    internal int Sessions { get; private set; }

    public string Broker => $"{_central.Host}:{_central.Port}";

    /// <summary>Delay before reconnection attempt <paramref name="attempt"/> (0 after a session that was up): random between min and an exponentially growing cap.</summary>
    public static TimeSpan Backoff(int attempt, int minMs, int maxMs, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var cap = Math.Min(maxMs, minMs * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(minMs + (random.NextDouble() * (cap - minMs)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Say goodbye while the session is still open (ExecuteAsync tears it down once cancelled).
        _stopping = true;
        var session = _session;
        if (session is not null)
        {
            await session.SayGoodbyeAsync(cancellationToken).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How long the forwarder may go without progress: the longest reconnect delay, four broker operations at their timeout
    /// (connect, two subscriptions, the Birth; a publish waits for its PUBACK as long) and an idle pump's wake-up.
    /// </summary>
    internal static TimeSpan QuietAllowance(CentralOptions central)
    {
        ArgumentNullException.ThrowIfNull(central);
        var brokerTimeout = TimeSpan.FromSeconds(Math.Max(5, central.KeepAliveSeconds));
        var ackWait = TimeSpan.FromSeconds(central.AckTimeoutSeconds);
        return TimeSpan.FromMilliseconds(central.ReconnectMaxDelayMs) + (4 * (brokerTimeout > ackWait ? brokerTimeout : ackWait)) + CentralSession.IdleBeat;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var heartbeat = (liveness ?? new LoopLiveness(time)).Register("forwarder", QuietAllowance(_central));
        _heartbeat = heartbeat;
        buffer.BatchesCommitted += _wake.Set;
        var attempt = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested && !_stopping)
            {
                heartbeat.Beat();
                var wasConnected = await RunOneSessionAsync(attempt, stoppingToken).ConfigureAwait(false);
                if (_stopping || stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                attempt = wasConnected ? 0 : attempt + 1;
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

    /// <summary>One session, from waiting for the epoch to tearing down; true if it got connected (the backoff then restarts from the minimum).</summary>
    private async Task<bool> RunOneSessionAsync(int attempt, CancellationToken stoppingToken)
    {
        CentralSession? session = null;
        try
        {
            await WaitForPersistedEpochAsync(stoppingToken).ConfigureAwait(false);
            Sessions++;
            session = new CentralSession(buffer, _central, _gatewayId, state, time, _wake, logger, commands, outbox, lighting, config, _heartbeat is { } heartbeat ? heartbeat.Beat : null);
            _session = session;
            await session.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (BrokerTlsException ex)
        {
            // A TLS file went missing or bad after the start checks: no stack trace, the message names the file.
            state.Central.SetDisconnected(time.GetUtcNow(), ex.Message);
            if (attempt % 20 == 0)
            {
                LogUntrustedBroker(logger, Broker, ex.Message, attempt + 1);
            }
        }
        catch (Exception) when (session?.UntrustedBrokerReason is { } reason)
        {
            // Not central, or not the name configured: said plainly (status and log), retried in case it gets fixed.
            state.Central.SetDisconnected(time.GetUtcNow(), "TLS: " + reason);
            if (attempt % 20 == 0)
            {
                LogUntrustedBroker(logger, Broker, reason, attempt + 1);
            }
        }
        catch (Exception ex) when (IsLinkFailure(ex))
        {
            // Expected while central is away: one line, no stack trace; repeated every 20 attempts.
            state.Central.SetDisconnected(time.GetUtcNow(), ex.Message);
            if (session?.Connected == true || attempt % 20 == 0)
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
            _session = null;
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }

        return session?.Connected == true;
    }

    private static bool IsLinkFailure(Exception ex) => ContractClient.IsLinkFailure(ex) || ex is OperationCanceledException;

    /// <summary>
    /// The will and the Birth carry this run's epoch, which central uses to ignore a late will of an older session: no
    /// session starts before the epoch is on disk (a start on a full disk keeps it in memory until space returns).
    /// </summary>
    private async Task WaitForPersistedEpochAsync(CancellationToken stoppingToken)
    {
        var logged = false;
        while (!buffer.EnsureEpochPersisted())
        {
            // Waiting for disk space is not a hang: a restart would not bring it back.
            _heartbeat?.Beat();
            state.Central.SetDisconnected(time.GetUtcNow(), "waiting for disk space to write this run's epoch to the buffer");
            if (!logged)
            {
                LogWaitingForEpoch(logger, buffer.Epoch, buffer.Path);
                logged = true;
            }

            await Task.Delay(EpochRetryInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not connecting to central until epoch {Epoch} is written to the buffer {Path} (the disk is full)")]
    private static partial void LogWaitingForEpoch(ILogger logger, ulong epoch, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach central at {Broker}: {Error} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogLinkFailed(ILogger logger, string broker, string error, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not connecting to {Broker}: {Reason} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogUntrustedBroker(ILogger logger, string broker, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session with central at {Broker} failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception, string broker);
}
