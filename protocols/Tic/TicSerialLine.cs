using System.IO.Ports;

namespace City.Protocols.Tic;

/// <summary>
/// The TIC output on a serial port: 7 data bits, even parity, 1 stop bit at the mode's speed (1200 or 9600 baud), read
/// only. Where the parity bit still reaches the reader (a pty, an adapter left at 8 bits) the decoder drops it.
/// </summary>
public sealed class TicSerialLine : IDisposable
{
    private readonly SerialPort _port;

    private TicSerialLine(SerialPort port, int baudRate)
    {
        _port = port;
        BaudRate = baudRate;
    }

    public string Name => _port.PortName;

    public int BaudRate { get; }

    /// <summary>The received bytes (read it with ReadAsync; disposing the line ends a pending read).</summary>
    public Stream Stream => _port.BaseStream;

    /// <summary>Opens <paramref name="portName"/> at <paramref name="baudRate"/> 7E1, no handshake.</summary>
    public static TicSerialLine Open(string portName, int baudRate)
    {
        var port = new SerialPort(portName, baudRate, Parity.Even, 7, StopBits.One) { Handshake = Handshake.None };
        try
        {
            port.Open();
            port.DiscardInBuffer();
            return new TicSerialLine(port, baudRate);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public void Dispose() => _port.Dispose();
}
