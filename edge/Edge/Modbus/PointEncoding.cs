using System.Globalization;
using System.Text.Json;
using City.Edge.Devices;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>What to send for one point write: registers for the holding table (FC06 for one, FC16 for more), or one coil (FC05).</summary>
internal sealed record EncodedWrite(ModbusTable Table, ushort Address, ushort[] Registers, bool Coil)
{
    public ModbusFunctionCode Function => Table == ModbusTable.Coil
        ? ModbusFunctionCode.WriteSingleCoil
        : Registers.Length == 1 ? ModbusFunctionCode.WriteSingleRegister : ModbusFunctionCode.WriteMultipleRegisters;
}

/// <summary>
/// The inverse of <see cref="RegisterDecoding"/>: raw = (value - offset) / scale, range-checked for the data type, encoded in
/// the point's word order. Pure; every refusal is an error text, never an exception.
/// </summary>
internal static class PointEncoding
{
    public static bool TryEncode(PointDefinition point, PointWriteValue value, out EncodedWrite write, out string error)
    {
        ArgumentNullException.ThrowIfNull(point);
        write = null!;
        error = string.Empty;
        if (!point.Table.IsWritableTable())
        {
            error = $"the {point.Table.ConfigName()} table is read-only";
            return false;
        }

        if (!point.Writable)
        {
            error = "the point is not Writable (set \"Writable\": true in its configuration)";
            return false;
        }

        if (point.Bit is not null)
        {
            error = "a Bit point cannot be written (it is one bit of a wider register)";
            return false;
        }

        if (point.Table == ModbusTable.Coil || point.DataType == RegisterDataType.Bool)
        {
            if (!TryBoolean(value, out var on, out error))
            {
                return false;
            }

            write = point.Table == ModbusTable.Coil
                ? new EncodedWrite(ModbusTable.Coil, point.Register, [], on)
                : new EncodedWrite(ModbusTable.Holding, point.Register, [on ? (ushort)1 : (ushort)0], false);
            return true;
        }

        var registers = new ushort[point.Width];
        var ok = point.DataType switch
        {
            RegisterDataType.String => TryEncodeString(point, value, registers, out error),
            RegisterDataType.Float32 or RegisterDataType.Float64 => TryEncodeFloat(point, value, registers, out error),
            _ => TryEncodeInteger(point, value, registers, out error),
        };
        if (ok)
        {
            write = new EncodedWrite(ModbusTable.Holding, point.Register, registers, false);
        }

        return ok;
    }

    private static bool TryEncodeString(PointDefinition point, PointWriteValue value, Span<ushort> registers, out string error)
    {
        var text = value.Kind switch
        {
            JsonValueKind.String => value.Text!,
            JsonValueKind.Number => value.ToString(),
            _ => null,
        };
        if (text is null)
        {
            error = $"a string point takes a text (got {value})";
            return false;
        }

        return RegisterEncoding.TryEncodeString(text, point.WordOrder, registers, out error);
    }

    private static bool TryBoolean(PointWriteValue value, out bool on, out string error)
    {
        error = string.Empty;
        on = false;
        switch (value.Kind)
        {
            case JsonValueKind.True or JsonValueKind.False:
                on = value.Boolean;
                return true;
            case JsonValueKind.Number when value.Number is 0 or 1:
                on = value.Number == 1;
                return true;
            case JsonValueKind.String when value.Text!.Trim().ToLowerInvariant() is "true" or "on" or "1" or "false" or "off" or "0":
                on = value.Text.Trim().ToLowerInvariant() is "true" or "on" or "1";
                return true;
            default:
                error = $"a bool point takes true/false or 1/0 (got {value})";
                return false;
        }
    }

    private static bool TryNumber(PointWriteValue value, out PointWriteValue number, out string error)
    {
        error = string.Empty;
        number = value;
        if (value.Kind == JsonValueKind.Number)
        {
            return true;
        }

        if (value.Kind == JsonValueKind.String
            && decimal.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            number = PointWriteValue.FromDecimal(parsed);
            return true;
        }

        error = $"a number point takes a number (got {value})";
        return false;
    }

    private static string ScalingText(PointDefinition point) =>
        point.Scale == 1 && point.Offset == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" (scale {point.Scale}, offset {point.Offset})");

    private static bool TryEncodeInteger(PointDefinition point, PointWriteValue value, Span<ushort> registers, out string error)
    {
        if (!TryNumber(value, out var number, out error))
        {
            return false;
        }

        var (min, max) = RegisterEncoding.IntegerRange(point.DataType);
        var typeName = RegisterDecoding.ConfigName(point.DataType);
        decimal raw;
        try
        {
            if (number.Exact is not { } exact)
            {
                error = $"{number} is out of range for {typeName} ({min}..{max}){ScalingText(point)}";
                return false;
            }

            raw = (exact - (decimal)point.Offset) / (decimal)point.Scale;
        }
        catch (OverflowException)
        {
            error = $"{number} is out of range for {typeName} ({min}..{max}){ScalingText(point)}";
            return false;
        }

        if (raw != decimal.Truncate(raw))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{number} gives the raw value {raw}, which is not a whole number as {typeName} needs{ScalingText(point)}");
            return false;
        }

        if (raw < min || raw > max)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{number} gives the raw value {raw}, out of range for {typeName} ({min}..{max}){ScalingText(point)}");
            return false;
        }

        _ = RegisterEncoding.TryEncodeInteger(raw, point.DataType, point.WordOrder, registers);
        return true;
    }

    private static bool TryEncodeFloat(PointDefinition point, PointWriteValue value, Span<ushort> registers, out string error)
    {
        if (!TryNumber(value, out var number, out error))
        {
            return false;
        }

        double raw;
        try
        {
            // Unscaled floats go as given; scaled ones through decimal when the value fits one, so 21.5 at scale 0.1 is 215 exactly.
            raw = point.Scale == 1 && point.Offset == 0
                ? number.Number
                : number.Exact is { } exact
                    ? (double)((exact - (decimal)point.Offset) / (decimal)point.Scale)
                    : (number.Number - point.Offset) / point.Scale;
        }
        catch (OverflowException)
        {
            raw = (number.Number - point.Offset) / point.Scale;
        }

        if (!double.IsFinite(raw) || (point.DataType == RegisterDataType.Float32 && Math.Abs(raw) > float.MaxValue))
        {
            error = $"{number} is out of range for {RegisterDecoding.ConfigName(point.DataType)}{ScalingText(point)}";
            return false;
        }

        _ = RegisterEncoding.TryEncodeFloat(raw, point.DataType, point.WordOrder, registers);
        return true;
    }
}
