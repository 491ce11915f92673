namespace City.Protocols.MBus;

/// <summary>How a record's value is to be read once its data field is decoded.</summary>
public enum MBusQuantityKind
{
    /// <summary>A number: raw value x <see cref="MBusQuantity.Multiplier"/> in <see cref="MBusQuantity.Unit"/>.</summary>
    Number,

    /// <summary>A date (type G in 2 bytes).</summary>
    Date,

    /// <summary>A date and time (type F in 4 bytes, type I in 6).</summary>
    DateTime,

    /// <summary>An identifier or code shown as decoded (fabrication number, versions, addresses).</summary>
    Identifier,

    /// <summary>Bits or bytes with a manufacturer's meaning: shown as hex.</summary>
    Bits,

    /// <summary>A manufacturer-specific VIF: the value is kept, with no unit.</summary>
    ManufacturerSpecific,
}

/// <summary>What a VIF (with its extension table) says: the quantity, its unit and the power of ten (or time factor) to apply.</summary>
public sealed record MBusQuantity(string Name, string Unit, double Multiplier, MBusQuantityKind Kind = MBusQuantityKind.Number)
{
    public static MBusQuantity Unknown(string table, byte code) => new($"reserved VIF {table}{code:X2}", "", 1, MBusQuantityKind.Bits);

    internal static double Pow10(int exponent) => exponent >= 0 ? Math.Pow(10, exponent) : 1 / Math.Pow(10, -exponent);

    internal static MBusQuantity Scaled(string name, string unit, int exponent) => new(name, unit, Pow10(exponent));

    /// <summary>A duration whose last two VIF bits pick seconds, minutes, hours or days; the value is given in seconds.</summary>
    internal static MBusQuantity Duration(string name, int code) => new(name, "s", (code & 3) switch { 0 => 1, 1 => 60, 2 => 3600, _ => 86400 });
}
