using System.IO.Ports;

namespace City.Protocols.Serial;

/// <summary>Which implementation moves a serial port's bytes.</summary>
public enum SerialTransportKind
{
    /// <summary><see cref="Termios"/> on Linux for a standard baud rate, else <see cref="Portable"/>; the environment variable <c>CITY_SERIAL_TRANSPORT</c> (<c>termios</c> or <c>portable</c>) overrides it.</summary>
    Auto,

    /// <summary>The tty's file descriptor configured through termios and read by a thread of the port's own (Linux only).</summary>
    Termios,

    /// <summary>System.IO.Ports' <see cref="SerialPort"/>: any platform .NET supports.</summary>
    Portable,
}

/// <summary>A serial port's settings: no handshake, 8N1 at 9600 baud unless told otherwise.</summary>
public sealed record SerialLineSettings(string PortName)
{
    public int BaudRate { get; init; } = 9600;

    public Parity Parity { get; init; } = Parity.None;

    public int DataBits { get; init; } = 8;

    public StopBits StopBits { get; init; } = StopBits.One;

    public SerialTransportKind Transport { get; init; } = SerialTransportKind.Auto;
}

/// <summary>Names of <see cref="SerialTransportKind"/> in configuration and on command lines: auto, termios, portable.</summary>
public static class SerialTransportNames
{
    public const string EnvironmentVariable = "CITY_SERIAL_TRANSPORT";

    public static bool TryParse(string? text, out SerialTransportKind kind)
    {
        kind = text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => SerialTransportKind.Auto,
            "termios" => SerialTransportKind.Termios,
            "portable" or "system.io.ports" => SerialTransportKind.Portable,
            _ => (SerialTransportKind)(-1),
        };
        return Enum.IsDefined(kind);
    }

    public static string Name(SerialTransportKind kind) => kind switch
    {
        SerialTransportKind.Termios => "termios",
        SerialTransportKind.Portable => "portable",
        _ => "auto",
    };
}
