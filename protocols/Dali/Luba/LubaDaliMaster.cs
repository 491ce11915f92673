using System.IO.Ports;
using System.Threading.Channels;

namespace City.Protocols.Dali.Luba;

/// <summary>Timing and line selection for <see cref="LubaDaliMaster"/>.</summary>
public sealed record LubaMasterOptions
{
    /// <summary>DALI line number on the interface (the RS232 interface has one line, 0).</summary>
    public byte Line { get; init; }

    /// <summary>How long the interface may take to accept a frame and to report it sent (the bus may be busy).</summary>
    public TimeSpan InterfaceTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long to wait for a backward frame after the interface reports the forward frame sent. On the wire the answer
    /// ends at most 10.5 + 7.5 = 18 ms after the forward frame; the rest is serial latency.
    /// </summary>
    public TimeSpan AnswerWindow { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Messages read from the interface and not yet consumed; older ones are dropped when full.</summary>
    public int InboundCapacity { get; init; } = 256;
}

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
/// The host side of Lunatone's LUBA protocol as an <see cref="IDaliMaster"/>: sends ADD DALI FRAME TO TX BUFFER, waits for
/// the interface to accept it and to report it sent (twice for send-twice), then for a backward frame within the answer
/// window. A reader task turns the byte stream into messages; one transaction at a time.
/// </summary>
public sealed class LubaDaliMaster : IDaliMaster, IAsyncDisposable
{
    public const int BaudRate = 38400;

    private readonly Stream _stream;
    private readonly IDisposable _owned;
    private readonly TimeProvider _time;
    private readonly Channel<LubaInbound> _inbound;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reader;
    private readonly Func<int>? _unreadInput;
    private long _badFrames;
    private long _droppedMessages;
    private int _partialFrameBytes;
    private long _answerWindowExtensions;

    public LubaDaliMaster(Stream stream, LubaMasterOptions? options = null, TimeProvider? timeProvider = null, string? name = null)
        : this(stream, stream, null, options, timeProvider, name)
    {
    }

    private LubaDaliMaster(Stream stream, IDisposable owned, Func<int>? unreadInput, LubaMasterOptions? options, TimeProvider? timeProvider, string? name)
    {
        _unreadInput = unreadInput;
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _owned = owned;
        Options = options ?? new LubaMasterOptions();
        _time = timeProvider ?? TimeProvider.System;
        Name = name ?? "stream";
        _inbound = Channel.CreateBounded<LubaInbound>(
            new BoundedChannelOptions(Options.InboundCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => Interlocked.Increment(ref _droppedMessages));
        _reader = Task.Run(ReadLoopAsync);
    }

    public LubaMasterOptions Options { get; }

    public string Name { get; }

    /// <summary>Byte runs that were not valid LUBA frames (bad start, length or checksum).</summary>
    public long BadFrames => Interlocked.Read(ref _badFrames);

    /// <summary>Answer windows extended because bytes had arrived but were not parsed yet.</summary>
    public long AnswerWindowExtensions => Interlocked.Read(ref _answerWindowExtensions);

    /// <summary>Messages dropped because nobody consumed them in time.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>Opens a serial port at 38400 baud 8N1, no handshake, as the RS232 interface expects.</summary>
    public static LubaDaliMaster Open(string portName, LubaMasterOptions? options = null, TimeProvider? timeProvider = null)
    {
        var port = new SerialPort(portName, BaudRate, Parity.None, 8, StopBits.One) { Handshake = Handshake.None };
        try
        {
            port.Open();
            port.DiscardInBuffer();
            return new LubaDaliMaster(port.BaseStream, port, () => port.BytesToRead, options, timeProvider, portName);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public async ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        // default(DaliTransmit) carries priority 0: send it as the lowest priority.
        var priority = transmit.Priority is >= DaliPriority.P1 and <= DaliPriority.P5 ? transmit.Priority : DaliPriority.P5;
        var request = new LubaTransmitRequest(Options.Line, frame, priority, transmit.SendTwice);
        var buffer = new byte[LubaFraming.MaxFrameLength];
        if (!request.TryWrite(buffer, out int length, out var error))
        {
            throw new ArgumentException($"Frame {frame} cannot be sent through LUBA: {error}.", nameof(frame));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DrainStale();
            await WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);

            byte frameId = 0;
            var accepted = await WaitForAsync(
                Options.InterfaceTimeout,
                m => m switch
                {
                    LubaInbound.TransmitResponse r => r.Response.Accepted
                        ? Done(DaliBusResult.Sent, () => frameId = r.Response.FrameId)
                        : r.Response.ErrorCode == LubaTransmitResponse.ErrorBusPowerFailure
                            ? DaliBusResult.BusPowerFailure
                            : new DaliBusResult(DaliBusOutcome.InterfaceRejected, r.Response.ErrorCode),
                    LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                    _ => null,
                },
                cancellationToken).ConfigureAwait(false);
            if (accepted.Outcome != DaliBusOutcome.Sent)
            {
                return accepted;
            }

            for (int copies = transmit.SendTwice ? 2 : 1; copies > 0; copies--)
            {
                var sent = await WaitForAsync(
                    Options.InterfaceTimeout,
                    m => m switch
                    {
                        LubaInbound.Event { Message: { Type: LubaEventType.FrameSent } e } when e.FrameId == frameId || e.Data == frame.Data => DaliBusResult.Sent,
                        LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                        _ => null,
                    },
                    cancellationToken).ConfigureAwait(false);
                if (sent.Outcome != DaliBusOutcome.Sent)
                {
                    return sent;
                }
            }

            if (!transmit.ExpectAnswer)
            {
                return DaliBusResult.Sent;
            }

            // Bytes received but not yet parsed may hold the answer (a starved reader): they get up to three more windows.
            DaliBusResult answer;
            int extensions = 0;
            do
            {
                answer = await WaitForAsync(
                    Options.AnswerWindow,
                    m => m switch
                    {
                        LubaInbound.Event { Message: { IsBackwardFrame: true } e } => DaliBusResult.Answer(e.BackwardValue),
                        LubaInbound.Event { Message: { IsFramingError: true } } => DaliBusResult.FramingError,
                        LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                        _ => null,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            while (answer.Outcome == DaliBusOutcome.InterfaceTimeout && HasUnreadInput() && ++extensions <= MaxAnswerWindowExtensions
                && Interlocked.Increment(ref _answerWindowExtensions) > 0);

            return answer.Outcome == DaliBusOutcome.InterfaceTimeout ? DaliBusResult.NoAnswer : answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Asks the interface for its device information (set 0); null when it does not answer in time.</summary>
    public async Task<LubaDeviceInfo?> QueryDeviceInfoAsync(CancellationToken cancellationToken = default)
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        new LubaDeviceInfoQuery(0).TryWrite(buffer, out int length, out _);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DrainStale();
            await WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            LubaDeviceInfo? info = null;
            await WaitForAsync(
                Options.InterfaceTimeout,
                m => m is LubaInbound.DeviceInfo d ? Done(DaliBusResult.Sent, () => info = d.Info) : null,
                cancellationToken).ConfigureAwait(false);
            return info;
        }
        finally
        {
            _gate.Release();
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
            // The reader ends with the stream it reads; its fault was already handed to any waiting sender.
        }

        _stopping.Dispose();
        _gate.Dispose();
    }

    private const int MaxAnswerWindowExtensions = 3;

    private bool HasUnreadInput()
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

    private static DaliBusResult Done(DaliBusResult result, Action capture)
    {
        capture();
        return result;
    }

    private void DrainStale()
    {
        if (_reader.IsCompleted)
        {
            throw new IOException($"The LUBA interface on {Name} is gone: the reader stopped.", _reader.Exception?.InnerException);
        }

        while (_inbound.Reader.TryRead(out _))
        {
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads messages until <paramref name="match"/> returns a result; InterfaceTimeout when the time runs out.</summary>
    private async Task<DaliBusResult> WaitForAsync(TimeSpan timeout, Func<LubaInbound, DaliBusResult?> match, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            while (true)
            {
                LubaInbound message;
                try
                {
                    message = await _inbound.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (ChannelClosedException ex)
                {
                    throw new IOException($"The LUBA interface on {Name} is gone: {ex.InnerException?.Message ?? "the stream ended"}.", ex.InnerException ?? ex);
                }

                if (match(message) is { } result)
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DaliBusResult.InterfaceTimeout;
        }
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
