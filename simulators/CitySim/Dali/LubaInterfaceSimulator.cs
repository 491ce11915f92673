using City.Protocols.Dali;
using City.Protocols.Dali.Luba;
using City.Sim.Common;

namespace City.Sim.Dali;

/// <summary>
/// The interface side of Lunatone's LUBA protocol in front of a <see cref="DaliSimLine"/>: accepts ADD DALI FRAME TO TX
/// BUFFER (replying with a frame id), puts the frame on the line (twice for send-twice), reports each copy sent and then the
/// backward frame (or a framing error when gear collide); refuses frames while the line has no power; answers QUERY DEVICE
/// INFO and READ/WRITE SETTINGS. With wire timing, each report waits for the bus time the frame would take (settling time
/// by priority, frame duration, settling before the answer, answer duration), counted from the end of the last bus activity.
/// </summary>
internal sealed class LubaInterfaceSimulator
{
    private readonly Stream _stream;
    private readonly DaliSimLine _line;
    private readonly TimeProvider _time;
    private readonly bool _wireTiming;
    private readonly long _epoch;
    private readonly Lock _counters = new();
    private long _busFreeAt;
    private byte _nextFrameId = 1;
    private LubaSettings _settings = new(0, LubaSettings.DefaultEventFilter);
    private TimeSpan _busTime;

    public LubaInterfaceSimulator(Stream stream, DaliSimLine line, TimeProvider time, bool wireTiming)
    {
        _stream = stream;
        _line = line;
        _time = time;
        _wireTiming = wireTiming;
        _epoch = time.GetTimestamp();
        _busFreeAt = _epoch;
    }

    /// <summary>Sum of the wire time of every frame carried (settling included), whether or not wire timing delays replies.</summary>
    public TimeSpan BusTime
    {
        get
        {
            lock (_counters)
            {
                return _busTime;
            }
        }
    }

    public long Transactions { get; private set; }

    public long BadFrames { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) =>
        SerialFrameLoop.RunAsync<Request>(_stream, ReadFrame, HandleAsync, () => BadFrames++, cancellationToken);

    private SerialFrameStatus ReadFrame(ReadOnlySpan<byte> buffered, out Request request, out int consumed)
    {
        request = null!;
        switch (LubaFraming.TryRead(buffered, out var frame, out consumed, out _))
        {
            case LubaReadStatus.NeedMoreData:
                return SerialFrameStatus.NeedMoreData;
            case LubaReadStatus.Invalid:
                return SerialFrameStatus.Invalid;
            default:
                request = Decode(frame);
                return SerialFrameStatus.Frame;
        }
    }

    private abstract record Request;

    private sealed record Transmit(LubaTransmitRequest Frame) : Request;

    private sealed record InvalidTransmit : Request;

    private sealed record DeviceInfo : Request;

    private sealed record WriteSettings(LubaSettings Values) : Request;

    private sealed record Unknown(byte Command) : Request;

    private Request Decode(LubaFrame frame) => frame.Command switch
    {
        LubaCommand.AddDaliFrame => LubaTransmitRequest.TryRead(frame, out var t, out _) ? new Transmit(t) : new InvalidTransmit(),
        LubaCommand.QueryDeviceInfo => new DeviceInfo(),
        LubaCommand.ReadWriteSettings when LubaSettings.TryRead(frame, LubaCommand.ReadWriteSettings, out var s, out _) => new WriteSettings(s),
        _ => new Unknown(frame.Command),
    };

    private async Task HandleAsync(Request request, CancellationToken cancellationToken)
    {
        switch (request)
        {
            case Transmit transmit:
                await TransmitAsync(transmit.Frame, cancellationToken).ConfigureAwait(false);
                break;
            case InvalidTransmit:
                BadFrames++;
                await WriteAsync((Span<byte> b, out int n) => LubaTransmitResponse.Reject(LubaTransmitResponse.ErrorInvalidRequest).TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
                break;
            case DeviceInfo:
                var info = new LubaDeviceInfo(0, 0x5349_4D44_414C_4901, 1, 1, LubaDeviceInfo.Rs232ArticleNumber);
                await WriteAsync((Span<byte> b, out int n) => info.TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
                break;
            case WriteSettings settings:
                _settings = settings.Values;
                var current = _settings;
                await WriteAsync((Span<byte> b, out int n) => current.TryWrite(LubaCommand.Settings, b, out n, out _), cancellationToken).ConfigureAwait(false);
                break;
            default:
                BadFrames++;
                break;
        }
    }

    private async Task TransmitAsync(LubaTransmitRequest request, CancellationToken cancellationToken)
    {
        if (!_line.Powered)
        {
            await WriteAsync((Span<byte> b, out int n) => LubaTransmitResponse.Reject(LubaTransmitResponse.ErrorBusPowerFailure).TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
            return;
        }

        byte id = _nextFrameId;
        _nextFrameId = _nextFrameId == 255 ? (byte)1 : (byte)(_nextFrameId + 1);
        await WriteAsync((Span<byte> b, out int n) => LubaTransmitResponse.Accept(id).TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
        Transactions++;

        var answer = new DaliLineAnswer(DaliLineAnswerKind.None);
        for (int copy = 0; copy < (request.SendTwice ? 2 : 1); copy++)
        {
            var settle = DaliWireTiming.SettlingBefore(copy == 0 ? request.Priority : DaliPriority.P1);
            await OccupyBusAsync(settle, DaliWireTiming.ForwardFrame(request.Frame), cancellationToken).ConfigureAwait(false);
            answer = _line.Transmit(request.Frame);
            if (answer.Kind == DaliLineAnswerKind.NoPower)
            {
                await WriteAsync((Span<byte> b, out int n) => LubaEvent.BusPower(Tick(), request.Line, powered: false).TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
                return;
            }

            await WriteAsync((Span<byte> b, out int n) => LubaEvent.Sent(Tick(), request.Line, id, request.Frame).TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
        }

        if (answer.Kind is DaliLineAnswerKind.Value or DaliLineAnswerKind.Collision)
        {
            await OccupyBusAsync(DaliWireTiming.ForwardToBackward, DaliWireTiming.BackwardFrame, cancellationToken).ConfigureAwait(false);
            var message = answer.Kind == DaliLineAnswerKind.Value
                ? LubaEvent.Backward(Tick(), request.Line, answer.Value)
                : LubaEvent.FramingError(Tick(), request.Line);
            await WriteAsync((Span<byte> b, out int n) => message.TryWrite(b, out n, out _), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the bus time and, with wire timing, waits until the settling time after the last activity plus the frame have passed.</summary>
    private async Task OccupyBusAsync(TimeSpan settle, TimeSpan frame, CancellationToken cancellationToken)
    {
        lock (_counters)
        {
            _busTime += settle + frame;
        }

        if (!_wireTiming)
        {
            return;
        }

        long now = _time.GetTimestamp();
        long start = Math.Max(now, _busFreeAt + ToTimestamp(settle));
        long end = start + ToTimestamp(frame);
        _busFreeAt = end;
        var wait = TimeSpan.FromSeconds((double)(end - now) / _time.TimestampFrequency);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private ushort Tick() => (ushort)(long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    private delegate bool Writer(Span<byte> buffer, out int written);

    private async Task WriteAsync(Writer write, CancellationToken cancellationToken)
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        if (!write(buffer, out int written))
        {
            throw new InvalidOperationException("A LUBA reply did not fit its buffer.");
        }

        await _stream.WriteAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
