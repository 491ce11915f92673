using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace City.Protocols.Modbus;

/// <summary>
/// The client's side of one Modbus TCP connection. Sends whole ADUs on the caller's thread. Receives on a thread of its
/// own, which waits in a blocking recv(2), reads into one reused buffer, cuts frames there in place and completes the
/// waiting <see cref="ReceiveFrameAsync"/> on that same thread: the caller's continuation runs on it until its next await,
/// with no hop through the thread pool (on Linux, .NET queues every socket completion to the pool unless
/// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS is set, which would do the same for every socket of the process).
/// Code that blocks after awaiting a receive therefore delays this connection's next frame, and only this connection's.
/// One receive outstanding at a time; knows nothing about transaction matching or function semantics.
/// After a cancelled or failed receive the stream position is unknown, so the transport should be disposed.
/// </summary>
public sealed class ModbusTcpClientTransport : IValueTaskSource<MbapHeader?>, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly EndPoint _remoteEndPoint;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Touched by the receive thread only: a whole frame always fits after compaction, with room for the next one's start.
    private readonly byte[] _buffer = new byte[MbapHeader.MaxAduLength * 2];
    private int _bufferStart;
    private int _bufferEnd;

    // The waiting receive and the connection's end, under _gate.
    // A monitor rather than a Lock: the receive thread waits on it (Monitor.Wait) when a frame is ready before its receive.
    private readonly object _gate = new();
    private ManualResetValueTaskSourceCore<MbapHeader?> _completion = new() { RunContinuationsAsynchronously = false };
    private bool _receiving;
    private Memory<byte> _destination;
    private CancellationToken _receiveToken;
    private CancellationTokenRegistration _receiveRegistration;
    private bool _receiveThreadWaiting;
    private Exception? _ended;
    private bool _endedCleanly;
    private bool _disposed;
    private bool _receiveThreadEnded;

    private ModbusTcpClientTransport(Socket socket, EndPoint remoteEndPoint)
    {
        _socket = socket;
        _remoteEndPoint = remoteEndPoint;
        var thread = new Thread(ConnectAndReceive) { IsBackground = true, Name = "modbus-tcp-receive" };
        thread.UnsafeStart();
    }

    public EndPoint RemoteEndPoint => _remoteEndPoint;

    /// <summary>
    /// Opens a TCP connection; throws <see cref="ModbusTimeoutException"/> when it takes longer than <paramref name="connectTimeout"/>.
    /// The socket connects with a blocking call on the receive thread and never uses .NET's asynchronous socket engine, so the
    /// kernel wakes that thread directly when an answer arrives (no epoll thread in between).
    /// </summary>
    public static async Task<ModbusTcpClientTransport> ConnectAsync(
        EndPoint remoteEndPoint, TimeSpan connectTimeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ArgumentNullException.ThrowIfNull(timeProvider);

        // A DnsEndPoint has no address family yet; a dual-mode socket accepts whichever the name resolves to.
        Socket socket = remoteEndPoint.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? new Socket(remoteEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        var transport = new ModbusTcpClientTransport(socket, remoteEndPoint);
        try
        {
            await transport._connected.Task.WaitAsync(connectTimeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new ModbusTimeoutException($"Connecting to {remoteEndPoint} took longer than {connectTimeout}.", ex);
        }
        catch
        {
            // Disposing shuts the socket down, which also ends a connect(2) still in progress on the receive thread.
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return transport;
    }

    /// <summary>Sends one complete ADU (MBAP header and PDU) on the calling thread.</summary>
    public void Send(ReadOnlySpan<byte> adu)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!adu.IsEmpty)
        {
            adu = adu[_socket.Send(adu)..];
        }
    }

    /// <summary>
    /// Waits for the next frame and copies its PDU into <paramref name="pduDestination"/> (at least 253 bytes), which must
    /// stay untouched until the receive completes. Returns null when the peer closed the connection between frames.
    /// Throws <see cref="ModbusProtocolException"/> for an invalid MBAP header, <see cref="IOException"/> when the
    /// connection closes in the middle of a frame, <see cref="SocketException"/> when it breaks.
    /// </summary>
    public ValueTask<MbapHeader?> ReceiveFrameAsync(Memory<byte> pduDestination, CancellationToken cancellationToken)
    {
        if (pduDestination.Length < MbapHeader.MaxPduLength)
        {
            throw new ArgumentException($"The destination must hold {MbapHeader.MaxPduLength} bytes.", nameof(pduDestination));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<MbapHeader?>(cancellationToken);
        }

        // Registered before the receive is published, so that a registration never outlives it unseen (see CancelReceive).
        CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((ModbusTcpClientTransport)state!).CancelReceive(token), this)
            : default;
        lock (_gate)
        {
            if (_receiving)
            {
                registration.Dispose();
                throw new InvalidOperationException("A receive is already waiting on this connection.");
            }

            if (_disposed || _ended is not null || _endedCleanly)
            {
                registration.Dispose();
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _ended is null ? ValueTask.FromResult<MbapHeader?>(null) : ValueTask.FromException<MbapHeader?>(_ended);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                registration.Dispose();
                return ValueTask.FromCanceled<MbapHeader?>(cancellationToken);
            }

            _completion.Reset();
            _receiving = true;
            _destination = pduDestination;
            _receiveToken = cancellationToken;
            _receiveRegistration = registration;
            if (_receiveThreadWaiting)
            {
                Monitor.Pulse(_gate);
            }

            return new ValueTask<MbapHeader?>(this, _completion.Version);
        }
    }

    public ValueTask DisposeAsync()
    {
        bool failWaiting;
        bool receiveThreadEnded;
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            receiveThreadEnded = _receiveThreadEnded;
            failWaiting = TakeWaitingReceive(out _, out registration);
            Monitor.PulseAll(_gate);
        }

        // Ends the receive thread's recv(2) (or connect(2)) with a FIN to the peer; that thread then closes the socket.
        // Closing it from here while the thread is blocked in it would reset the connection instead.
        if (receiveThreadEnded)
        {
            _socket.Dispose();
        }
        else
        {
            ShutDownSocket();
        }
        registration.Unregister();
        if (failWaiting)
        {
            _completion.SetException(new ObjectDisposedException(nameof(ModbusTcpClientTransport)));
        }

        return ValueTask.CompletedTask;
    }

    MbapHeader? IValueTaskSource<MbapHeader?>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<MbapHeader?>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<MbapHeader?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    /// <summary>
    /// A registration that fires late may find a newer receive waiting; it cancels that one only when it waits on the same
    /// token, which is then cancelled too.
    /// </summary>
    private void CancelReceive(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_receiving || _receiveToken != token || !TakeWaitingReceive(out _, out _))
            {
                return;
            }
        }

        _completion.SetException(new OperationCanceledException(token));
    }

    /// <summary>Caller holds _gate. Ends the waiting receive's registration and hands its destination to the caller, who completes it.</summary>
    private bool TakeWaitingReceive(out Memory<byte> destination, out CancellationTokenRegistration registration)
    {
        destination = _destination;
        registration = _receiveRegistration;
        if (!_receiving)
        {
            return false;
        }

        _receiving = false;
        _destination = default;
        _receiveToken = default;
        _receiveRegistration = default;
        return true;
    }

    private void ConnectAndReceive()
    {
        try
        {
            try
            {
                _socket.Connect(_remoteEndPoint);
                _socket.NoDelay = true;
            }
            catch (SocketException ex)
            {
                // Once disposed (timeout or cancellation) nobody awaits the connection any more.
                if (Volatile.Read(ref _disposed))
                {
                    _connected.TrySetCanceled();
                }
                else
                {
                    _connected.TrySetException(ex);
                }

                End(ex);
                return;
            }

            if (Volatile.Read(ref _disposed))
            {
                _connected.TrySetCanceled();
                End(null);
                return;
            }

            _connected.TrySetResult();
            ReceiveLoop();
        }
        finally
        {
            bool disposed;
            lock (_gate)
            {
                _receiveThreadEnded = true;
                disposed = _disposed;
            }

            // Otherwise DisposeAsync closes it: a send may still find out how the connection ended.
            if (disposed)
            {
                _socket.Dispose();
            }
        }
    }

    private void ShutDownSocket()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.NotConnected)
        {
            // Not connected yet (the receive thread sees _disposed after its connect) or no longer (it has ended).
        }
        catch (ObjectDisposedException)
        {
            // The receive thread ended meanwhile and closed the socket: nothing left to wake.
        }
    }

    private void ReceiveLoop()
    {
        try
        {
            while (true)
            {
                OperationStatus status;
                while ((status = ModbusTcpFraming.TryReadFrame(_buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart), out ModbusTcpFrame frame, out int frameLength))
                    == OperationStatus.Done)
                {
                    if (!Deliver(frame.Header, frame.Pdu))
                    {
                        return;
                    }

                    _bufferStart += frameLength;
                }

                if (status == OperationStatus.InvalidData)
                {
                    End(new ModbusProtocolException(
                        $"Invalid MBAP header from {_remoteEndPoint}: protocol id must be 0 and length within {MbapHeader.MinLength}..{MbapHeader.MaxLength}."));
                    return;
                }

                CompactBuffer();
                int received = _socket.Receive(_buffer.AsSpan(_bufferEnd));
                if (received == 0)
                {
                    End(_bufferStart == _bufferEnd
                        ? null
                        : new IOException($"Connection from {_remoteEndPoint} closed in the middle of a frame ({_bufferEnd - _bufferStart} bytes pending)."));
                    return;
                }

                _bufferEnd += received;
            }
        }
        catch (SocketException ex)
        {
            // After DisposeAsync the shutdown can end recv(2) this way too; before it, the connection broke.
            End(Volatile.Read(ref _disposed) ? null : ex);
        }
    }

    /// <summary>Copies a frame to the waiting receive (waiting for one if none is) and completes it on this thread. False once disposed.</summary>
    private bool Deliver(MbapHeader header, ReadOnlySpan<byte> pdu)
    {
        Memory<byte> destination;
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            while (!_receiving && !_disposed)
            {
                _receiveThreadWaiting = true;
                Monitor.Wait(_gate);
                _receiveThreadWaiting = false;
            }

            if (_disposed || !TakeWaitingReceive(out destination, out registration))
            {
                return false;
            }
        }

        registration.Unregister();
        pdu.CopyTo(destination.Span);
        _completion.SetResult(header);
        return true;
    }

    private void CompactBuffer()
    {
        if (_bufferStart == _bufferEnd)
        {
            _bufferStart = _bufferEnd = 0;
        }
        else if (_buffer.Length - _bufferEnd < MbapHeader.MaxAduLength)
        {
            _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart).CopyTo(_buffer);
            _bufferEnd -= _bufferStart;
            _bufferStart = 0;
        }
    }

    /// <summary>The receive thread ends: a waiting receive gets null (clean close) or <paramref name="failure"/>, later ones too.</summary>
    private void End(Exception? failure)
    {
        bool completeWaiting;
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            _ended = failure;
            _endedCleanly = failure is null;
            completeWaiting = TakeWaitingReceive(out _, out registration);
        }

        if (!completeWaiting)
        {
            return;
        }

        registration.Unregister();
        if (failure is null)
        {
            _completion.SetResult(null);
        }
        else
        {
            _completion.SetException(failure);
        }
    }
}
