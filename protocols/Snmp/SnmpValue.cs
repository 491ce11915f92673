using System.Globalization;
using System.Net;
using System.Text;

namespace City.Protocols.Snmp;

/// <summary>The value of a varbind: one of the SNMP SMI types or a varbind exception (noSuchObject, noSuchInstance, endOfMibView).</summary>
public sealed class SnmpValue : IEquatable<SnmpValue>
{
    private readonly long _number;
    private readonly byte[]? _bytes;
    private readonly Oid? _oid;

    private SnmpValue(SnmpValueType type, long number = 0, byte[]? bytes = null, Oid? oid = null)
    {
        Type = type;
        _number = number;
        _bytes = bytes;
        _oid = oid;
    }

    public SnmpValueType Type { get; }

    public static SnmpValue Null { get; } = new(SnmpValueType.Null);

    public static SnmpValue NoSuchObject { get; } = new(SnmpValueType.NoSuchObject);

    public static SnmpValue NoSuchInstance { get; } = new(SnmpValueType.NoSuchInstance);

    public static SnmpValue EndOfMibView { get; } = new(SnmpValueType.EndOfMibView);

    /// <summary>True for noSuchObject, noSuchInstance and endOfMibView.</summary>
    public bool IsException => Type is SnmpValueType.NoSuchObject or SnmpValueType.NoSuchInstance or SnmpValueType.EndOfMibView;

    public static SnmpValue Integer(int value) => new(SnmpValueType.Integer, value);

    public static SnmpValue OctetString(ReadOnlySpan<byte> value) => new(SnmpValueType.OctetString, bytes: value.ToArray());

    public static SnmpValue OctetString(string value) => new(SnmpValueType.OctetString, bytes: Encoding.UTF8.GetBytes(value));

    public static SnmpValue ObjectIdentifier(Oid value) => new(SnmpValueType.ObjectIdentifier, oid: value);

    public static SnmpValue IpAddress(IPAddress value)
    {
        byte[] bytes = value.GetAddressBytes();
        if (bytes.Length != 4)
        {
            throw new ArgumentException("IpAddress is IPv4 only.", nameof(value));
        }

        return new(SnmpValueType.IpAddress, bytes: bytes);
    }

    public static SnmpValue Counter32(uint value) => new(SnmpValueType.Counter32, value);

    public static SnmpValue Gauge32(uint value) => new(SnmpValueType.Gauge32, value);

    public static SnmpValue TimeTicks(uint hundredths) => new(SnmpValueType.TimeTicks, hundredths);

    public static SnmpValue Opaque(ReadOnlySpan<byte> value) => new(SnmpValueType.Opaque, bytes: value.ToArray());

    public static SnmpValue Counter64(ulong value) => new(SnmpValueType.Counter64, unchecked((long)value));

    internal static SnmpValue FromDecoded(SnmpValueType type, long number, byte[]? bytes, Oid? oid) => new(type, number, bytes, oid);

    /// <summary>INTEGER value; throws when the value is of another type.</summary>
    public int AsInt32() => Type == SnmpValueType.Integer ? (int)_number : throw WrongType("INTEGER");

    /// <summary>Counter32, Gauge32 and TimeTicks value.</summary>
    public uint AsUInt32() => Type is SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks
        ? (uint)_number
        : throw WrongType("Counter32/Gauge32/TimeTicks");

    public ulong AsUInt64() => Type switch
    {
        SnmpValueType.Counter64 => unchecked((ulong)_number),
        SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks => (ulong)_number,
        _ => throw WrongType("Counter64"),
    };

    /// <summary>Any numeric value widened to a long (INTEGER, Counter32, Gauge32, TimeTicks; Counter64 above long.MaxValue throws).</summary>
    public long AsInt64() => Type switch
    {
        SnmpValueType.Integer or SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks => _number,
        SnmpValueType.Counter64 when _number >= 0 => _number,
        _ => throw WrongType("a number"),
    };

    /// <summary>OCTET STRING, Opaque and IpAddress bytes.</summary>
    public ReadOnlySpan<byte> AsBytes() => _bytes ?? throw WrongType("OCTET STRING/Opaque/IpAddress");

    public string AsString() => Encoding.UTF8.GetString(AsBytes());

    public Oid AsOid() => _oid ?? throw WrongType("OBJECT IDENTIFIER");

    public IPAddress AsIpAddress() => Type == SnmpValueType.IpAddress ? new IPAddress(_bytes!) : throw WrongType("IpAddress");

    private InvalidOperationException WrongType(string expected) => new($"The value is {Type}, not {expected}.");

    internal long RawNumber => _number;

    internal byte[]? RawBytes => _bytes;

    public bool Equals(SnmpValue? other)
    {
        if (other is null || other.Type != Type || other._number != _number)
        {
            return false;
        }

        if (_bytes is not null || other._bytes is not null)
        {
            return _bytes is not null && other._bytes is not null && _bytes.AsSpan().SequenceEqual(other._bytes);
        }

        return _oid == other._oid;
    }

    public override bool Equals(object? obj) => obj is SnmpValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, _number, _bytes?.Length ?? 0, _oid);

    /// <summary>net-snmp's style: "INTEGER: 5", "STRING: \"text\"", "Timeticks: (12345) 0:02:03.45", "No Such Object available on this agent at this OID".</summary>
    public override string ToString() => Type switch
    {
        SnmpValueType.Integer => "INTEGER: " + _number.ToString(CultureInfo.InvariantCulture),
        SnmpValueType.OctetString when _bytes!.Length == 0 => "\"\"", // net-snmp prints an empty string without its type
        SnmpValueType.OctetString => IsPrintable(_bytes!) ? $"STRING: \"{Encoding.UTF8.GetString(_bytes!)}\"" : "Hex-STRING: " + Hex(_bytes!),
        SnmpValueType.Null => "NULL",
        SnmpValueType.ObjectIdentifier => "OID: ." + _oid,
        SnmpValueType.IpAddress => "IpAddress: " + new IPAddress(_bytes!),
        SnmpValueType.Counter32 => "Counter32: " + _number.ToString(CultureInfo.InvariantCulture),
        SnmpValueType.Gauge32 => "Gauge32: " + _number.ToString(CultureInfo.InvariantCulture),
        SnmpValueType.TimeTicks => $"Timeticks: ({_number.ToString(CultureInfo.InvariantCulture)}) {FormatTicks(_number)}",
        SnmpValueType.Opaque => "OPAQUE: " + Hex(_bytes!),
        SnmpValueType.Counter64 => "Counter64: " + unchecked((ulong)_number).ToString(CultureInfo.InvariantCulture),
        SnmpValueType.NoSuchObject => "No Such Object available on this agent at this OID",
        SnmpValueType.NoSuchInstance => "No Such Instance currently exists at this OID",
        SnmpValueType.EndOfMibView => "No more variables left in this MIB View (It is past the end of the MIB tree)",
        _ => Type.ToString(),
    };

    private static bool IsPrintable(byte[] bytes)
    {
        foreach (byte b in bytes)
        {
            if (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t')
            {
                return false;
            }

            if (b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));

    private static string FormatTicks(long ticks)
    {
        long hundredths = ticks % 100;
        long seconds = ticks / 100;
        long days = seconds / 86400;
        seconds %= 86400;
        string clock = string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}.{hundredths:00}");
        return days switch
        {
            0 => clock,
            1 => "1 day, " + clock,
            _ => string.Create(CultureInfo.InvariantCulture, $"{days} days, {clock}"),
        };
    }
}

/// <summary>One variable binding: an OID and its value.</summary>
public sealed record VarBind(Oid Oid, SnmpValue Value)
{
    public VarBind(Oid oid)
        : this(oid, SnmpValue.Null)
    {
    }

    public override string ToString() => $".{Oid} = {Value}";
}
