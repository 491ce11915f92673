using System.Globalization;

namespace City.Protocols.Dali;

/// <summary>
/// Memory bank 1 (DALI part 251, "memory bank 1 extension", content format 0x0003): the luminaire's data written by its
/// maker. Locations: 0x03-0x08 luminaire GTIN (48 bit), 0x09-0x10 luminaire identification number (64 bit), 0x11-0x12
/// content format id (0x0003), 0x13 year of manufacture (YY, 0-99), 0x14 week (1-53), 0x15-0x16 nominal input power (W),
/// 0x17-0x18 power at minimum dim level (W), 0x19-0x1A / 0x1B-0x1C mains voltage min / max (V), 0x1D-0x1F nominal light
/// output (lm), 0x20 CRI, 0x21-0x22 CCT (K). Values are unsigned, MSB first; all 0xFF = unknown (MASK).
/// </summary>
public sealed record D4iLuminaireData(
    D4iQuantity Gtin,
    D4iQuantity IdentificationNumber,
    D4iQuantity ContentFormat,
    D4iQuantity YearOfManufacture,
    D4iQuantity WeekOfManufacture,
    D4iQuantity NominalPower,
    D4iQuantity MinimumDimPower,
    D4iQuantity NominalLightOutput)
{
    public const byte Bank = 1;
    public const byte FirstLocation = 0x03;

    /// <summary>What the edge reads: GTIN through power at minimum dim level (22 locations).</summary>
    public const byte IdentityLastLocation = 0x18;

    public const byte LastLocation = 0x22;

    /// <summary>Decodes a bank image (index = location, see <see cref="DaliMemoryBankRead.Image"/>); locations past its end are not implemented.</summary>
    public static D4iLuminaireData Decode(ReadOnlySpan<byte> image)
    {
        var year = D4iMemoryValue.Unsigned(image, 0x13, 1, "year");
        var week = D4iMemoryValue.Unsigned(image, 0x14, 1, "week");
        return new D4iLuminaireData(
            D4iMemoryValue.Unsigned(image, 0x03, 6, "GTIN"),
            D4iMemoryValue.Unsigned(image, 0x09, 8, string.Empty),
            D4iMemoryValue.Unsigned(image, 0x11, 2, string.Empty),
            year.IsValid ? (year.Value <= 99 ? year with { Value = 2000 + year.Value } : year with { State = D4iValueState.Invalid }) : year,
            week.IsValid && week.Value is < 1 or > 53 ? week with { State = D4iValueState.Invalid } : week,
            D4iMemoryValue.Unsigned(image, 0x15, 2, "W"),
            D4iMemoryValue.Unsigned(image, 0x17, 2, "W"),
            D4iMemoryValue.Unsigned(image, 0x1D, 3, "lm"));
    }
}

/// <summary>
/// The bus unit's own identity in memory bank 0 (IEC 62386-102): 0x02 last accessible memory bank, 0x03-0x08 GTIN (48 bit),
/// 0x09-0x0A firmware version, 0x0B-0x12 identification (serial) number (64 bit; gear built to the 2009 edition end the
/// bank at 0x0E and have a 32-bit number at 0x0B-0x0E). GTIN and identification number together are globally unique.
/// </summary>
public sealed record DaliBank0Identity(D4iQuantity Gtin, D4iQuantity IdentificationNumber, D4iQuantity LastMemoryBank, D4iQuantity FirmwareVersion)
{
    public const byte Bank = 0;
    public const byte FirstLocation = 0x02;
    public const byte LastLocation = 0x12;
    private const byte LegacyLastLocation = 0x0E;

    public static DaliBank0Identity Decode(ReadOnlySpan<byte> image)
    {
        int last = image.Length > 0 ? image[0] : -1;
        var id = last is >= LegacyLastLocation and < LastLocation
            ? D4iMemoryValue.Unsigned(image, 0x0B, 4, string.Empty)
            : D4iMemoryValue.Unsigned(image, 0x0B, 8, string.Empty);
        return new DaliBank0Identity(D4iMemoryValue.Unsigned(image, 0x03, 6, "GTIN"), id, D4iMemoryValue.Unsigned(image, 0x02, 1, string.Empty),
            D4iMemoryValue.Unsigned(image, 0x09, 2, string.Empty));
    }
}

/// <summary>A luminaire's identity: GTIN and serial (identification number) as text, and which bank they came from.</summary>
public sealed record D4iIdentity(string? Gtin, string? Serial, byte? SourceBank, D4iLuminaireData? Luminaire)
{
    /// <summary>Bank 1's values when it has them, else bank 0's (the control gear's own, often the driver rather than the luminaire).</summary>
    public static D4iIdentity From(D4iLuminaireData? bank1, DaliBank0Identity? bank0)
    {
        string? gtin = D4iMemoryValue.Digits(bank1?.Gtin, 13);
        string? serial = D4iMemoryValue.Digits(bank1?.IdentificationNumber, 1);
        if (gtin is not null || serial is not null)
        {
            return new D4iIdentity(gtin, serial, D4iLuminaireData.Bank, bank1);
        }

        gtin = D4iMemoryValue.Digits(bank0?.Gtin, 13);
        serial = D4iMemoryValue.Digits(bank0?.IdentificationNumber, 1);
        return new D4iIdentity(gtin, serial, gtin is null && serial is null ? null : DaliBank0Identity.Bank, bank1);
    }
}

/// <summary>Decoding of D4i memory values (parts 251-253): unsigned, MSB first; all 0xFF = MASK, 0xFF..0xFE = TMASK.</summary>
public static class D4iMemoryValue
{
    /// <summary>
    /// The value of <paramref name="length"/> locations from <paramref name="location"/> in a bank image, times
    /// <paramref name="factor"/>; <see cref="D4iValueState.NotImplemented"/> when the image (the bank) ends before it or
    /// every byte is 0xFF, <see cref="D4iValueState.TemporarilyUnavailable"/> for TMASK.
    /// </summary>
    public static D4iQuantity Unsigned(ReadOnlySpan<byte> image, int location, int length, string unit, decimal factor = 1)
    {
        if (length is < 1 or > 8 || location < 0 || image.Length < location + length)
        {
            return new D4iQuantity(0, unit, D4iValueState.NotImplemented);
        }

        var bytes = image.Slice(location, length);
        bool highMask = !bytes[..^1].ContainsAnyExcept((byte)0xFF);
        if (highMask && bytes[^1] == 0xFF)
        {
            return new D4iQuantity(0, unit, D4iValueState.NotImplemented);
        }

        if (highMask && bytes[^1] == 0xFE)
        {
            return new D4iQuantity(0, unit, D4iValueState.TemporarilyUnavailable);
        }

        ulong raw = 0;
        foreach (byte b in bytes)
        {
            raw = (raw << 8) | b;
        }

        return new D4iQuantity(raw * factor, unit, D4iValueState.Valid);
    }

    /// <summary>A valid, non-zero identity number as decimal digits (left-padded with zeros to <paramref name="minimumDigits"/>); null otherwise.</summary>
    public static string? Digits(D4iQuantity? value, int minimumDigits) =>
        value is { IsValid: true } v && v.Value > 0 ? v.Value.ToString(new string('0', minimumDigits), CultureInfo.InvariantCulture) : null;
}
