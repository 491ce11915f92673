namespace City.Protocols.Modbus.DataModel;

/// <summary>
/// The inverse of <see cref="RegisterDecoding"/>: raw values into registers in a <see cref="WordOrder"/>. Pure functions over
/// spans; a value the type cannot hold, or a destination shorter than the type's width, gives false and writes nothing.
/// </summary>
public static class RegisterEncoding
{
    /// <summary>The values an integer type holds: uint16 0..65535, int16 -32768..32767, and so on.</summary>
    public static (decimal Min, decimal Max) IntegerRange(RegisterDataType type) => type switch
    {
        RegisterDataType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        RegisterDataType.Int16 => (short.MinValue, short.MaxValue),
        RegisterDataType.UInt32 => (uint.MinValue, uint.MaxValue),
        RegisterDataType.Int32 => (int.MinValue, int.MaxValue),
        RegisterDataType.UInt64 => (ulong.MinValue, ulong.MaxValue),
        RegisterDataType.Int64 => (long.MinValue, long.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an integer type"),
    };

    /// <summary>An integer type's value: false when the type is not an integer, the value is not whole or out of <see cref="IntegerRange"/>.</summary>
    public static bool TryEncodeInteger(decimal value, RegisterDataType type, WordOrder order, Span<ushort> registers)
    {
        if (!RegisterDecoding.IsInteger(type) || registers.Length < RegisterDecoding.Width(type) || value != decimal.Truncate(value))
        {
            return false;
        }

        var (min, max) = IntegerRange(type);
        if (value < min || value > max)
        {
            return false;
        }

        return type switch
        {
            RegisterDataType.UInt16 => ModbusRegisterValue.TryWriteUInt16((ushort)value, order, registers),
            RegisterDataType.Int16 => ModbusRegisterValue.TryWriteInt16((short)value, order, registers),
            RegisterDataType.UInt32 => ModbusRegisterValue.TryWriteUInt32((uint)value, order, registers),
            RegisterDataType.Int32 => ModbusRegisterValue.TryWriteInt32((int)value, order, registers),
            RegisterDataType.UInt64 => ModbusRegisterValue.TryWriteUInt64((ulong)value, order, registers),
            _ => ModbusRegisterValue.TryWriteInt64((long)value, order, registers),
        };
    }

    /// <summary>
    /// A float32 or float64 value. NaN and the infinities are written as they are; a finite value beyond float32's range
    /// is refused for float32 (it would become an infinity).
    /// </summary>
    public static bool TryEncodeFloat(double value, RegisterDataType type, WordOrder order, Span<ushort> registers)
    {
        switch (type)
        {
            case RegisterDataType.Float32 when !double.IsFinite(value) || Math.Abs(value) <= float.MaxValue:
                return ModbusRegisterValue.TryWriteFloat32((float)value, order, registers);
            case RegisterDataType.Float64:
                return ModbusRegisterValue.TryWriteFloat64(value, order, registers);
            default:
                return false;
        }
    }

    /// <summary>
    /// ASCII, two characters per register in the order <see cref="RegisterDecoding.DecodeString"/> reads them, padded with
    /// NULs to the destination's length. Refused (with the reason) when the text is longer than two characters per
    /// register or holds a character outside printable ASCII.
    /// </summary>
    public static bool TryEncodeString(string text, WordOrder order, Span<ushort> registers, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = string.Empty;
        if (text.Length > registers.Length * 2)
        {
            error = $"the text has {text.Length} characters; the point holds at most {registers.Length * 2} ({registers.Length} registers)";
            return false;
        }

        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                error = $"the text may hold printable ASCII only (found U+{(int)c:X4})";
                return false;
            }
        }

        var swap = order is WordOrder.Badc or WordOrder.Dcba;
        for (var i = 0; i < registers.Length; i++)
        {
            var first = 2 * i < text.Length ? (byte)text[2 * i] : (byte)0;
            var second = (2 * i) + 1 < text.Length ? (byte)text[(2 * i) + 1] : (byte)0;
            registers[i] = swap ? (ushort)((second << 8) | first) : (ushort)((first << 8) | second);
        }

        return true;
    }
}
