namespace City.Protocols.MBus;

/// <summary>The function field of a DIF (bits 5-4).</summary>
public enum MBusFunction
{
    Instantaneous = 0,
    Maximum = 1,
    Minimum = 2,
    DuringError = 3,
}

/// <summary>
/// One variable data record, decoded: where it sits (storage number, tariff, subunit, function), what it is (the quantity
/// from its VIF and VIFEs, unit and multiplier) and its value. <see cref="Value"/> is the number with the multiplier applied
/// (null for dates, texts, bytes, and data that cannot be decoded: then <see cref="Error"/> says why); <see cref="Text"/>
/// shows every value (the number, the date, the text or the hex bytes).
/// </summary>
public sealed record MBusRecord
{
    /// <summary>The DIF, DIFEs, VIF and VIFEs as hex (e.g. 0C13, 8440 14): identifies the record within a meter's telegram.</summary>
    public required string Header { get; init; }

    public required MBusFunction Function { get; init; }

    public required long StorageNumber { get; init; }

    public required int Tariff { get; init; }

    public required int Subunit { get; init; }

    public required MBusDataCoding Coding { get; init; }

    public required MBusQuantity Quantity { get; init; }

    /// <summary>The unit of <see cref="Value"/>: the quantity's SI unit, or a plain-text VIF's own unit.</summary>
    public string Unit => Quantity.Unit;

    /// <summary>The value in <see cref="Unit"/> (raw x multiplier), for numbers.</summary>
    public double? Value { get; init; }

    /// <summary>The value as text: the number (invariant culture), a date (yyyy-MM-dd[THH:mm:ss]), a text, or hex bytes.</summary>
    public required string Text { get; init; }

    /// <summary>The date or date-time, when the record is one and its fields make a valid one.</summary>
    public DateTime? Time { get; init; }

    /// <summary>The orthogonal VIFE meanings that do not change the value (per hour, lower limit, ...), in order.</summary>
    public IReadOnlyList<string> Modifiers { get; init; } = [];

    /// <summary>Why the data could not be decoded (an invalid BCD digit, a record error code from the meter), else null.</summary>
    public string? Error { get; init; }
}

/// <summary>The header of a variable data response (long header with CI 0x72/0x76; short header with CI 0x7A).</summary>
public sealed record MBusHeader(
    MBusSecondaryAddress? Address, byte AccessNumber, byte Status, ushort Signature)
{
    /// <summary>The 8 identification digits (from the long header; null with a short header).</summary>
    public string? Identification => Address?.Identification;

    /// <summary>Three-letter manufacturer code.</summary>
    public string? Manufacturer => Address is { } a ? MBusSecondaryAddress.ManufacturerLetters(a.Manufacturer) : null;

    public byte? Version => Address?.Version;

    public byte? Medium => Address?.Medium;

    /// <summary>The medium's name (EN 13757-3 table 3).</summary>
    public string? MediumName => Medium is { } m ? MBusMedium.Name(m) : null;
}

/// <summary>Device type / medium codes (EN 13757-3 table 3).</summary>
public static class MBusMedium
{
    public const byte Other = 0x00;
    public const byte Electricity = 0x02;
    public const byte Gas = 0x03;
    public const byte HeatOutlet = 0x04;
    public const byte WarmWater = 0x06;
    public const byte Water = 0x07;
    public const byte HeatInlet = 0x0C;
    public const byte ColdWater = 0x16;

    public static string Name(byte medium) => medium switch
    {
        0x00 => "Other",
        0x01 => "Oil",
        0x02 => "Electricity",
        0x03 => "Gas",
        0x04 => "Heat: Outlet",
        0x05 => "Steam",
        0x06 => "Warm water (30-90°C)",
        0x07 => "Water",
        0x08 => "Heat Cost Allocator",
        0x09 => "Compressed Air",
        0x0A => "Cooling load meter: Outlet",
        0x0B => "Cooling load meter: Inlet",
        0x0C => "Heat: Inlet",
        0x0D => "Heat / Cooling load meter",
        0x0E => "Bus/System",
        0x0F => "Unknown",
        0x15 => "Hot water (>=90°C)",
        0x16 => "Cold water",
        0x17 => "Dual water",
        0x18 => "Pressure",
        0x19 => "A/D converter",
        0x1A => "Smoke detector",
        0x1B => "Room sensor",
        0x1C => "Gas detector",
        0x20 => "Breaker: Electricity",
        0x21 => "Valve: Gas or Water",
        0x25 => "Customer unit: Display device",
        0x28 => "Waste water",
        0x29 => "Garbage",
        0x2A => "Carbon dioxide",
        0x31 => "Communication controller",
        0x32 => "Unidirectional repeater",
        0x33 => "Bidirectional repeater",
        0x36 => "Radio converter (system side)",
        0x37 => "Radio converter (meter side)",
        _ => $"Reserved (0x{medium:X2})",
    };
}

/// <summary>A decoded RSP_UD: header, records, and the manufacturer-specific bytes after a 0x0F / 0x1F DIF.</summary>
public sealed record MBusTelegram(byte ControlInformation, MBusHeader Header, IReadOnlyList<MBusRecord> Records)
{
    /// <summary>Whether a DIF 0x0F or 0x1F ended the records (its data may be empty).</summary>
    public bool HasManufacturerData { get; init; }

    /// <summary>Bytes after a DIF 0x0F or 0x1F (kept, not interpreted); empty when there is none.</summary>
    public ReadOnlyMemory<byte> ManufacturerData { get; init; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>A DIF 0x1F ended the records: the meter has more in its next telegram (ask again with REQ_UD2).</summary>
    public bool MoreRecordsFollow { get; init; }

    /// <summary>Why decoding stopped before the end of the data (a truncated or malformed record); the records before it are kept.</summary>
    public string? Error { get; init; }
}
