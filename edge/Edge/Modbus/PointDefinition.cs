using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>
/// A validated, ready-to-poll point of a device. The optional parts: <see cref="Offset"/> (value = raw x scale + offset),
/// <see cref="Bit"/> (an integer register value reduced to one of its bits: a bool point), <see cref="Length"/> (registers
/// of a string) and <see cref="Writable"/>.
/// </summary>
internal sealed record PointDefinition(
    string Device,
    string Name,
    ModbusTable Table,
    ushort Register,
    RegisterDataType DataType,
    WordOrder WordOrder,
    double Scale,
    string Unit,
    int PeriodMs,
    string Description) : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public double Offset { get; init; }

    /// <summary>0-based bit of the integer value (bit 0 = least significant); the point is then a bool.</summary>
    public int? Bit { get; init; }

    /// <summary>Registers of a string point (ignored for other types).</summary>
    public int Length { get; init; }

    /// <summary>Number of registers the value spans (bits for coils and discrete inputs).</summary>
    public int Width => Table.IsBitTable() ? 1 : DataType == RegisterDataType.String ? Length : RegisterDecoding.Width(DataType);

    public override PointType PointType => DataType == RegisterDataType.Bool || Bit is not null
        ? PointType.Boolean
        : DataType == RegisterDataType.String ? PointType.Text : PointType.Number;
}
