using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus;

/// <summary>
/// Moves Modbus TCP frames over one connected socket: sends whole ADUs and reads whole frames through a
/// <see cref="PipeReader"/>. Knows nothing about transaction matching or function semantics.
/// After a cancelled or failed receive the stream position is unknown, so the transport should be disposed.
/// </summary>
public sealed class ModbusTcpTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;

    /// <summary>Wraps an already connected socket (for example one returned by <c>Socket.AcceptAsync</c>) and takes ownership of it.</summary>
    public ModbusTcpTransport(Socket connectedSocket)
    {
        ArgumentNullException.ThrowIfNull(connectedSocket);
        _socket = connectedSocket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(connectedSocket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

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

    /// <summary>Sends one complete ADU (MBAP header and PDU).</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> adu, CancellationToken cancellationToken) =>
        _stream.WriteAsync(adu, cancellationToken);

    /// <summary>
    /// Reads the next frame and copies its PDU into <paramref name="pduDestination"/> (at least 253 bytes).
    /// Returns null when the peer closed the connection between frames.
    /// Throws <see cref="ModbusProtocolException"/> for an invalid MBAP header and <see cref="IOException"/> when the
    /// connection closes in the middle of a frame.
    /// </summary>
    public async ValueTask<MbapHeader?> ReceiveFrameAsync(Memory<byte> pduDestination, CancellationToken cancellationToken)
    {
        if (pduDestination.Length < MbapHeader.MaxPduLength)
        {
            throw new ArgumentException($"The destination must hold {MbapHeader.MaxPduLength} bytes.", nameof(pduDestination));
        }

        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start;
            SequencePosition examined = buffer.End;
            try
            {
                OperationStatus status = ModbusTcpFraming.TryReadFrame(buffer, out MbapHeader header, out ReadOnlySequence<byte> pdu, out SequencePosition frameEnd);
                switch (status)
                {
                    case OperationStatus.Done:
                        pdu.CopyTo(pduDestination.Span);
                        consumed = frameEnd;
                        examined = frameEnd;
                        return header;
                    case OperationStatus.InvalidData:
                        throw new ModbusProtocolException(
                            $"Invalid MBAP header from {RemoteEndPoint}: protocol id must be 0 and length within {MbapHeader.MinLength}..{MbapHeader.MaxLength}.");
                }

                if (result.IsCompleted)
                {
                    return buffer.IsEmpty
                        ? null
                        : throw new IOException($"Connection from {RemoteEndPoint} closed in the middle of a frame ({buffer.Length} bytes pending).");
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The pending read was cancelled.");
                }
            }
            finally
            {
                _reader.AdvanceTo(consumed, examined);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
