using System.Net;
using System.Net.Sockets;
using City.Central.Configuration;

namespace City.Central;

/// <summary>
/// Tries the addresses central will listen on (the HTTP API, the embedded broker) before anything starts, so that a port
/// another process holds is one line naming its key and address, not a failed start with the host's stack traces.
/// Port 0 (any free port) is not checked.
/// </summary>
internal static class ListenCheck
{
    public static IReadOnlyList<string> FindProblems(CentralOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (Uri.TryCreate(options.HttpUrl, UriKind.Absolute, out var url) && url.Port > 0
            && TryListen(new IPEndPoint(HttpAddress(url), url.Port)) is { } httpProblem)
        {
            problems.Add($"{CentralOptions.Section}:HttpUrl: cannot listen on {HttpAddress(url)}:{url.Port} ({options.HttpUrl}): {httpProblem}");
        }

        if (options.IsEmbeddedBroker && options.Mqtt.Port > 0 && options.Mqtt.BindAddress() is { } address
            && TryListen(new IPEndPoint(address, options.Mqtt.Port)) is { } mqttProblem)
        {
            problems.Add($"{CentralOptions.Section}:Mqtt:Port: the embedded broker cannot listen on {new IPEndPoint(address, options.Mqtt.Port)} (Central:Mqtt:Host {options.Mqtt.Host}): {mqttProblem}");
        }

        if (options.IsEmbeddedBroker && options.Mqtt.AllowPlain && options.Mqtt.PlainPort > 0
            && TryListen(new IPEndPoint(IPAddress.Loopback, options.Mqtt.PlainPort)) is { } plainProblem)
        {
            problems.Add($"{CentralOptions.Section}:Mqtt:PlainPort: the embedded broker's plain listener (Central:Mqtt:AllowPlain) cannot listen on 127.0.0.1:{options.Mqtt.PlainPort}: {plainProblem}");
        }

        return problems;
    }

    /// <summary>The address Kestrel binds for the URL's host: the IP itself, loopback for localhost, every address otherwise.</summary>
    private static IPAddress HttpAddress(Uri url) =>
        url.IsLoopback && !IPAddress.TryParse(url.DnsSafeHost, out _) ? IPAddress.Loopback
        : IPAddress.TryParse(url.DnsSafeHost, out var address) ? address
        : IPAddress.Any;

    /// <summary>Null when the end point can be bound (and is released at once), else the reason.</summary>
    private static string? TryListen(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);

        // A port left in TIME_WAIT by an earlier run binds again; a port another socket listens on does not.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(endPoint);
            socket.Listen();
            return null;
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : exception.Message;
        }
    }
}
