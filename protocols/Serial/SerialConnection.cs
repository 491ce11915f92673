using System.IO.Ports;

namespace City.Protocols.Serial;

/// <summary>
/// An open serial port: its byte <see cref="Stream"/> (reads and writes; one read at a time) and the few port operations the
/// protocols need. <see cref="Open"/> picks the implementation (<see cref="SerialTransportKind"/>).
/// </summary>
public abstract class SerialConnection : IDisposable
{
    protected SerialConnection(string name, SerialTransportKind kind)
    {
        Name = name;
        Kind = kind;
    }

    /// <summary>The port's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The implementation in use: <see cref="SerialTransportKind.Termios"/> or <see cref="SerialTransportKind.Portable"/>.</summary>
    public SerialTransportKind Kind { get; }

    /// <summary>Received and sent bytes. Writes hand the bytes to the driver; disposing the connection ends a pending read.</summary>
    public abstract Stream Stream { get; }

    /// <summary>Bytes received and not read yet (in the connection and the driver).</summary>
    public abstract int BytesToRead { get; }

    /// <summary>Drops bytes received and not read yet.</summary>
    public abstract void DiscardInput();

    /// <summary>Opens <paramref name="settings"/>' port with the implementation it asks for (see <see cref="Resolve"/>).</summary>
    public static SerialConnection Open(SerialLineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Resolve(settings.Transport, settings.BaudRate) == SerialTransportKind.Termios && OperatingSystem.IsLinux()
            ? TermiosSerialConnection.OpenTermios(settings)
            : PortableSerialConnection.OpenPortable(settings);
    }

    /// <summary>
    /// The implementation <paramref name="requested"/> comes to: <see cref="SerialTransportKind.Auto"/> takes the environment
    /// variable <c>CITY_SERIAL_TRANSPORT</c> when set, else termios on Linux when <paramref name="baudRate"/> is a standard
    /// rate (termios' Bnnn constants), else portable. Termios asked for where it cannot work throws <see cref="PlatformNotSupportedException"/>
    /// or <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static SerialTransportKind Resolve(SerialTransportKind requested, int baudRate)
    {
        if (requested == SerialTransportKind.Auto
            && SerialTransportNames.TryParse(Environment.GetEnvironmentVariable(SerialTransportNames.EnvironmentVariable), out SerialTransportKind fromEnvironment))
        {
            requested = fromEnvironment;
        }

        bool termiosWorks = OperatingSystem.IsLinux() && LibC.TrySpeedConstant(baudRate, out _);
        switch (requested)
        {
            case SerialTransportKind.Termios when !OperatingSystem.IsLinux():
                throw new PlatformNotSupportedException("The termios serial transport runs on Linux only; use the portable one.");
            case SerialTransportKind.Termios when !termiosWorks:
                throw new ArgumentOutOfRangeException(nameof(baudRate), baudRate, "Termios sets standard baud rates only (300, 1200, ... 115200, 230400 ...); use the portable transport for others.");
            case SerialTransportKind.Termios:
                return SerialTransportKind.Termios;
            case SerialTransportKind.Portable:
                return SerialTransportKind.Portable;
            default:
                return termiosWorks ? SerialTransportKind.Termios : SerialTransportKind.Portable;
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}

/// <summary>System.IO.Ports' <see cref="SerialPort"/>, no handshake.</summary>
internal sealed class PortableSerialConnection : SerialConnection
{
    private readonly SerialPort _port;

    private PortableSerialConnection(SerialPort port)
        : base(port.PortName, SerialTransportKind.Portable)
    {
        _port = port;
    }

    public override Stream Stream => _port.BaseStream;

    public override int BytesToRead => _port.BytesToRead;

    public override void DiscardInput() => _port.DiscardInBuffer();

    public static PortableSerialConnection OpenPortable(SerialLineSettings settings)
    {
        var port = new SerialPort(settings.PortName, settings.BaudRate, settings.Parity, settings.DataBits, settings.StopBits) { Handshake = Handshake.None };
        try
        {
            port.Open();
            port.DiscardInBuffer();
            return new PortableSerialConnection(port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _port.Dispose();
        }
    }
}
