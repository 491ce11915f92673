using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Snmp;

/// <summary>One received datagram and who sent it.</summary>
public readonly record struct SnmpDatagram(ReadOnlyMemory<byte> Data, IPEndPoint Remote);

/// <summary>Moves datagrams; knows nothing of SNMP. The UDP implementation is <see cref="UdpSnmpTransport"/>.</summary>
public interface ISnmpTransport : IDisposable
{
    IPEndPoint LocalEndPoint { get; }

    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken);

    ValueTask<SnmpDatagram> ReceiveAsync(CancellationToken cancellationToken);
}

/// <summary>A UDP socket bound to a local endpoint (port 0 picks a free one).</summary>
public sealed class UdpSnmpTransport : ISnmpTransport
{
    /// <summary>The largest UDP payload over IPv4.</summary>
    public const int MaxDatagramSize = 65507;

    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = new byte[MaxDatagramSize];

    private UdpSnmpTransport(Socket socket) => _socket = socket;

    public static UdpSnmpTransport Bind(IPEndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                // An ICMP port-unreachable would otherwise fail the next receive on Windows.
                const int SioUdpConnReset = -1744830452;
                socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
            }

            socket.Bind(localEndPoint);
            return new UdpSnmpTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A transport on 127.0.0.1 with an OS-chosen port.</summary>
    public static UdpSnmpTransport BindLoopback(int port = 0) => Bind(new IPEndPoint(IPAddress.Loopback, port));

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken) =>
        await _socket.SendToAsync(datagram, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);

    /// <summary>Receives the next datagram. The returned memory is a copy and stays valid.</summary>
    public async ValueTask<SnmpDatagram> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                SocketReceiveFromResult result = await _socket
                    .ReceiveFromAsync(_receiveBuffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken)
                    .ConfigureAwait(false);
                return new SnmpDatagram(_receiveBuffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
            {
                // A previous send hit a closed port (ICMP unreachable); that is not this receive's failure.
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
