using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace City.Protocols.Serial;

/// <summary>
/// The byte stream of a termios tty. A reader thread waits in <c>poll</c> on the descriptor and an eventfd (to stop it);
/// what it reads completes the pending <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> on that thread, or is kept
/// (up to 64 KiB; beyond that the thread stops reading and the kernel holds the rest) for the next read, which then
/// completes synchronously. Continuations of reads run on the reader thread: code after an awaited read must not block
/// for long. Writes are synchronous <c>write</c> calls (a full output queue is waited out in <c>poll</c>).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class TermiosStream : Stream
{
    private const int BufferSize = 64 * 1024;

    private readonly int _fd;
    private readonly int _wakeFd;
    private readonly string _name;
    private readonly Thread _reader;
    private readonly Lock _gate = new();
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _bufferStart;
    private int _bufferCount;
    private PendingRead? _pending;
    private Exception? _fault;
    private bool _endOfStream;
    private volatile bool _disposed;

    public TermiosStream(int fd, string name)
    {
        _fd = fd;
        _name = name;
        _wakeFd = LibC.EventFd(0, LibC.EfdCloExec | LibC.EfdNonBlock);
        if (_wakeFd < 0)
        {
            throw new IOException($"eventfd for {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"serial {name}" };
        _reader.Start();
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public int BytesToRead
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int inKernel = 0;
            LibC.IoctlInt(_fd, LibC.FionRead, &inKernel);
            lock (_gate)
            {
                return _bufferCount + inKernel;
            }
        }
    }

    public void DiscardInput()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            _bufferStart = 0;
            _bufferCount = 0;
        }

        LibC.TcFlush(_fd, LibC.TciFlush);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        PendingRead pending;
        lock (_gate)
        {
            if (_bufferCount > 0)
            {
                return ValueTask.FromResult(TakeBuffered(buffer.Span));
            }

            if (_fault is not null)
            {
                return ValueTask.FromException<int>(new IOException($"Reading {_name} failed.", _fault));
            }

            if (_endOfStream)
            {
                return ValueTask.FromResult(0);
            }

            if (_pending is not null)
            {
                throw new InvalidOperationException($"A read of {_name} is already pending.");
            }

            pending = new PendingRead(buffer);
            _pending = pending;
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((TermiosStream)state!).Cancel(token), this);
            if (pending.Completion.Task.IsCompleted)
            {
                pending.Registration.Unregister();
            }
        }

        return new ValueTask<int>(pending.Completion.Task);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Environment.CurrentManagedThreadId == _reader.ManagedThreadId)
        {
            throw new InvalidOperationException($"A blocking read of {_name} on its own reader thread would never complete; await ReadAsync instead.");
        }

        byte[] rented = new byte[buffer.Length];
        int count = ReadAsync(rented).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, count).CopyTo(buffer);
        return count;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (byte* start = buffer)
        {
            int written = 0;
            while (written < buffer.Length)
            {
                nint n = LibC.Write(_fd, start + written, buffer.Length - written);
                if (n >= 0)
                {
                    written += (int)n;
                    continue;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EAgain)
                {
                    var pollFd = new LibC.PollFd { Fd = _fd, Events = LibC.PollOut };
                    LibC.Poll(&pollFd, 1, 100);
                }
                else if (errno != LibC.EIntr)
                {
                    throw new IOException($"Writing {_name}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to do: written bytes are in the kernel's output queue already.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ulong one = 1;
            LibC.Write(_wakeFd, (byte*)&one, sizeof(ulong));
            if (Environment.CurrentManagedThreadId != _reader.ManagedThreadId)
            {
                _reader.Join();
            }
        }

        base.Dispose(disposing);
    }

    private int TakeBuffered(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _bufferCount);
        _buffer.AsSpan(_bufferStart, count).CopyTo(destination);
        _bufferStart += count;
        _bufferCount -= count;
        if (_bufferCount == 0)
        {
            _bufferStart = 0;
        }

        return count;
    }

    private void Cancel(CancellationToken token)
    {
        PendingRead? cancelled;
        lock (_gate)
        {
            cancelled = _pending;
            _pending = null;
        }

        cancelled?.Completion.TrySetCanceled(token);
    }

    private void ReadLoop()
    {
        var fds = stackalloc LibC.PollFd[2];
        byte* chunk = stackalloc byte[4096];
        try
        {
            while (!_disposed)
            {
                bool room;
                lock (_gate)
                {
                    room = _bufferStart + _bufferCount < BufferSize;
                }

                fds[0] = new LibC.PollFd { Fd = _fd, Events = room ? LibC.PollIn : (short)0 };
                fds[1] = new LibC.PollFd { Fd = _wakeFd, Events = LibC.PollIn };
                if (LibC.Poll(fds, 2, room ? -1 : 10) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EIntr)
                    {
                        continue;
                    }

                    throw new IOException($"poll on {_name}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }

                if (_disposed)
                {
                    break;
                }

                if ((fds[0].REvents & (LibC.PollIn | LibC.PollHup | LibC.PollErr)) == 0)
                {
                    if ((fds[0].REvents & LibC.PollNval) != 0)
                    {
                        throw new IOException($"{_name} is no longer open.");
                    }

                    continue;
                }

                nint n = LibC.Read(_fd, chunk, 4096);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is LibC.EIntr or LibC.EAgain)
                    {
                        continue;
                    }

                    // EIO: the other end of a pty closed, or the adapter was unplugged.
                    throw new IOException($"Reading {_name}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }

                if (n == 0)
                {
                    Finish(null);
                    return;
                }

                Deliver(new ReadOnlySpan<byte>(chunk, (int)n));
            }

            Finish(null);
        }
        catch (IOException ex)
        {
            Finish(ex);
        }
        finally
        {
            LibC.Close(_wakeFd);
            LibC.Close(_fd);
        }
    }

    /// <summary>Hands received bytes to the pending read (completed on this thread, outside the lock) and keeps the rest.</summary>
    private void Deliver(ReadOnlySpan<byte> received)
    {
        PendingRead? completed = null;
        int delivered = 0;
        lock (_gate)
        {
            if (_pending is not null)
            {
                completed = _pending;
                _pending = null;
                delivered = Math.Min(received.Length, completed.Buffer.Length);
                received[..delivered].CopyTo(completed.Buffer.Span);
                received = received[delivered..];
            }

            if (!received.IsEmpty)
            {
                if (_bufferStart > 0)
                {
                    _buffer.AsSpan(_bufferStart, _bufferCount).CopyTo(_buffer);
                    _bufferStart = 0;
                }

                int kept = Math.Min(received.Length, BufferSize - _bufferCount);
                received[..kept].CopyTo(_buffer.AsSpan(_bufferCount));
                _bufferCount += kept;
            }
        }

        if (completed is not null)
        {
            completed.Registration.Unregister();
            completed.Completion.TrySetResult(delivered);
        }
    }

    /// <summary>End of the reader: a pending read gets 0 (closed or end of stream) or the fault, and so do later reads.</summary>
    private void Finish(Exception? fault)
    {
        PendingRead? pending;
        lock (_gate)
        {
            _fault = _disposed ? null : fault;
            _endOfStream = true;
            pending = _pending;
            _pending = null;
        }

        if (pending is null)
        {
            return;
        }

        pending.Registration.Unregister();
        if (_disposed)
        {
            pending.Completion.TrySetException(new ObjectDisposedException(_name, $"{_name} was closed during a read."));
        }
        else if (fault is not null)
        {
            pending.Completion.TrySetException(new IOException($"Reading {_name} failed.", fault));
        }
        else
        {
            pending.Completion.TrySetResult(0);
        }
    }

    private sealed class PendingRead(Memory<byte> buffer)
    {
        public Memory<byte> Buffer { get; } = buffer;

        // Continuations run on the thread that completes the read: the reader thread, without a hop to the thread pool.
        public TaskCompletionSource<int> Completion { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }
}
