using System.IO.Ports;

namespace City.Protocols.Modbus;

/// <summary>
/// Character and frame timing of an RTU line (Modbus over Serial Line V1.02, 2.5.1.1): frames are separated by at least
/// t3.5 (3.5 character times) of silence and a frame has no gap longer than t1.5 inside it. Above 19200 baud the spec fixes
/// t1.5 at 750 µs and t3.5 at 1750 µs.
/// </summary>
public readonly record struct ModbusRtuTiming
{
    private const int FixedTimingAboveBaud = 19200;

    /// <param name="baudRate">Bits per second, positive.</param>
    /// <param name="bitsPerCharacter">Start bit, data bits, parity bit and stop bits: 11 for 8E1, 8O1 and 8N2; 10 for 8N1.</param>
    public ModbusRtuTiming(int baudRate, double bitsPerCharacter = 11)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baudRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerCharacter, 7.0);
        BaudRate = baudRate;
        BitsPerCharacter = bitsPerCharacter;
    }

    public int BaudRate { get; }

    public double BitsPerCharacter { get; }

    /// <summary>Time one character takes on the wire.</summary>
    public TimeSpan CharacterTime => Seconds(BitsPerCharacter / BaudRate);

    /// <summary>Longest silence allowed inside a frame.</summary>
    public TimeSpan T15 => BaudRate > FixedTimingAboveBaud ? TimeSpan.FromMicroseconds(750) : Seconds(1.5 * BitsPerCharacter / BaudRate);

    /// <summary>Shortest silence between frames.</summary>
    public TimeSpan T35 => BaudRate > FixedTimingAboveBaud ? TimeSpan.FromMicroseconds(1750) : Seconds(3.5 * BitsPerCharacter / BaudRate);

    /// <summary>Timing for a character format: one start bit, the data bits, a parity bit unless <see cref="Parity.None"/>, the stop bits.</summary>
    public static ModbusRtuTiming For(int baudRate, int dataBits = 8, Parity parity = Parity.Even, StopBits stopBits = StopBits.One) =>
        new(baudRate, BitsFor(dataBits, parity, stopBits));

    /// <summary>Bits per character for a format: 8E1 and 8N2 give 11, 8N1 gives 10.</summary>
    public static double BitsFor(int dataBits, Parity parity, StopBits stopBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataBits, 5);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataBits, 8);
        double stop = stopBits switch
        {
            StopBits.One => 1,
            StopBits.OnePointFive => 1.5,
            StopBits.Two => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(stopBits), stopBits, "Stop bits must be One, OnePointFive or Two."),
        };
        return 1 + dataBits + (parity == Parity.None ? 0 : 1) + stop;
    }

    /// <summary>Time on the wire for <paramref name="characters"/> characters sent back to back.</summary>
    public TimeSpan TransmissionTime(int characters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(characters);
        return Seconds(characters * BitsPerCharacter / BaudRate);
    }

    /// <summary>
    /// Wire time of one request/response exchange: both frames plus the t3.5 gap after each, device turnaround excluded.
    /// Reading 125 registers (8-byte request, 255-byte response) at 19200 baud, 11 bits: about 155 ms.
    /// </summary>
    public TimeSpan WireTime(int requestBytes, int responseBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requestBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(responseBytes);
        return TransmissionTime(requestBytes + responseBytes) + T35 + T35;
    }

    private static TimeSpan Seconds(double seconds) => TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
}
