using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>A Modbus point's value from its registers, with the point's own type, word order, bit, scale and offset.</summary>
internal static class PointDecoding
{
    /// <summary>The value of a register-table point from its registers (exactly <see cref="PointDefinition.Width"/> of them).</summary>
    public static City.Contract.PointValue DecodeValue(PointDefinition point, ReadOnlySpan<ushort> registers)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.DataType == RegisterDataType.String)
        {
            return City.Contract.PointValue.FromText(RegisterDecoding.DecodeString(registers[..point.Length], point.WordOrder));
        }

        if (point.Bit is { } bit)
        {
            RegisterDecoding.TryReadRawBits(registers, point.DataType, point.WordOrder, out var bits);
            return City.Contract.PointValue.FromBoolean(((bits >> bit) & 1) != 0);
        }

        if (point.DataType == RegisterDataType.Bool)
        {
            return City.Contract.PointValue.FromBoolean(registers[0] != 0);
        }

        return City.Contract.PointValue.FromNumber(RegisterDecoding.Decode(registers, point.DataType, point.WordOrder, point.Scale, point.Offset));
    }
}
