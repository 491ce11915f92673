using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// A raw TCP server on a loopback port that runs a test-provided script per accepted connection,
/// for server behaviour our own slave never shows (silence, stray transaction ids, dropped connections).
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];
    private int _acceptedCount;

    /// <param name="script">Runs for each connection; receives the socket, the 0-based connection index and the stopping token.</param>
    public ScriptedPeer(Func<Socket, int, CancellationToken, Task> script)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _acceptLoop = AcceptAsync(script);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int AcceptedCount => Volatile.Read(ref _acceptedCount);

    /// <summary>Reads one request ADU; returns its transaction id, unit id and PDU, or null when the client closed.</summary>
    public static async Task<(ushort TransactionId, byte UnitId, byte[] Pdu)?> ReadRequestAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] header = new byte[MbapHeader.Size];
        if (!await ReadExactlyAsync(socket, header, cancellationToken))
        {
            return null;
        }

        byte[] pdu = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)) - 1];
        if (!await ReadExactlyAsync(socket, pdu, cancellationToken))
        {
            return null;
        }

        return (BinaryPrimitives.ReadUInt16BigEndian(header), header[6], pdu);
    }

    public static async Task SendResponseAsync(Socket socket, ushort transactionId, byte unitId, string pduHex, CancellationToken cancellationToken)
    {
        byte[] pdu = Hex.Parse(pduHex);
        byte[] adu = new byte[MbapHeader.Size + pdu.Length];
        Assert.True(ModbusTcpFraming.TryWriteFrame(transactionId, unitId, pdu, adu, out _));
        await socket.SendAsync(adu, SocketFlags.None, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Func<Socket, int, CancellationToken, Task> script)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            int index = Interlocked.Increment(ref _acceptedCount) - 1;
            lock (_connections)
            {
                _connections.Add(RunAsync(socket, index, script));
            }
        }
    }

    private async Task RunAsync(Socket socket, int index, Func<Socket, int, CancellationToken, Task> script)
    {
        using (socket)
        {
            try
            {
                await script(socket, index, _stopping.Token);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or SocketException)
            {
                // The test is over; the script was waiting on a socket that is going away.
            }
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int received = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                return false;
            }

            read += received;
        }

        return true;
    }
}
