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

/// <summary>
/// A transport that can also block a thread in a receive. <see cref="SnmpManager"/> then receives on a thread of its
/// own and continues the waiting request on it, as a C manager blocked in select does: one wake-up per answer instead
/// of the socket engine's thread handing each datagram to a thread-pool thread.
/// </summary>
public interface ISnmpBlockingTransport : ISnmpTransport
{
    /// <summary>
    /// Blocks until a datagram arrives. Once the transport is disposed it throws <see cref="ObjectDisposedException"/>
    /// or a <see cref="SocketException"/>; do not mix with <see cref="ISnmpTransport.ReceiveAsync"/> on one transport.
    /// </summary>
    SnmpDatagram Receive();
}

/// <summary>A UDP socket bound to a local endpoint (port 0 picks a free one).</summary>
public sealed class UdpSnmpTransport : ISnmpBlockingTransport
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

    /// <summary>
    /// Sends synchronously: a UDP send only copies into the socket buffer, and an async operation would switch the
    /// socket to non-blocking mode for good, which turns <see cref="Receive"/> into a wait on the socket engine's thread.
    /// </summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _socket.SendTo(datagram.Span, SocketFlags.None, remote);
        return ValueTask.CompletedTask;
    }

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

    /// <summary>Blocks until the next datagram. The returned memory is a copy and stays valid.</summary>
    public SnmpDatagram Receive()
    {
        while (true)
        {
            try
            {
                EndPoint remote = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                int received = _socket.ReceiveFrom(_receiveBuffer, SocketFlags.None, ref remote);
                return new SnmpDatagram(_receiveBuffer.AsSpan(0, received).ToArray(), (IPEndPoint)remote);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
            {
                // As in ReceiveAsync: an ICMP unreachable for an earlier send.
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
