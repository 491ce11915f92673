using System.IO.Ports;
using City.Protocols.Serial;
using System.Threading.Channels;

namespace City.Protocols.Dali.Luba;

/// <summary>A message read from the interface.</summary>
public abstract record LubaInbound
{
    public sealed record TransmitResponse(LubaTransmitResponse Response) : LubaInbound;

    public sealed record Event(LubaEvent Message) : LubaInbound;

    public sealed record DeviceInfo(LubaDeviceInfo Info) : LubaInbound;

    public sealed record Settings(LubaSettings Values) : LubaInbound;

    public sealed record Other(byte Command, int PayloadLength) : LubaInbound;
}

/// <summary>
/// Moves LUBA frames over a serial port (<see cref="Open"/>: 38400 baud 8N1, no handshake, as Lunatone's RS232 interface
/// expects) or any byte stream. A reader task turns received bytes into <see cref="LubaInbound"/> messages in a bounded
/// channel (the oldest are dropped, and counted, when nobody reads them); bytes that are not frames are skipped and counted.
/// Knows nothing about DALI transactions.
/// </summary>
public sealed class LubaTransport : IAsyncDisposable
{
    public const int BaudRate = 38400;

    private readonly Stream _stream;
    private readonly IDisposable _owned;
    private readonly Func<int>? _unreadInput;
    private readonly Channel<LubaInbound> _inbound;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reader;
    private long _badFrames;
    private long _droppedMessages;
    private int _partialFrameBytes;

    /// <summary>Wraps an open byte stream; it is disposed with the transport.</summary>
    public LubaTransport(Stream stream, string? name = null, int inboundCapacity = 256)
        : this(stream, stream, null, name, inboundCapacity)
    {
    }

    private LubaTransport(Stream stream, IDisposable owned, Func<int>? unreadInput, string? name, int inboundCapacity)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(inboundCapacity, 1);
        _stream = stream;
        _owned = owned;
        _unreadInput = unreadInput;
        Name = name ?? "stream";
        _inbound = Channel.CreateBounded<LubaInbound>(
            new BoundedChannelOptions(inboundCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => Interlocked.Increment(ref _droppedMessages));
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Port name or the name given for a stream; used in messages.</summary>
    public string Name { get; }

    /// <summary>Messages from the interface, in arrival order. Completes (with the fault) when the stream ends or fails.</summary>
    public ChannelReader<LubaInbound> Inbound => _inbound.Reader;

    /// <summary>Byte runs that were not valid LUBA frames (bad start, length or checksum) or not known messages.</summary>
    public long BadFrames => Interlocked.Read(ref _badFrames);

    /// <summary>Messages dropped because nobody consumed them in time.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    public static LubaTransport Open(string portName, int inboundCapacity = 256)
    {
        SerialConnection port = SerialConnection.Open(new SerialLineSettings(portName) { BaudRate = BaudRate, Parity = Parity.None, DataBits = 8, StopBits = StopBits.One });
        try
        {
            return new LubaTransport(port.Stream, port, () => port.BytesToRead, portName, inboundCapacity);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops messages nobody waited for. Throws <see cref="IOException"/> when the reader has stopped.</summary>
    public void DiscardPending()
    {
        if (_reader.IsCompleted)
        {
            throw new IOException($"The LUBA interface on {Name} is gone: the reader stopped.", _reader.Exception?.InnerException);
        }

        while (_inbound.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Whether bytes have arrived that are not parsed into messages yet (in the reader or the serial driver).</summary>
    public bool HasUnreadInput()
    {
        if (Volatile.Read(ref _partialFrameBytes) > 0)
        {
            return true;
        }

        try
        {
            return _unreadInput?.Invoke() > 0;
        }
        catch (InvalidOperationException)
        {
            // The port closed meanwhile: the reader reports that.
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _owned.Dispose();
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The reader ends with the stream it reads; its fault went to the channel.
        }

        _stopping.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4096];
        int filled = 0;
        Exception? fault = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    // Only garbage can fill the buffer (a frame is at most 27 bytes): keep the tail.
                    Interlocked.Increment(ref _badFrames);
                    buffer.AsSpan(filled - LubaFraming.MaxFrameLength, LubaFraming.MaxFrameLength).CopyTo(buffer);
                    filled = LubaFraming.MaxFrameLength;
                }

                int read = await _stream.ReadAsync(buffer.AsMemory(filled), _stopping.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    fault = new IOException($"{Name} was closed.");
                    break;
                }

                filled += read;
                Volatile.Write(ref _partialFrameBytes, filled); // counted as unread until parsed
                int offset = ParseFrames(buffer.AsSpan(0, filled));
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
                Volatile.Write(ref _partialFrameBytes, filled);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            fault = ex;
        }

        _inbound.Writer.TryComplete(fault);
    }

    private int ParseFrames(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (true)
        {
            var status = LubaFraming.TryRead(bytes[offset..], out var frame, out int consumed, out _);
            if (status == LubaReadStatus.NeedMoreData)
            {
                return offset;
            }

            offset += consumed;
            if (status == LubaReadStatus.Invalid)
            {
                Interlocked.Increment(ref _badFrames);
                continue;
            }

            LubaInbound? message = frame.Command switch
            {
                LubaCommand.AddDaliFrameResponse when LubaTransmitResponse.TryRead(frame, out var r, out _) => new LubaInbound.TransmitResponse(r),
                LubaCommand.Event when LubaEvent.TryRead(frame, out var e, out _) => new LubaInbound.Event(e),
                LubaCommand.DeviceInfo when LubaDeviceInfo.TryRead(frame, out var i, out _) => new LubaInbound.DeviceInfo(i),
                LubaCommand.Settings when LubaSettings.TryRead(frame, LubaCommand.Settings, out var s, out _) => new LubaInbound.Settings(s),
                _ => null,
            };
            if (message is null)
            {
                Interlocked.Increment(ref _badFrames);
                message = new LubaInbound.Other(frame.Command, frame.Payload.Length);
            }

            _inbound.Writer.TryWrite(message);
        }
    }
}
