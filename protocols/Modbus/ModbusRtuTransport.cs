using System.Buffers;
using City.Protocols.Serial;

namespace City.Protocols.Modbus;

/// <summary>
/// Moves RTU ADUs over a serial line (<see cref="SerialConnection"/>: termios or System.IO.Ports) or any byte stream: waits for t3.5 of silence since the
/// line was last busy, discards stale input, sends the request, then reads until <see cref="ModbusRtuFraming.TryReadResponse(ReadOnlySpan{byte}, byte, byte, out ReadOnlySpan{byte}, out int, out ModbusRtuFrameError)"/>
/// has a whole frame or the timeout expires. Knows nothing about function semantics. Not thread-safe: one caller at a time
/// (<see cref="ModbusRtuMaster"/> serializes access).
/// </summary>
public sealed class ModbusRtuTransport : IModbusRtuLine, IDisposable
{
    private readonly Stream _stream;
    private readonly IDisposable? _owned;
    private readonly Action? _discardInput;
    private readonly TimeProvider _timeProvider;
    private long _quietFrom;
    private bool _lineUsed;

    /// <summary>
    /// Wraps an open byte stream (for tests or a TCP-to-serial converter). <paramref name="discardInput"/>, when given, drops
    /// bytes already received before each request. The stream is disposed with the transport.
    /// </summary>
    public ModbusRtuTransport(Stream stream, ModbusRtuTiming timing, TimeProvider? timeProvider = null, Action? discardInput = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _owned = stream;
        Timing = timing;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _discardInput = discardInput;
        Name = name ?? "stream";
    }

    private ModbusRtuTransport(SerialConnection port, ModbusRtuTiming timing, TimeProvider? timeProvider)
        : this(port.Stream, timing, timeProvider, port.DiscardInput, port.Name)
    {
        _owned = port;
        SerialTransport = port.Kind;
    }

    /// <summary>The serial implementation in use when opened with <see cref="Open"/>; null for a stream.</summary>
    public SerialTransportKind? SerialTransport { get; }

    /// <summary>Port name or the name given for a stream; used in error messages.</summary>
    public string Name { get; }

    public ModbusRtuTiming Timing { get; }

    /// <summary>Opens a serial port (no handshake) with the given settings, through the transport they name (<see cref="ModbusRtuSerialSettings.Transport"/>).</summary>
    public static ModbusRtuTransport Open(ModbusRtuSerialSettings settings, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SerialConnection port = SerialConnection.Open(settings.Line);
        try
        {
            return new ModbusRtuTransport(port, settings.Timing, timeProvider);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<int> ExchangeAsync(
        ReadOnlyMemory<byte> request, Memory<byte> response, byte unit, byte function, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ValidateRequest(request);
        if (response.Length < ModbusRtuFraming.MaxAduLength)
        {
            throw new ArgumentException($"The response buffer must hold {ModbusRtuFraming.MaxAduLength} bytes.", nameof(response));
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        int received = 0;
        try
        {
            await SendCoreAsync(request, linked.Token).ConfigureAwait(false);
            while (true)
            {
                int count = await _stream.ReadAsync(response[received..], linked.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    throw new IOException($"{Name} was closed while waiting for unit {unit}.");
                }

                received += count;
                MarkBusy(TimeSpan.Zero);
                OperationStatus status = ModbusRtuFraming.TryReadResponse(
                    response.Span[..received], unit, function, out _, out int consumed, out ModbusRtuFrameError error);
                switch (status)
                {
                    case OperationStatus.Done:
                        return consumed;
                    case OperationStatus.InvalidData:
                        throw new ModbusProtocolException(Describe(error, unit, function, response.Span[..received]));
                }

                if (received == response.Length)
                {
                    throw new ModbusProtocolException(Describe(ModbusRtuFrameError.TooLong, unit, function, response.Span[..received]));
                }
            }
        }
        catch (OperationCanceledException ex) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            string partial = received == 0 ? "" : $" (a partial response of {received} bytes arrived: {Hex(response.Span[..received])})";
            throw new ModbusTimeoutException($"Unit {unit} did not answer function {function:X2} on {Name} within {timeout}{partial}.", ex);
        }
    }

    /// <inheritdoc />
    public Task SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        ValidateRequest(request);
        return SendCoreAsync(request, cancellationToken);
    }

    public void Dispose() => _owned?.Dispose();

    private static void ValidateRequest(ReadOnlyMemory<byte> request)
    {
        if (request.Length is < ModbusRtuFraming.MinAduLength or > ModbusRtuFraming.MaxAduLength)
        {
            throw new ArgumentException(
                $"An RTU ADU is {ModbusRtuFraming.MinAduLength}..{ModbusRtuFraming.MaxAduLength} bytes; got {request.Length}.", nameof(request));
        }
    }

    private async Task SendCoreAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        if (_lineUsed)
        {
            // Inter-frame gap: t3.5 of silence after the last byte we sent or received.
            TimeSpan silence = _timeProvider.GetElapsedTime(_quietFrom);
            TimeSpan wait = Timing.T35 - silence;
            await PreciseDelay.WaitAsync(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        _discardInput?.Invoke();
        await _stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The write may return before the UART has shifted the bytes out: count the line busy until they are on the wire.
        MarkBusy(Timing.TransmissionTime(request.Length));
    }

    private void MarkBusy(TimeSpan stillBusyFor)
    {
        long now = _timeProvider.GetTimestamp();
        long until = now + (long)(stillBusyFor.TotalSeconds * _timeProvider.TimestampFrequency);
        _quietFrom = _lineUsed ? Math.Max(_quietFrom, until) : until;
        _lineUsed = true;
    }

    private string Describe(ModbusRtuFrameError error, byte unit, byte function, ReadOnlySpan<byte> received)
    {
        string what = error switch
        {
            ModbusRtuFrameError.BadCrc => "failed the CRC check (CRC error)",
            ModbusRtuFrameError.UnexpectedUnit => $"came from unit {received[0]}",
            ModbusRtuFrameError.UnexpectedFunction => $"carries function {received[1]:X2}",
            ModbusRtuFrameError.TooLong => $"is longer than the {ModbusRtuFraming.MaxAduLength}-byte RTU limit",
            _ => $"cannot be framed ({error})",
        };
        return $"Response to unit {unit}, function {function:X2} on {Name} {what}: {Hex(received)} [{error}]";
    }

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= 32 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes[..32]) + "...";
}
