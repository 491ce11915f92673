using System.Buffers;
using System.IO.Ports;
using City.Protocols.Serial;

namespace City.Protocols.MBus;

/// <summary>Settings of a serial M-Bus line (a level converter on a serial port): 2400 baud 8E1 by default.</summary>
public sealed record MBusSerialSettings(string PortName)
{
    public int BaudRate { get; init; } = 2400;

    public Parity Parity { get; init; } = Parity.Even;

    public int DataBits { get; init; } = 8;

    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Margin on top of the 330 bit times of the answer window.</summary>
    public TimeSpan AnswerMargin { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Termios or System.IO.Ports; <see cref="SerialTransportKind.Auto"/> picks (see <see cref="SerialConnection.Resolve"/>).</summary>
    public SerialTransportKind Transport { get; init; } = SerialTransportKind.Auto;

    public MBusTiming Timing => new(BaudRate) { AnswerMargin = AnswerMargin };
}

/// <summary>
/// Moves M-Bus frames over a serial port or any byte stream: drops stale input, sends the frame, then waits for the first
/// byte of an answer until the request's wire time plus the answer window has passed, and reads until
/// <see cref="MBusFraming.TryRead"/> has a whole frame, the bytes cannot be one (read on until the line falls silent,
/// then <see cref="MBusReplyKind.Garbled"/>), or the line stays silent too long inside an answer. Knows nothing about
/// what the frames mean.
/// </summary>
public sealed class MBusSerialTransport : IMBusLine, IDisposable
{
    private readonly Stream _stream;
    private readonly IDisposable _owned;
    private readonly Action? _discardInput;
    private readonly TimeProvider _time;
    private readonly byte[] _buffer = new byte[MBusFraming.MaxFrameLength * 2];

    public MBusSerialTransport(Stream stream, MBusTiming timing, TimeProvider? time = null, Action? discardInput = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _owned = stream;
        Timing = timing;
        _time = time ?? TimeProvider.System;
        _discardInput = discardInput;
        Name = name ?? "stream";
    }

    private MBusSerialTransport(SerialConnection port, MBusTiming timing, TimeProvider? time)
        : this(port.Stream, timing, time, port.DiscardInput, port.Name)
    {
        _owned = port;
    }

    public string Name { get; }

    public MBusTiming Timing { get; }

    /// <summary>Opens a serial port (no handshake) with the given settings.</summary>
    public static MBusSerialTransport Open(MBusSerialSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SerialConnection port = SerialConnection.Open(new SerialLineSettings(settings.PortName)
        {
            BaudRate = settings.BaudRate, Parity = settings.Parity, DataBits = settings.DataBits, StopBits = settings.StopBits, Transport = settings.Transport,
        });
        try
        {
            return new MBusSerialTransport(port, settings.Timing, time);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public async Task SendAsync(MBusFrame request, CancellationToken cancellationToken)
    {
        byte[] bytes = MBusFraming.Encode(request);
        _discardInput?.Invoke();
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Timing.TransmissionTime(bytes.Length), _time, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MBusReply> ExchangeAsync(MBusFrame request, CancellationToken cancellationToken)
    {
        byte[] bytes = MBusFraming.Encode(request);
        _discardInput?.Invoke();
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The write returns before the UART has shifted the request out: the answer window starts when it is on the wire.
        TimeSpan firstByteWait = Timing.TransmissionTime(bytes.Length) + Timing.AnswerWindow;
        int received = 0;
        MBusFrameError error = MBusFrameError.None;
        while (true)
        {
            int count = await ReadAsync(_buffer.AsMemory(received), received == 0 ? firstByteWait : Timing.InterCharacterTimeout, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                return received == 0
                    ? MBusReply.Silent
                    : new MBusReply(MBusReplyKind.Garbled, default, _buffer.AsSpan(0, received).ToArray(), error == MBusFrameError.None ? MBusFrameError.BadLength : error);
            }

            received += count;
            if (error != MBusFrameError.None)
            {
                // Already garbled: read on until the colliding slaves stop, so their tail does not spoil the next exchange.
                if (received >= _buffer.Length - 1)
                {
                    received = 0;
                }

                continue;
            }

            var status = MBusFraming.TryRead(_buffer.AsSpan(0, received), out MBusFrame frame, out _, out error);
            if (status == OperationStatus.Done)
            {
                return new MBusReply(MBusReplyKind.Frame, frame, _buffer.AsSpan(0, received).ToArray());
            }

            if (status == OperationStatus.NeedMoreData && received == _buffer.Length)
            {
                error = MBusFrameError.BadLength;
            }
        }
    }

    public void Dispose() => _owned.Dispose();

    /// <summary>Bytes read within <paramref name="wait"/>; 0 when the line stayed silent that long.</summary>
    private async Task<int> ReadAsync(Memory<byte> destination, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            int count = await _stream.ReadAsync(destination, linked.Token).ConfigureAwait(false);
            if (count == 0)
            {
                throw new IOException($"{Name} was closed.");
            }

            return count;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }
}
