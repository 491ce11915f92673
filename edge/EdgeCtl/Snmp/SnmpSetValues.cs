using System.Globalization;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Snmp;

namespace City.EdgeCtl.Snmp;

/// <summary>snmpset's OID TYPE VALUE triples with its type letters.</summary>
internal static class SnmpSetValues
{
    public static VarBind[] ParseTriples(IReadOnlyList<string> words)
    {
        if (words.Count == 0 || words.Count % 3 != 0)
        {
            throw new SnmpCliException("set needs OID TYPE VALUE triples");
        }

        var varBinds = new VarBind[words.Count / 3];
        for (int i = 0; i < varBinds.Length; i++)
        {
            string oidText = words[i * 3];
            Oid oid = SnmpCli.TryParseOid(oidText, out Oid? parsed) ? parsed : throw new SnmpCliException($"{oidText}: not a numeric OID");
            varBinds[i] = new VarBind(oid, ParseValue(words[(i * 3) + 1], words[(i * 3) + 2]));
        }

        return varBinds;
    }

    public static SnmpValue ParseValue(string type, string text) => type switch
    {
        "i" => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int integer)
            ? SnmpValue.Integer(integer) : throw Bad(type, text, "an INTEGER (-2147483648..2147483647)"),
        "u" => SnmpValue.Gauge32(ParseUInt(type, text)),
        "c" => SnmpValue.Counter32(ParseUInt(type, text)),
        "t" => SnmpValue.TimeTicks(ParseUInt(type, text)),
        "a" => IPAddress.TryParse(text, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetwork
            ? SnmpValue.IpAddress(address) : throw Bad(type, text, "an IPv4 address"),
        "o" => SnmpCli.TryParseOid(text, out Oid? oid) ? SnmpValue.ObjectIdentifier(oid) : throw Bad(type, text, "a numeric OID"),
        "s" => SnmpValue.OctetString(text),
        "x" => SnmpValue.OctetString(ParseHex(type, text)),
        "d" => SnmpValue.OctetString(ParseDecimal(type, text)),
        "b" => SnmpValue.OctetString(ParseBits(type, text)),
        "n" => SnmpValue.Null,
        _ => throw new SnmpCliException($"{type}: unknown type; one of i u t a o s x d b n (c for Counter32)"),
    };

    private static uint ParseUInt(string type, string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value) ? value : throw Bad(type, text, "an unsigned 32-bit number");

    /// <summary>"0A1B", "0a 1b", "0x0A1B" (spaces and colons between bytes allowed).</summary>
    private static byte[] ParseHex(string type, string text)
    {
        string digits = text.Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal);
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            throw Bad(type, text, "hex bytes such as \"0A 1B\"");
        }
    }

    /// <summary>Decimal bytes separated by dots or spaces: "192.168.1.1" or "1 2 255".</summary>
    private static byte[] ParseDecimal(string type, string text)
    {
        string[] parts = text.Split(['.', ' '], StringSplitOptions.RemoveEmptyEntries);
        var bytes = new byte[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                throw Bad(type, text, "decimal bytes 0..255 separated by dots or spaces");
            }
        }

        return bytes;
    }

    /// <summary>BITS: the numbers of the bits that are set ("0 3 9" or "0,3,9"); bit 0 is the high bit of the first octet.</summary>
    private static byte[] ParseBits(string type, string text)
    {
        string[] parts = text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        var bits = new List<int>();
        foreach (string part in parts)
        {
            bits.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int bit) && bit < 65536
                ? bit : throw Bad(type, text, "bit numbers such as \"0 3 9\""));
        }

        var bytes = new byte[bits.Count == 0 ? 0 : (bits.Max() / 8) + 1];
        foreach (int bit in bits)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return bytes;
    }

    private static SnmpCliException Bad(string type, string text, string expected) => new($"{type} {text}: expected {expected}");
}
