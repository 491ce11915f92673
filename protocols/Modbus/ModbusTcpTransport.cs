using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus;

/// <summary>
/// Moves Modbus TCP frames over one connected socket: sends whole ADUs and reads whole frames, parsed in place in one
/// receive buffer owned by the connection (no pipe, no copy of the stream). Knows nothing about transaction matching or
/// function semantics. After a cancelled or failed receive the stream position is unknown, so the transport should be disposed.
/// </summary>
public sealed class ModbusTcpTransport : IAsyncDisposable
{
    // Two whole frames: a frame that arrives split is completed without moving bytes more than once.
    private const int BufferSize = 2 * MbapHeader.MaxAduLength;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    /// <summary>Wraps an already connected socket (for example one returned by <c>Socket.AcceptAsync</c>) and takes ownership of it.</summary>
    public ModbusTcpTransport(Socket connectedSocket)
    {
        ArgumentNullException.ThrowIfNull(connectedSocket);
        _socket = connectedSocket;
        _socket.NoDelay = true;
        RemoteEndPoint = connectedSocket.RemoteEndPoint;
    }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Opens a TCP connection; throws <see cref="ModbusTimeoutException"/> when it takes longer than <paramref name="connectTimeout"/>.</summary>
    public static async Task<ModbusTcpTransport> ConnectAsync(
        EndPoint remoteEndPoint, TimeSpan connectTimeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ArgumentNullException.ThrowIfNull(timeProvider);

        // A DnsEndPoint has no address family yet; a dual-mode socket accepts whichever the name resolves to.
        Socket socket = remoteEndPoint.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? new Socket(remoteEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);

        using var timeout = new CancellationTokenSource(connectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await socket.ConnectAsync(remoteEndPoint, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ModbusTimeoutException($"Connecting to {remoteEndPoint} took longer than {connectTimeout}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ModbusTcpTransport(socket);
    }

    /// <summary>Sends one complete ADU (MBAP header and PDU). Completes synchronously when the kernel takes the bytes at once (the usual case).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> adu, CancellationToken cancellationToken)
    {
        while (!adu.IsEmpty)
        {
            int sent = await _socket.SendAsync(adu, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            adu = adu[sent..];
        }
    }

    /// <summary>
    /// Reads the next frame and copies its PDU into <paramref name="pduDestination"/> (at least 253 bytes).
    /// Returns null when the peer closed the connection between frames. Completes synchronously when the frame is already
    /// buffered or already in the kernel.
    /// Throws <see cref="ModbusProtocolException"/> for an invalid MBAP header and <see cref="IOException"/> when the
    /// connection closes in the middle of a frame.
    /// </summary>
    public async ValueTask<MbapHeader?> ReceiveFrameAsync(Memory<byte> pduDestination, CancellationToken cancellationToken)
    {
        CheckDestination(pduDestination.Length);
        while (true)
        {
            if (TryTakeFrame(pduDestination.Span, out MbapHeader header))
            {
                return header;
            }

            MakeRoom();
            int received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                return _start == _end
                    ? null
                    : throw new IOException($"Connection from {RemoteEndPoint} closed in the middle of a frame ({_end - _start} bytes pending).");
            }

            _end += received;
        }
    }

    /// <summary>
    /// Waits for a whole frame on the calling thread and copies its PDU into <paramref name="pduDestination"/>: first
    /// checking the socket in a spin for up to <paramref name="spin"/> (the thread keeps its CPU, so an answer that comes
    /// meanwhile costs no wake-up), then blocked in <c>poll</c> for up to <paramref name="wait"/> (whole milliseconds).
    /// False when no whole frame came in time, or the peer closed the connection: bytes of a partial frame stay buffered
    /// for <see cref="ReceiveFrameAsync"/>, which also reports the close. This is how a fast peer's answer is taken on the
    /// thread that sent the request, instead of through an asynchronous completion handed from the socket engine to the
    /// thread pool.
    /// </summary>
    public bool TryReceiveFrame(Span<byte> pduDestination, TimeSpan spin, TimeSpan wait, out MbapHeader header)
    {
        CheckDestination(pduDestination.Length);
        if (TryTakeFrame(pduDestination, out header))
        {
            return true;
        }

        long spinUntil = Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * Stopwatch.Frequency);
        while (_socket.Available == 0 && Stopwatch.GetTimestamp() < spinUntil)
        {
            Thread.SpinWait(20);
        }

        int waitMicroseconds = (int)Math.Clamp(wait.Ticks / TimeSpan.TicksPerMicrosecond, 0, int.MaxValue);
        while (_socket.Poll(waitMicroseconds, SelectMode.SelectRead))
        {
            MakeRoom();
            int received = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None, out SocketError error);
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            if (received == 0)
            {
                return false;
            }

            _end += received;
            if (TryTakeFrame(pduDestination, out header))
            {
                return true;
            }

            // Part of a frame: the rest follows within the same segment train or not at all; do not wait a second window.
            waitMicroseconds = 0;
        }

        return false;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void CheckDestination(int length)
    {
        if (length < MbapHeader.MaxPduLength)
        {
            throw new ArgumentException($"The destination must hold {MbapHeader.MaxPduLength} bytes.", "pduDestination");
        }
    }

    private bool TryTakeFrame(Span<byte> pduDestination, out MbapHeader header)
    {
        OperationStatus status = ModbusTcpFraming.TryReadFrame(_buffer.AsSpan(_start, _end - _start), out ModbusTcpFrame frame, out int consumed);
        switch (status)
        {
            case OperationStatus.Done:
                frame.Pdu.CopyTo(pduDestination);
                header = frame.Header;
                _start += consumed;
                if (_start == _end)
                {
                    _start = _end = 0;
                }

                return true;
            case OperationStatus.InvalidData:
                throw new ModbusProtocolException(
                    $"Invalid MBAP header from {RemoteEndPoint}: protocol id must be 0 and length within {MbapHeader.MinLength}..{MbapHeader.MaxLength}.");
            default:
                header = default;
                return false;
        }
    }

    /// <summary>Moves a partial frame to the start of the buffer when the free tail could not hold the rest of a frame.</summary>
    private void MakeRoom()
    {
        if (_start > 0 && _buffer.Length - _start < MbapHeader.MaxAduLength)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }
}
