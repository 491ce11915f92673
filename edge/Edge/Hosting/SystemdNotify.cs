using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace City.Edge.Hosting;

/// <summary>
/// Where and how often the service manager wants to hear from the edge, as systemd passes it in the environment:
/// NOTIFY_SOCKET (a Unix datagram socket; a leading '@' names the abstract namespace), WATCHDOG_USEC (WatchdogSec= of the
/// unit) and WATCHDOG_PID (the process the watchdog is meant for; another process ignores it, as sd_watchdog_enabled does).
/// </summary>
internal sealed record SystemdNotifyTarget(string? Socket, TimeSpan? Watchdog)
{
    public static SystemdNotifyTarget None { get; } = new(null, null);

    public static SystemdNotifyTarget FromEnvironment() =>
        From(Environment.GetEnvironmentVariable, Environment.ProcessId);

    /// <summary>Reads the three variables through <paramref name="variable"/>; a malformed WATCHDOG_USEC or WATCHDOG_PID means no watchdog.</summary>
    public static SystemdNotifyTarget From(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var socket = variable("NOTIFY_SOCKET") is { Length: > 0 } path ? path : null;
        if (socket is null)
        {
            return None;
        }

        TimeSpan? watchdog = null;
        if (ulong.TryParse(variable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0)
        {
            var pid = variable("WATCHDOG_PID");
            var forUs = string.IsNullOrEmpty(pid) || (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p == processId);
            watchdog = forUs ? TimeSpan.FromMicroseconds(usec) : null;
        }

        return new SystemdNotifyTarget(socket, watchdog);
    }

    /// <summary>How often WATCHDOG=1 is due: half the interval, as sd_watchdog_enabled(3) advises.</summary>
    public TimeSpan? PingPeriod => Watchdog / 2;
}

/// <summary>Sends sd_notify(3) messages: one datagram each to NOTIFY_SOCKET, no libsystemd.</summary>
internal sealed class SystemdNotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endPoint;

    public SystemdNotifySocket(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
    }

    /// <summary>Sends one message such as "READY=1" or "WATCHDOG=1" (several assignments are separated by newlines). Throws <see cref="SocketException"/>.</summary>
    public void Send(string message) => _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endPoint);

    public void Dispose() => _socket.Dispose();
}
