using System.IO.Ports;
using City.Protocols.Serial;

namespace City.Protocols.Tic;

/// <summary>
/// The TIC output on a serial port: 7 data bits, even parity, 1 stop bit at the mode's speed (1200 or 9600 baud), read
/// only. Where the parity bit still reaches the reader (a pty, an adapter left at 8 bits) the decoder drops it. A port
/// that refuses 7E1 (a Linux pty that was once set to it refuses it again) is opened at 8N1: a 7E1 character is start,
/// 7 data bits, parity, stop, which an 8N1 receiver reads as the 7 bits with the parity bit on top, and the decoder
/// masks it off.
/// </summary>
public sealed class TicSerialLine : IDisposable
{
    private readonly SerialConnection _port;

    private TicSerialLine(SerialConnection port, int baudRate)
    {
        _port = port;
        BaudRate = baudRate;
    }

    public string Name => _port.Name;

    public int BaudRate { get; }

    /// <summary>"7E1", or "8N1" when the port refused 7E1 (the parity bit is then masked off by the decoder).</summary>
    public string Format { get; private init; } = "7E1";

    /// <summary>The received bytes (read it with ReadAsync; disposing the line ends a pending read).</summary>
    public Stream Stream => _port.Stream;

    /// <summary>Opens <paramref name="portName"/> at <paramref name="baudRate"/> 7E1, no handshake.</summary>
    public static TicSerialLine Open(string portName, int baudRate)
    {
        try
        {
            return new TicSerialLine(OpenPort(portName, baudRate, Parity.Even, 7), baudRate);
        }
        catch (ArgumentException)
        {
            return new TicSerialLine(OpenPort(portName, baudRate, Parity.None, 8), baudRate) { Format = "8N1" };
        }
    }

    private static SerialConnection OpenPort(string portName, int baudRate, Parity parity, int dataBits) =>
        SerialConnection.Open(new SerialLineSettings(portName) { BaudRate = baudRate, Parity = parity, DataBits = dataBits, StopBits = StopBits.One });

    public void Dispose() => _port.Dispose();
}
