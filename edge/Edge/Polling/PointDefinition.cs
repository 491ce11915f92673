using City.Contract.Wire;
using City.Protocols.Modbus;

namespace City.Edge.Polling;

/// <summary>Which Modbus register table a point lives in.</summary>
public enum ModbusTable
{
    Input,
    Holding,
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

    /// <summary>One register; true when it is not zero.</summary>
    Bool,
}

/// <summary>A validated, ready-to-poll point of a device.</summary>
public sealed record PointDefinition(
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

    /// <summary>Number of registers the value spans.</summary>
    public int Width => RegisterDecoding.Width(DataType);

    public PointType PointType => DataType == RegisterDataType.Bool ? PointType.Boolean : PointType.Number;

    /// <summary>Alias from the persisted alias map; 0 until the catalogue assigned it.</summary>
    public uint Alias { get; init; }
}

/// <summary>Text names used in configuration, and the register width of each data type.</summary>
public static class RegisterDecoding
{
    public static int Width(RegisterDataType type) => type switch
    {
        RegisterDataType.UInt16 or RegisterDataType.Int16 or RegisterDataType.Bool => 1,
        RegisterDataType.UInt32 or RegisterDataType.Int32 or RegisterDataType.Float32 => 2,
        _ => 4,
    };

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

    /// <summary>
    /// Decodes the point's value from its registers and applies the scale. A float32 goes through its shortest
    /// round-trip text, so 230.47f becomes 230.47 (not 230.47000122...), which keeps the contract's decimal
    /// encoding compact. Scaling is done in decimal when possible for the same reason (2304 x 0.1 = 230.4).
    /// </summary>
    public static double Decode(ReadOnlySpan<ushort> registers, RegisterDataType type, WordOrder order, double scale)
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
                raw = float.IsFinite(f32)
                    ? double.Parse(f32.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)
                    : f32;
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
                throw new ArgumentOutOfRangeException(nameof(type));
        }

        return ApplyScale(raw, scale);
    }

    public static double ApplyScale(double raw, double scale)
    {
        if (scale == 1.0 || !double.IsFinite(raw))
        {
            return raw;
        }

        // decimal keeps 2304 * 0.1 at exactly 230.4; beyond decimal's range fall back to doubles.
        if (Math.Abs(raw) < 7.9e27 && Math.Abs(scale) < 7.9e27)
        {
            try
            {
                return (double)((decimal)raw * (decimal)scale);
            }
            catch (OverflowException)
            {
                // fall through
            }
        }

        return raw * scale;
    }
}
