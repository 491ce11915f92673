using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Hosting;

/// <summary>
/// Tells systemd how the edge is doing through NOTIFY_SOCKET: READY=1 once every service has started, STOPPING=1 when
/// the stop begins, and, when the unit sets WatchdogSec=, WATCHDOG=1 every half interval, but only while no loop of
/// <see cref="LoopLiveness"/> is stalled. Withheld pings make systemd kill and restart the edge when WatchdogSec runs out;
/// the log and the unit's status line (STATUS=) name the stalled loops. Without NOTIFY_SOCKET it does nothing.
/// </summary>
internal sealed partial class WatchdogNotifier(
    SystemdNotifyTarget target,
    LoopLiveness liveness,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<WatchdogNotifier> logger,
    RunHandover? handover = null) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private SystemdNotifySocket? _socket;
    private ITimer? _timer;
    private string _stalledNames = string.Empty;
    private bool _sendFailureLogged;
    private long _pingsSent;
    private long _pingsWithheld;

    /// <summary>WATCHDOG=1 messages sent so far.</summary>
    public long PingsSent => Interlocked.Read(ref _pingsSent);

    /// <summary>Pings that were due but withheld because a loop was stalled.</summary>
    public long PingsWithheld => Interlocked.Read(ref _pingsWithheld);

    /// <summary>The loops found stalled at the last due ping, comma-separated; empty when all were alive.</summary>
    public string StalledLoops
    {
        get
        {
            lock (_gate)
            {
                return _stalledNames;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (target.Socket is not { } path)
        {
            return Task.CompletedTask;
        }

        _socket = new SystemdNotifySocket(path);
        lifetime.ApplicationStarted.Register(OnStarted);
        lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _socket?.Dispose();
            _socket = null;
        }
    }

    private void OnStarted()
    {
        lock (_gate)
        {
            Send("READY=1\nSTATUS=running");
            if (target.PingPeriod is { } period)
            {
                LogWatchdog(logger, target.Watchdog!.Value.TotalSeconds, liveness.Grace.TotalSeconds);
                _timer = time.CreateTimer(_ => Tick(), null, TimeSpan.Zero, period);
            }
        }
    }

    private void OnStopping()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (handover?.ReplacingRun() != true)
            {
                Send("STOPPING=1");
            }
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (_timer is null)
            {
                return;
            }

            var stalled = liveness.Stalled();
            var names = string.Join(", ", stalled.Select(s => s.Name));
            if (stalled.Count == 0)
            {
                if (_stalledNames.Length > 0)
                {
                    LogRecovered(logger, _stalledNames);
                    Send("STATUS=running");
                }

                _stalledNames = string.Empty;
                Send("WATCHDOG=1");
                Interlocked.Increment(ref _pingsSent);
                return;
            }

            Interlocked.Increment(ref _pingsWithheld);
            if (names != _stalledNames)
            {
                var described = string.Join(", ", stalled.Select(s => $"{s.Name} (quiet for {s.Quiet.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s)"));
                LogStalled(logger, described);
                Send("STATUS=watchdog withheld: stalled " + described);
                _stalledNames = names;
            }
        }
    }

    private void Send(string message)
    {
        try
        {
            _socket?.Send(message);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reported once: a lost notify socket is not worth a line per ping; the watchdog itself will say the rest.
            if (!_sendFailureLogged)
            {
                _sendFailureLogged = true;
                LogSendFailed(logger, ex, target.Socket);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: {WatchdogSeconds} s; pinging at half that while every polling, buffering and forwarding loop makes progress (grace {GraceSeconds} s)")]
    private static partial void LogWatchdog(ILogger logger, double watchdogSeconds, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Withholding the systemd watchdog ping: stalled loops {Loops}; systemd restarts the edge unless they recover")]
    private static partial void LogStalled(ILogger logger, string loops);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stalled loops {Loops} recovered: watchdog pings resume")]
    private static partial void LogRecovered(ILogger logger, string loops);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot notify systemd through {Socket}")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string? socket);
}
