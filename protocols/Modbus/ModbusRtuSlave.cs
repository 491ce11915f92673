using System.Buffers;
using City.Protocols.Serial;

namespace City.Protocols.Modbus;

/// <summary>
/// Modbus RTU slave (Modbus over Serial Line V1.02): serves an <see cref="IModbusRegisterMap"/> for one or more unit ids on a
/// serial port or any <see cref="Stream"/>. Frames requests with <see cref="ModbusRtuFraming.TryReadRequest(ReadOnlySpan{byte}, out byte, out ReadOnlySpan{byte}, out int, out ModbusRtuFrameError)"/>;
/// a silence of t3.5 ends a partial frame (discarded); a frame that cannot be read (bad CRC, unknown function) is dropped
/// silently, as the spec says, with the bytes that follow until the line is silent for t3.5. Requests for other units are
/// read and ignored. Unit 0 (broadcast): write requests (05, 06, 15, 16, 22) are executed for every served unit, never answered.
/// Requests are executed by <see cref="ModbusRequestDispatcher"/>, one at a time.
/// </summary>
public sealed class ModbusRtuSlave : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly IDisposable? _owned;
    private readonly IModbusRegisterMap _map;
    private readonly ModbusRtuSlaveOptions _options;
    private readonly HashSet<byte> _units;
    private readonly ModbusFaultInjector _faults;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _run;
    private long _requests;
    private long _responses;
    private long _badCrc;
    private long _discarded;
    private long _otherUnits;
    private long _broadcasts;

    /// <summary>Serves <paramref name="map"/> on <paramref name="stream"/>; with <paramref name="ownsStream"/> the stream is disposed with the slave.</summary>
    public ModbusRtuSlave(Stream stream, IModbusRegisterMap map, ModbusRtuSlaveOptions? options = null, bool ownsStream = false)
        : this(stream, map, options, ownsStream ? stream : null, null)
    {
    }

    private ModbusRtuSlave(Stream stream, IModbusRegisterMap map, ModbusRtuSlaveOptions? options, IDisposable? owned, ModbusRtuTiming? lineTiming)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(map);
        _options = options ?? new ModbusRtuSlaveOptions();
        _faults = new ModbusFaultInjector(_options.Faults, nameof(options));
        _units = [.. _options.UnitIds];
        if (_units.Count == 0 || _units.Any(u => u is ModbusRtuFraming.BroadcastAddress or > ModbusRtuFraming.MaxUnitAddress))
        {
            throw new ArgumentException("Unit ids must be 1..247, at least one.", nameof(options));
        }

        _stream = stream;
        _owned = owned;
        _map = map;
        _time = _options.TimeProvider;
        Timing = _options.Timing ?? lineTiming ?? ModbusRtuTiming.For(19200);
        FrameSilence = _options.FrameSilence ?? Timing.T35;
    }

    /// <summary>Raised (on the serving task) when the register map throws; the request was answered with exception 04.</summary>
    public event EventHandler<Exception>? MapFaulted;

    public ModbusRtuTiming Timing { get; }

    /// <summary>Silence that ends a partial frame.</summary>
    public TimeSpan FrameSilence { get; }

    /// <summary>Valid requests for a served unit or broadcast.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>Answers sent (corrupted ones included).</summary>
    public long ResponseCount => Interlocked.Read(ref _responses);

    /// <summary>Frames dropped because their CRC did not match.</summary>
    public long BadCrcCount => Interlocked.Read(ref _badCrc);

    /// <summary>Partial frames ended by silence and frames that could not be read for another reason (unknown function, malformed PDU).</summary>
    public long DiscardedFrameCount => Interlocked.Read(ref _discarded);

    /// <summary>Valid frames for units this slave does not serve.</summary>
    public long OtherUnitCount => Interlocked.Read(ref _otherUnits);

    /// <summary>Broadcast requests received (executed when they are writes).</summary>
    public long BroadcastCount => Interlocked.Read(ref _broadcasts);

    /// <summary>Requests for a silent unit (fault injection), not executed.</summary>
    public long SilencedCount => _faults.SilencedCount;

    /// <summary>Answers sent with a corrupted CRC (fault injection).</summary>
    public long CorruptedResponseCount => _faults.CorruptedResponseCount;

    /// <summary>Requests answered with exception 06 by fault injection (not executed).</summary>
    public long BusyAnswerCount => _faults.BusyAnswerCount;

    /// <summary>Requests answered with the injected exception code (not executed).</summary>
    public long InjectedExceptionCount => _faults.InjectedExceptionCount;

    /// <summary>Fault injection at run time: the next <paramref name="requests"/> requests are answered with exception 06 (server device busy).</summary>
    public void AnswerBusy(int requests) => _faults.AnswerBusy(requests);

    /// <summary>The serving task once started: completes when stopped, faults when the line fails.</summary>
    public Task Completion => _run ?? Task.CompletedTask;

    /// <summary>Opens a serial port (no handshake) and serves <paramref name="map"/> on it; the port is closed with the slave.</summary>
    public static ModbusRtuSlave Open(ModbusRtuSerialSettings settings, IModbusRegisterMap map, ModbusRtuSlaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SerialConnection port = SerialConnection.Open(settings.Line);
        try
        {
            return new ModbusRtuSlave(port.Stream, map, options, port, settings.Timing);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <summary>Starts serving in the background (see <see cref="Completion"/>). Call once.</summary>
    public void Start()
    {
        if (_run is not null)
        {
            throw new InvalidOperationException("The slave is already started.");
        }

        _run = Task.Run(() => RunAsync(_stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _owned?.Dispose();
        if (_run is not null)
        {
            try
            {
                await _run.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[ModbusRtuFraming.MaxAduLength * 2];
        byte[] chunk = new byte[ModbusRtuFraming.MaxAduLength];
        byte[] responsePdu = new byte[MbapHeader.MaxPduLength];
        byte[] responseAdu = new byte[ModbusRtuFraming.MaxAduLength];
        int filled = 0;
        bool discarding = false;
        Task<int>? pending = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // The read goes to its own buffer: a silence may discard the partial frame while it is pending.
                pending ??= _stream.ReadAsync(chunk, cancellationToken).AsTask();
                if ((filled > 0 || discarding) && !pending.IsCompleted)
                {
                    // Inside a frame (or dropping one): a silence of t3.5 ends it.
                    using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    Task delay = Task.Delay(FrameSilence, _time, silence.Token);
                    Task first = await Task.WhenAny(pending, delay).ConfigureAwait(false);
                    await silence.CancelAsync().ConfigureAwait(false);
                    if (first != pending)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (filled > 0)
                        {
                            Interlocked.Increment(ref _discarded);
                        }

                        filled = 0;
                        discarding = false;
                        continue;
                    }
                }

                int count = await pending.ConfigureAwait(false);
                pending = null;
                if (count == 0)
                {
                    return;
                }

                if (discarding)
                {
                    continue;
                }

                if (filled + count > buffer.Length)
                {
                    Interlocked.Increment(ref _discarded);
                    filled = 0;
                    discarding = true;
                    continue;
                }

                chunk.AsSpan(0, count).CopyTo(buffer.AsSpan(filled));
                filled += count;
                while (filled > 0)
                {
                    OperationStatus status = ModbusRtuFraming.TryReadRequest(
                        buffer.AsSpan(0, filled), out byte unit, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error);
                    if (status == OperationStatus.NeedMoreData)
                    {
                        break;
                    }

                    if (status == OperationStatus.InvalidData)
                    {
                        Interlocked.Increment(ref error == ModbusRtuFrameError.BadCrc ? ref _badCrc : ref _discarded);
                        filled = 0;
                        discarding = true;
                        break;
                    }

                    int requestLength = consumed;
                    int responseLength = Execute(unit, pdu, responsePdu, responseAdu);
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    if (responseLength > 0)
                    {
                        await AnswerAsync(responseAdu.AsMemory(0, responseLength), requestLength, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Executes one valid request; returns the length of the response ADU to send, 0 for none.</summary>
    private int Execute(byte unit, ReadOnlySpan<byte> pdu, byte[] responsePdu, byte[] responseAdu)
    {
        if (unit == ModbusRtuFraming.BroadcastAddress)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Increment(ref _broadcasts);
            if (IsWrite(pdu[0]))
            {
                foreach (byte served in _units)
                {
                    if (!_faults.IsSilent(served))
                    {
                        ModbusRequestDispatcher.Dispatch(served, pdu, _map, responsePdu, out _, OnMapFaulted);
                    }
                }
            }

            return 0;
        }

        if (!_units.Contains(unit))
        {
            Interlocked.Increment(ref _otherUnits);
            return 0;
        }

        Interlocked.Increment(ref _requests);
        ModbusFaultVerdict verdict = _faults.Decide(unit, pdu[0], responsePdu, out int pduLength);
        if (verdict == ModbusFaultVerdict.Silent)
        {
            return 0;
        }

        if ((verdict == ModbusFaultVerdict.Serve
                && ModbusRequestDispatcher.Dispatch(unit, pdu, _map, responsePdu, out pduLength, OnMapFaulted) != ModbusPduStatus.Valid)
            || !ModbusRtuFraming.TryWriteFrame(unit, responsePdu.AsSpan(0, pduLength), responseAdu, out int written))
        {
            Interlocked.Increment(ref _discarded);
            return 0;
        }

        return written;
    }

    private async Task AnswerAsync(ReadOnlyMemory<byte> response, int requestLength, CancellationToken cancellationToken)
    {
        TimeSpan delay = _faults.Faults.ResponseDelay;
        if (_options.WireTiming)
        {
            // On a real line the response's last byte arrives after both frames and the t3.5 between them; the t3.5
            // after the response is the master's own wait before its next request, so it is not added here.
            delay += Timing.TransmissionTime(requestLength + response.Length) + Timing.T35;
        }

        await PreciseDelay.WaitAsync(delay, _time, cancellationToken).ConfigureAwait(false);

        if (_faults.CorruptThisAnswer())
        {
            byte[] corrupted = response.ToArray();
            corrupted[^1] ^= 0xA5;
            response = corrupted;
        }

        await _stream.WriteAsync(response, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _responses);
    }

    private void OnMapFaulted(Exception exception) => MapFaulted?.Invoke(this, exception);

    private static bool IsWrite(byte function) => (ModbusFunctionCode)function is ModbusFunctionCode.WriteSingleCoil
        or ModbusFunctionCode.WriteSingleRegister or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters
        or ModbusFunctionCode.MaskWriteRegister;
}
