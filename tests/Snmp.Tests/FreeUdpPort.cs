using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Snmp.Tests;

internal static class FreeUdpPort
{
    /// <summary>A 127.0.0.1 UDP endpoint the OS just handed out and nobody holds (for a peer process to bind).</summary>
    public static IPEndPoint Reserve()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
