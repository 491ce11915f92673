using System.Globalization;
using City.Protocols.Modbus;

namespace City.EdgeCtl.Modbus;

internal enum ModbusTable
{
    Holding,
    Input,
    Coil,
    Discrete,
}

public enum ModbusValueType
{
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    UInt64,
    Int64,
    Float64,
    Bool,
}

/// <summary>
/// Pure conversions between registers and the text a technician types or reads. Decoded numbers are invariant-culture
/// text that is also a JSON number, except for non-finite floats ("NaN", "Infinity", "-Infinity"); bools are "true"/"false".
/// Encoding accepts decimal (and 0x hex for integer types); malformed or out-of-range text returns false with a message.
/// </summary>
internal static class ValueCodec
{
    /// <summary>Registers per value: 1, 2 or 4; bool (a coil or discrete input bit) counts as 1.</summary>
    public static int RegisterWidth(ModbusValueType type) => type switch
    {
        ModbusValueType.UInt32 or ModbusValueType.Int32 or ModbusValueType.Float32 => 2,
        ModbusValueType.UInt64 or ModbusValueType.Int64 or ModbusValueType.Float64 => 4,
        _ => 1,
    };

    public static bool TryParseType(string? text, out ModbusValueType type)
    {
        (bool ok, type) = text?.ToLowerInvariant() switch
        {
            "uint16" => (true, ModbusValueType.UInt16),
            "int16" => (true, ModbusValueType.Int16),
            "uint32" => (true, ModbusValueType.UInt32),
            "int32" => (true, ModbusValueType.Int32),
            "float32" or "float" => (true, ModbusValueType.Float32),
            "uint64" => (true, ModbusValueType.UInt64),
            "int64" => (true, ModbusValueType.Int64),
            "float64" or "double" => (true, ModbusValueType.Float64),
            "bool" => (true, ModbusValueType.Bool),
            _ => (false, ModbusValueType.UInt16),
        };
        return ok;
    }

    public static bool TryParseOrder(string? text, out WordOrder order)
    {
        (bool ok, order) = text?.ToUpperInvariant() switch
        {
            "ABCD" => (true, WordOrder.Abcd),
            "CDAB" => (true, WordOrder.Cdab),
            "BADC" => (true, WordOrder.Badc),
            "DCBA" => (true, WordOrder.Dcba),
            _ => (false, WordOrder.Abcd),
        };
        return ok;
    }

    public static bool TryParseTable(string? text, out ModbusTable table)
    {
        (bool ok, table) = text?.ToLowerInvariant() switch
        {
            "holding" => (true, ModbusTable.Holding),
            "input" => (true, ModbusTable.Input),
            "coil" or "coils" => (true, ModbusTable.Coil),
            "discrete" => (true, ModbusTable.Discrete),
            _ => (false, ModbusTable.Holding),
        };
        return ok;
    }

    /// <summary>Decodes the first value of <paramref name="registers"/>; false when there are fewer registers than the type needs or the type is bool.</summary>
    public static bool TryDecode(ReadOnlySpan<ushort> registers, ModbusValueType type, WordOrder order, out string text)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        bool ok;
        switch (type)
        {
            case ModbusValueType.UInt16:
                ok = ModbusRegisterValue.TryReadUInt16(registers, order, out ushort u16);
                text = u16.ToString(c);
                break;
            case ModbusValueType.Int16:
                ok = ModbusRegisterValue.TryReadInt16(registers, order, out short i16);
                text = i16.ToString(c);
                break;
            case ModbusValueType.UInt32:
                ok = ModbusRegisterValue.TryReadUInt32(registers, order, out uint u32);
                text = u32.ToString(c);
                break;
            case ModbusValueType.Int32:
                ok = ModbusRegisterValue.TryReadInt32(registers, order, out int i32);
                text = i32.ToString(c);
                break;
            case ModbusValueType.Float32:
                ok = ModbusRegisterValue.TryReadFloat32(registers, order, out float f32);
                text = FormatFloat(f32, float.IsFinite(f32), f32.ToString("R", c));
                break;
            case ModbusValueType.UInt64:
                ok = ModbusRegisterValue.TryReadUInt64(registers, order, out ulong u64);
                text = u64.ToString(c);
                break;
            case ModbusValueType.Int64:
                ok = ModbusRegisterValue.TryReadInt64(registers, order, out long i64);
                text = i64.ToString(c);
                break;
            case ModbusValueType.Float64:
                ok = ModbusRegisterValue.TryReadFloat64(registers, order, out double f64);
                text = FormatFloat(f64, double.IsFinite(f64), f64.ToString("R", c));
                break;
            default:
                ok = false;
                text = string.Empty;
                break;
        }

        if (!ok)
        {
            text = string.Empty;
        }

        return ok;
    }

    public static string FormatBool(bool value) => value ? "true" : "false";

    /// <summary>Parses one value and writes its <see cref="RegisterWidth"/> registers in <paramref name="order"/>.</summary>
    public static bool TryEncode(string text, ModbusValueType type, WordOrder order, Span<ushort> destination, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length < RegisterWidth(type) || type == ModbusValueType.Bool)
        {
            error = type == ModbusValueType.Bool ? "bool values go to coils, not registers" : "destination too short";
            return false;
        }

        bool parsed;
        bool written = false;
        switch (type)
        {
            case ModbusValueType.UInt16:
                parsed = TryParseUnsigned(text, ushort.MaxValue, out ulong u16);
                written = parsed && ModbusRegisterValue.TryWriteUInt16((ushort)u16, order, destination);
                break;
            case ModbusValueType.Int16:
                parsed = TryParseSigned(text, short.MinValue, short.MaxValue, out long i16);
                written = parsed && ModbusRegisterValue.TryWriteInt16((short)i16, order, destination);
                break;
            case ModbusValueType.UInt32:
                parsed = TryParseUnsigned(text, uint.MaxValue, out ulong u32);
                written = parsed && ModbusRegisterValue.TryWriteUInt32((uint)u32, order, destination);
                break;
            case ModbusValueType.Int32:
                parsed = TryParseSigned(text, int.MinValue, int.MaxValue, out long i32);
                written = parsed && ModbusRegisterValue.TryWriteInt32((int)i32, order, destination);
                break;
            case ModbusValueType.Float32:
                parsed = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f32) && (float.IsFinite(f32) || IsNonFiniteLiteral(text));
                written = parsed && ModbusRegisterValue.TryWriteFloat32(f32, order, destination);
                break;
            case ModbusValueType.UInt64:
                parsed = TryParseUnsigned(text, ulong.MaxValue, out ulong u64);
                written = parsed && ModbusRegisterValue.TryWriteUInt64(u64, order, destination);
                break;
            case ModbusValueType.Int64:
                parsed = TryParseSigned(text, long.MinValue, long.MaxValue, out long i64);
                written = parsed && ModbusRegisterValue.TryWriteInt64(i64, order, destination);
                break;
            case ModbusValueType.Float64:
                parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f64) && (double.IsFinite(f64) || IsNonFiniteLiteral(text));
                written = parsed && ModbusRegisterValue.TryWriteFloat64(f64, order, destination);
                break;
            default:
                parsed = false;
                break;
        }

        error = written ? string.Empty : $"bad value '{text}' for {TypeName(type)}{RangeHint(type)}";
        return written;
    }

    /// <summary>Parses a coil value: 1/0, true/false, on/off.</summary>
    public static bool TryParseBool(string text, out bool value, out string error)
    {
        (bool ok, value) = text.ToLowerInvariant() switch
        {
            "1" or "true" or "on" => (true, true),
            "0" or "false" or "off" => (true, false),
            _ => (false, false),
        };
        error = ok ? string.Empty : $"bad value '{text}' for bool (expected 1/0, true/false, on/off)";
        return ok;
    }

    public static string TypeName(ModbusValueType type) => type.ToString().ToLowerInvariant();

    private static string FormatFloat(double value, bool finite, string roundTrip) =>
        finite ? roundTrip : double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    private static bool IsNonFiniteLiteral(string text) =>
        text.Trim().TrimStart('+', '-').ToLowerInvariant() is "nan" or "infinity" or "inf" or "∞";

    private static bool TryParseUnsigned(string text, ulong max, out ulong value)
    {
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok && value <= max;
    }

    private static bool TryParseSigned(string text, long min, long max, out long value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            // Hex gives the raw bit pattern of the type's width: 0xFFFF for int16 is -1.
            int bits = max == short.MaxValue ? 16 : max == int.MaxValue ? 32 : 64;
            if (!ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong raw)
                || (bits < 64 && raw >> bits != 0))
            {
                value = 0;
                return false;
            }

            value = bits switch
            {
                16 => (short)raw,
                32 => (int)raw,
                _ => unchecked((long)raw),
            };
            return true;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static string RangeHint(ModbusValueType type) => type switch
    {
        ModbusValueType.UInt16 => " (0..65535 or 0x0000..0xFFFF)",
        ModbusValueType.Int16 => " (-32768..32767)",
        ModbusValueType.UInt32 => " (0..4294967295)",
        ModbusValueType.Int32 => " (-2147483648..2147483647)",
        ModbusValueType.UInt64 => " (0..18446744073709551615)",
        ModbusValueType.Int64 => " (-9223372036854775808..9223372036854775807)",
        _ => " (a decimal number such as 230.5)",
    };
}
