using City.Contract.Wire;
using City.Protocols.Modbus;

namespace City.Edge.Polling;

/// <summary>Which Modbus table a point lives in.</summary>
public enum ModbusTable
{
    Input,
    Holding,

    /// <summary>Read/write bits (FC01, FC05).</summary>
    Coil,

    /// <summary>Read-only bits (FC02).</summary>
    Discrete,
}

/// <summary>How a point's registers are interpreted.</summary>
public enum RegisterDataType
{
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    UInt64,
    Int64,
    Float64,

    /// <summary>One register (true when it is not zero), or one coil / discrete input.</summary>
    Bool,

    /// <summary>ASCII text, two characters per register; its width is the point's Length.</summary>
    String,
}

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
    string Description)
{
    /// <summary>Stable id, "{device}/{point}".</summary>
    public string Id => $"{Device}/{Name}";

    public double Offset { get; init; }

    /// <summary>0-based bit of the integer value (bit 0 = least significant); the point is then a bool.</summary>
    public int? Bit { get; init; }

    /// <summary>Registers of a string point (ignored for other types).</summary>
    public int Length { get; init; }

    public bool Writable { get; init; }

    /// <summary>Set for the points of snmp devices (the Modbus fields are then unused).</summary>
    public City.Edge.Snmp.SnmpPointSettings? Snmp { get; init; }

    /// <summary>Number of registers the value spans (bits for coils and discrete inputs).</summary>
    public int Width => Table.IsBitTable() ? 1 : DataType == RegisterDataType.String ? Length : RegisterDecoding.Width(DataType);

    public PointType PointType => DataType == RegisterDataType.Bool || Bit is not null
        ? PointType.Boolean
        : DataType == RegisterDataType.String ? PointType.Text : PointType.Number;

    /// <summary>Alias from the persisted alias map; 0 until the catalogue assigned it.</summary>
    public uint Alias { get; init; }
}

internal static class ModbusTableExtensions
{
    public static bool IsBitTable(this ModbusTable table) => table is ModbusTable.Coil or ModbusTable.Discrete;

    public static bool IsWritableTable(this ModbusTable table) => table is ModbusTable.Holding or ModbusTable.Coil;

    /// <summary>The read function of the table: FC01, FC02, FC03 or FC04.</summary>
    public static ModbusFunctionCode ReadFunction(this ModbusTable table) => table switch
    {
        ModbusTable.Coil => ModbusFunctionCode.ReadCoils,
        ModbusTable.Discrete => ModbusFunctionCode.ReadDiscreteInputs,
        ModbusTable.Holding => ModbusFunctionCode.ReadHoldingRegisters,
        _ => ModbusFunctionCode.ReadInputRegisters,
    };

    /// <summary>The configuration name: input, holding, coil, discrete.</summary>
    public static string ConfigName(this ModbusTable table) => table switch
    {
        ModbusTable.Coil => "coil",
        ModbusTable.Discrete => "discrete",
        ModbusTable.Holding => "holding",
        _ => "input",
    };
}

/// <summary>Text names used in configuration, the register width of each data type, and decoding.</summary>
internal static class RegisterDecoding
{
    public static int Width(RegisterDataType type) => type switch
    {
        RegisterDataType.UInt16 or RegisterDataType.Int16 or RegisterDataType.Bool => 1,
        RegisterDataType.UInt32 or RegisterDataType.Int32 or RegisterDataType.Float32 => 2,
        RegisterDataType.String => 0,
        _ => 4,
    };

    public static bool IsInteger(RegisterDataType type) => type is RegisterDataType.UInt16 or RegisterDataType.Int16
        or RegisterDataType.UInt32 or RegisterDataType.Int32 or RegisterDataType.UInt64 or RegisterDataType.Int64;

    public static string ConfigName(RegisterDataType type) => type.ToString().ToLowerInvariant();

    public static bool TryParseDataType(string? text, out RegisterDataType type)
    {
        type = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "uint16": type = RegisterDataType.UInt16; return true;
            case "int16": type = RegisterDataType.Int16; return true;
            case "uint32": type = RegisterDataType.UInt32; return true;
            case "int32": type = RegisterDataType.Int32; return true;
            case "float32" or "float": type = RegisterDataType.Float32; return true;
            case "uint64": type = RegisterDataType.UInt64; return true;
            case "int64": type = RegisterDataType.Int64; return true;
            case "float64" or "double": type = RegisterDataType.Float64; return true;
            case "bool" or "boolean": type = RegisterDataType.Bool; return true;
            case "string": type = RegisterDataType.String; return true;
            default: return false;
        }
    }

    public static bool TryParseTable(string? text, out ModbusTable table)
    {
        table = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "input": table = ModbusTable.Input; return true;
            case "holding": table = ModbusTable.Holding; return true;
            case "coil" or "coils": table = ModbusTable.Coil; return true;
            case "discrete" or "discrete-input" or "discrete-inputs": table = ModbusTable.Discrete; return true;
            default: return false;
        }
    }

    public static bool TryParseWordOrder(string? text, out WordOrder order)
    {
        order = default;
        switch (text?.Trim().ToUpperInvariant())
        {
            case "ABCD": order = WordOrder.Abcd; return true;
            case "CDAB": order = WordOrder.Cdab; return true;
            case "BADC": order = WordOrder.Badc; return true;
            case "DCBA": order = WordOrder.Dcba; return true;
            default: return false;
        }
    }

    /// <summary>The value of a register-table point from its registers (exactly <see cref="PointDefinition.Width"/> of them).</summary>
    public static City.Contract.PointValue DecodeValue(PointDefinition point, ReadOnlySpan<ushort> registers)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.DataType == RegisterDataType.String)
        {
            return City.Contract.PointValue.FromText(DecodeString(registers[..point.Length], point.WordOrder));
        }

        if (point.Bit is { } bit)
        {
            TryReadRawBits(registers, point.DataType, point.WordOrder, out var bits);
            return City.Contract.PointValue.FromBoolean(((bits >> bit) & 1) != 0);
        }

        if (point.DataType == RegisterDataType.Bool)
        {
            return City.Contract.PointValue.FromBoolean(registers[0] != 0);
        }

        return City.Contract.PointValue.FromNumber(Decode(registers, point.DataType, point.WordOrder, point.Scale, point.Offset));
    }

    /// <summary>
    /// Decodes a number from its registers and applies scale and offset. A float32 goes through its shortest
    /// round-trip text, so 230.47f becomes 230.47 (not 230.47000122...), which keeps the contract's decimal
    /// encoding compact. Scaling is done in decimal when possible for the same reason (2304 x 0.1 = 230.4).
    /// </summary>
    public static double Decode(ReadOnlySpan<ushort> registers, RegisterDataType type, WordOrder order, double scale, double offset = 0)
    {
        double raw;
        switch (type)
        {
            case RegisterDataType.UInt16:
                ModbusRegisterValue.TryReadUInt16(registers, order, out var u16);
                raw = u16;
                break;
            case RegisterDataType.Int16:
                ModbusRegisterValue.TryReadInt16(registers, order, out var i16);
                raw = i16;
                break;
            case RegisterDataType.UInt32:
                ModbusRegisterValue.TryReadUInt32(registers, order, out var u32);
                raw = u32;
                break;
            case RegisterDataType.Int32:
                ModbusRegisterValue.TryReadInt32(registers, order, out var i32);
                raw = i32;
                break;
            case RegisterDataType.Float32:
                ModbusRegisterValue.TryReadFloat32(registers, order, out var f32);
                raw = ShortestDouble(f32);
                break;
            case RegisterDataType.UInt64:
                ModbusRegisterValue.TryReadUInt64(registers, order, out var u64);
                raw = u64;
                break;
            case RegisterDataType.Int64:
                ModbusRegisterValue.TryReadInt64(registers, order, out var i64);
                raw = i64;
                break;
            case RegisterDataType.Float64:
                ModbusRegisterValue.TryReadFloat64(registers, order, out var f64);
                raw = f64;
                break;
            case RegisterDataType.Bool:
                return registers[0] != 0 ? 1 : 0;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a numeric type");
        }

        return ApplyScale(raw, scale, offset);
    }

    /// <summary>The float's shortest round-trip decimal as a double: 230.47f -> 230.47.</summary>
    public static double ShortestDouble(float value) => float.IsFinite(value)
        ? double.Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)
        : value;

    /// <summary>The bit pattern of an integer value (sign-extended for signed types), for <see cref="PointDefinition.Bit"/>.</summary>
    public static bool TryReadRawBits(ReadOnlySpan<ushort> registers, RegisterDataType type, WordOrder order, out ulong bits)
    {
        bits = 0;
        switch (type)
        {
            case RegisterDataType.UInt16 or RegisterDataType.Int16:
                var ok16 = ModbusRegisterValue.TryReadUInt16(registers, order, out var u16);
                bits = u16;
                return ok16;
            case RegisterDataType.UInt32 or RegisterDataType.Int32:
                var ok32 = ModbusRegisterValue.TryReadUInt32(registers, order, out var u32);
                bits = u32;
                return ok32;
            case RegisterDataType.UInt64 or RegisterDataType.Int64:
                return ModbusRegisterValue.TryReadUInt64(registers, order, out bits);
            default:
                return false;
        }
    }

    /// <summary>
    /// ASCII text, two characters per register: high byte first for ABCD and CDAB, low byte first for BADC and DCBA.
    /// Trailing NULs and spaces are trimmed; other bytes outside printable ASCII become '?'.
    /// </summary>
    public static string DecodeString(ReadOnlySpan<ushort> registers, WordOrder order)
    {
        var swap = order is WordOrder.Badc or WordOrder.Dcba;
        Span<char> chars = registers.Length <= 128 ? stackalloc char[registers.Length * 2] : new char[registers.Length * 2];
        for (var i = 0; i < registers.Length; i++)
        {
            var high = (byte)(registers[i] >> 8);
            var low = (byte)registers[i];
            chars[2 * i] = Printable(swap ? low : high);
            chars[(2 * i) + 1] = Printable(swap ? high : low);
        }

        return new string(chars.TrimEnd(['\0', ' ']));

        static char Printable(byte b) => b == 0 ? '\0' : b is >= 0x20 and < 0x7F ? (char)b : '?';
    }

    /// <summary>raw x scale + offset, in decimal when both fit (2304 x 0.1 = 230.4 exactly), in double otherwise.</summary>
    public static double ApplyScale(double raw, double scale, double offset = 0)
    {
        if ((scale == 1.0 && offset == 0) || !double.IsFinite(raw))
        {
            return raw;
        }

        if (Math.Abs(raw) < 7.9e27 && Math.Abs(scale) < 7.9e27 && Math.Abs(offset) < 7.9e27)
        {
            try
            {
                return (double)(((decimal)raw * (decimal)scale) + (decimal)offset);
            }
            catch (OverflowException)
            {
                // Beyond decimal's range: doubles below.
            }
        }

        return (raw * scale) + offset;
    }
}
