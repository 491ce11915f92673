using System.IO.Ports;
using City.Protocols.Serial;

namespace City.Protocols.Modbus;

/// <summary>Serial line settings for <see cref="ModbusRtuTransport.Open"/>. Defaults: 19200 baud, 8E1 (the spec's default format).</summary>
public sealed record ModbusRtuSerialSettings(string PortName)
{
    public int BaudRate { get; init; } = 19200;

    public Parity Parity { get; init; } = Parity.Even;

    public int DataBits { get; init; } = 8;

    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Termios (Linux, standard rates) or System.IO.Ports; <see cref="SerialTransportKind.Auto"/> picks (see <see cref="SerialConnection.Resolve"/>).</summary>
    public SerialTransportKind Transport { get; init; } = SerialTransportKind.Auto;

    /// <summary>The port's settings for <see cref="SerialConnection.Open"/>.</summary>
    public SerialLineSettings Line => new(PortName) { BaudRate = BaudRate, Parity = Parity, DataBits = DataBits, StopBits = StopBits, Transport = Transport };

    /// <summary>Character time, t1.5 and t3.5 for these settings.</summary>
    public ModbusRtuTiming Timing => ModbusRtuTiming.For(BaudRate, DataBits, Parity, StopBits);
}
