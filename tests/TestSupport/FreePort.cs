using System.Net;
using System.Net.Sockets;

namespace City.TestSupport;

/// <summary>Loopback ports the OS just handed out and nobody holds any more (for a peer to bind, or to find nobody listening).</summary>
public static class FreePort
{
    public static int Tcp() => TcpEndPoint().Port;

    public static int Udp() => UdpEndPoint().Port;

    public static IPEndPoint TcpEndPoint() => Reserve(SocketType.Stream, ProtocolType.Tcp);

    public static IPEndPoint UdpEndPoint() => Reserve(SocketType.Dgram, ProtocolType.Udp);

    private static IPEndPoint Reserve(SocketType socketType, ProtocolType protocol)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, socketType, protocol);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
