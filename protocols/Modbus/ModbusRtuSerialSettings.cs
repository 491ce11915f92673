using System.IO.Ports;

namespace City.Protocols.Modbus;

/// <summary>Serial line settings for <see cref="ModbusRtuTransport.Open"/>. Defaults: 19200 baud, 8E1 (the spec's default format).</summary>
public sealed record ModbusRtuSerialSettings(string PortName)
{
    public int BaudRate { get; init; } = 19200;

    public Parity Parity { get; init; } = Parity.Even;

    public int DataBits { get; init; } = 8;

    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Character time, t1.5 and t3.5 for these settings.</summary>
    public ModbusRtuTiming Timing => ModbusRtuTiming.For(BaudRate, DataBits, Parity, StopBits);
}
