using System.Globalization;
using System.Text;
using City.Contract;
using City.Edge.Devices;
using City.Protocols.Snmp;

namespace City.Edge.Snmp;

/// <summary>SNMP values to point values and back. Pure; a value of the wrong type is an error message, never an exception.</summary>
internal static class SnmpPointDecoding
{
    public static bool TryDecode(SnmpPoint point, SnmpValue raw, out PointValue value, out string error)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(raw);
        var snmp = point.Snmp;
        value = default;
        error = string.Empty;
        if (raw.IsException)
        {
            error = raw.Type switch
            {
                SnmpValueType.NoSuchObject => "noSuchObject",
                SnmpValueType.NoSuchInstance => "noSuchInstance",
                _ => "endOfMibView",
            };
            return false;
        }

        switch (snmp.Kind)
        {
            case SnmpPointKind.Number:
                if (!TryInteger(raw, out var number))
                {
                    error = $"expected a number, got {raw.Type}";
                    return false;
                }

                value = point.Bit is { } bit
                    ? PointValue.FromBoolean(((number >> bit) & 1) != 0)
                    : PointValue.FromNumber((number * point.Scale) + point.Offset);
                return true;
            case SnmpPointKind.Bool:
                if (!TryInteger(raw, out var truth))
                {
                    error = $"expected an INTEGER (TruthValue), got {raw.Type}";
                    return false;
                }

                value = PointValue.FromBoolean(truth == 1);
                return true;
            case SnmpPointKind.Bits:
                if (raw.Type != SnmpValueType.OctetString)
                {
                    error = $"expected BITS (an OCTET STRING), got {raw.Type}";
                    return false;
                }

                var bytes = raw.AsBytes();
                if (point.Bit is { } b)
                {
                    value = PointValue.FromBoolean(b / 8 < bytes.Length && (bytes[b / 8] & (0x80 >> (b % 8))) != 0);
                    return true;
                }

                var set = new List<string>();
                for (var i = 0; i < bytes.Length * 8; i++)
                {
                    if ((bytes[i / 8] & (0x80 >> (i % 8))) != 0)
                    {
                        set.Add(i.ToString(CultureInfo.InvariantCulture));
                    }
                }

                value = PointValue.FromText(string.Join(',', set));
                return true;
            case SnmpPointKind.Text:
                value = PointValue.FromText(raw.Type == SnmpValueType.OctetString ? Printable(raw.AsBytes()) : raw.ToString());
                return true;
            default:
                error = "the event point is not read from the device";
                return false;
        }
    }

    /// <summary>The value to SET, typed like the object's current value (which the writer reads first).</summary>
    public static bool TryEncode(SnmpPoint point, PointWriteValue value, SnmpValueType currentType, out SnmpValue encoded, out string error)
    {
        ArgumentNullException.ThrowIfNull(point);
        var snmp = point.Snmp;
        encoded = SnmpValue.Null;
        error = string.Empty;
        switch (snmp.Kind)
        {
            case SnmpPointKind.Text:
                if (value.Kind != System.Text.Json.JsonValueKind.String || currentType != SnmpValueType.OctetString)
                {
                    error = value.Kind == System.Text.Json.JsonValueKind.String ? $"the object is a {currentType}, not an OCTET STRING" : "a text point takes a string";
                    return false;
                }

                encoded = SnmpValue.OctetString(value.Text!);
                return true;
            case SnmpPointKind.Bool:
                if (value.Kind is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False) || currentType != SnmpValueType.Integer)
                {
                    error = currentType == SnmpValueType.Integer ? "a bool point takes true or false" : $"the object is a {currentType}, not an INTEGER";
                    return false;
                }

                encoded = SnmpValue.Integer(value.Boolean ? 1 : 2);
                return true;
            case SnmpPointKind.Number:
                if (value.Kind != System.Text.Json.JsonValueKind.Number)
                {
                    error = "a number point takes a number";
                    return false;
                }

                var raw = (value.Number - point.Offset) / point.Scale;
                var rounded = Math.Round(raw);
                if (!double.IsFinite(raw) || Math.Abs(raw - rounded) > 1e-9 * Math.Max(1, Math.Abs(raw)))
                {
                    error = $"{value} is raw {raw.ToString(CultureInfo.InvariantCulture)} after Scale/Offset, not an integer";
                    return false;
                }

                switch (currentType)
                {
                    case SnmpValueType.Integer when rounded is >= int.MinValue and <= int.MaxValue:
                        encoded = SnmpValue.Integer((int)rounded);
                        return true;
                    case SnmpValueType.Gauge32 when rounded is >= 0 and <= uint.MaxValue:
                        encoded = SnmpValue.Gauge32((uint)rounded);
                        return true;
                    case SnmpValueType.TimeTicks when rounded is >= 0 and <= uint.MaxValue:
                        encoded = SnmpValue.TimeTicks((uint)rounded);
                        return true;
                    case SnmpValueType.Integer or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks:
                        error = $"raw {rounded.ToString(CultureInfo.InvariantCulture)} does not fit the object's {currentType}";
                        return false;
                    default:
                        error = $"the object is a {currentType}; only INTEGER, Gauge32 and TimeTicks numbers are written";
                        return false;
                }

            default:
                error = "this point cannot be written";
                return false;
        }
    }

    private static bool TryInteger(SnmpValue raw, out long number)
    {
        switch (raw.Type)
        {
            case SnmpValueType.Integer or SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks:
                number = raw.AsInt64();
                return true;
            case SnmpValueType.Counter64:
                number = unchecked((long)raw.AsUInt64());
                return true;
            default:
                number = 0;
                return false;
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.All(c => !char.IsControl(c) || c is '\r' or '\n' or '\t') ? text : Convert.ToHexString(bytes);
    }
}

internal static class SnmpNames
{
    /// <summary>The RFC 3416 name of an error-status: NoSuchName -> noSuchName.</summary>
    public static string ErrorStatus(SnmpErrorStatus status) =>
        Enum.IsDefined(status) ? char.ToLowerInvariant(status.ToString()[0]) + status.ToString()[1..] : $"error-status {(int)status}";
}
