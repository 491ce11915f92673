using System.Globalization;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.EdgeCtl.Modbus;

/// <summary>
/// The text a technician types or reads, to and from registers; the types, their widths and the register layout are the
/// Modbus data model's (<see cref="RegisterDecoding"/>, <see cref="RegisterEncoding"/>). Decoded numbers are
/// invariant-culture text that is also a JSON number, except for non-finite floats ("NaN", "Infinity", "-Infinity");
/// bools are "true"/"false". Encoding accepts decimal (and 0x hex for integer types); malformed or out-of-range text
/// returns false with a message. Strings are not handled here.
/// </summary>
internal static class ValueCodec
{
    /// <summary>Decodes the first value of <paramref name="registers"/>; false when there are fewer registers than the type needs, or for bool and string.</summary>
    public static bool TryDecode(ReadOnlySpan<ushort> registers, RegisterDataType type, WordOrder order, out string text)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        bool ok;
        switch (type)
        {
            case RegisterDataType.UInt16:
                ok = ModbusRegisterValue.TryReadUInt16(registers, order, out ushort u16);
                text = u16.ToString(c);
                break;
            case RegisterDataType.Int16:
                ok = ModbusRegisterValue.TryReadInt16(registers, order, out short i16);
                text = i16.ToString(c);
                break;
            case RegisterDataType.UInt32:
                ok = ModbusRegisterValue.TryReadUInt32(registers, order, out uint u32);
                text = u32.ToString(c);
                break;
            case RegisterDataType.Int32:
                ok = ModbusRegisterValue.TryReadInt32(registers, order, out int i32);
                text = i32.ToString(c);
                break;
            case RegisterDataType.Float32:
                ok = ModbusRegisterValue.TryReadFloat32(registers, order, out float f32);
                text = FormatFloat(f32, float.IsFinite(f32), f32.ToString("R", c));
                break;
            case RegisterDataType.UInt64:
                ok = ModbusRegisterValue.TryReadUInt64(registers, order, out ulong u64);
                text = u64.ToString(c);
                break;
            case RegisterDataType.Int64:
                ok = ModbusRegisterValue.TryReadInt64(registers, order, out long i64);
                text = i64.ToString(c);
                break;
            case RegisterDataType.Float64:
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

    /// <summary>Parses one value and writes its <see cref="RegisterDecoding.Width"/> registers in <paramref name="order"/>.</summary>
    public static bool TryEncode(string text, RegisterDataType type, WordOrder order, Span<ushort> destination, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (type is RegisterDataType.Bool or RegisterDataType.String || destination.Length < RegisterDecoding.Width(type))
        {
            error = type switch
            {
                RegisterDataType.Bool => "bool values go to coils, not registers",
                RegisterDataType.String => "string values are not supported here",
                _ => "destination too short",
            };
            return false;
        }

        bool written = type switch
        {
            RegisterDataType.Float32 => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f32)
                && (float.IsFinite(f32) || IsNonFiniteLiteral(text))
                && RegisterEncoding.TryEncodeFloat(f32, type, order, destination),
            RegisterDataType.Float64 => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f64)
                && (double.IsFinite(f64) || IsNonFiniteLiteral(text))
                && RegisterEncoding.TryEncodeFloat(f64, type, order, destination),
            _ => TryParseInteger(text, type, out decimal raw) && RegisterEncoding.TryEncodeInteger(raw, type, order, destination),
        };
        error = written ? string.Empty : $"bad value '{text}' for {RegisterDecoding.ConfigName(type)}{RangeHint(type)}";
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

    private static string FormatFloat(double value, bool finite, string roundTrip) =>
        finite ? roundTrip : double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    private static bool IsNonFiniteLiteral(string text) =>
        text.Trim().TrimStart('+', '-').ToLowerInvariant() is "nan" or "infinity" or "inf" or "∞";

    /// <summary>
    /// A whole number as typed: decimal digits (a sign for signed types only), or 0x hex giving the raw bit pattern of the
    /// type's width (0xFFFF for int16 is -1). The range is checked by <see cref="RegisterEncoding.TryEncodeInteger"/>.
    /// </summary>
    private static bool TryParseInteger(string text, RegisterDataType type, out decimal value)
    {
        bool signed = type is RegisterDataType.Int16 or RegisterDataType.Int32 or RegisterDataType.Int64;
        int bits = RegisterDecoding.Width(type) * 16;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (!ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong pattern)
                || (bits < 64 && pattern >> bits != 0))
            {
                value = 0;
                return false;
            }

            value = !signed ? pattern : bits switch
            {
                16 => (short)pattern,
                32 => (int)pattern,
                _ => unchecked((long)pattern),
            };
            return true;
        }

        bool ok;
        if (signed)
        {
            ok = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed);
            value = parsed;
        }
        else
        {
            ok = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong parsed);
            value = parsed;
        }

        return ok;
    }

    private static string RangeHint(RegisterDataType type) => type switch
    {
        RegisterDataType.UInt16 => " (0..65535 or 0x0000..0xFFFF)",
        RegisterDataType.Int16 => " (-32768..32767)",
        RegisterDataType.UInt32 => " (0..4294967295)",
        RegisterDataType.Int32 => " (-2147483648..2147483647)",
        RegisterDataType.UInt64 => " (0..18446744073709551615)",
        RegisterDataType.Int64 => " (-9223372036854775808..9223372036854775807)",
        _ => " (a decimal number such as 230.5)",
    };
}
