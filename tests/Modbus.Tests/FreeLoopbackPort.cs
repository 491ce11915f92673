using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus.Tests;

internal static class FreeLoopbackPort
{
    /// <summary>An endpoint on 127.0.0.1 whose port the OS just handed out and nobody listens on (for a peer process to bind).</summary>
    public static IPEndPoint Reserve()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
