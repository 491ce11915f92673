using System.Globalization;

namespace City.Protocols.MBus;

/// <summary>
/// A secondary address (EN 13757-3, 7.4 and the selection of 7.5): the 8-digit identification number (BCD), the
/// manufacturer (three letters packed in 15 bits), the version and the medium. As a selection pattern any digit of the
/// identification may be the wildcard nibble 0xF and the other fields their all-ones wildcard (0xFFFF, 0xFF, 0xFF).
/// Held as the 8 bytes of the selection (least significant byte first), so a pattern and an address are the same type.
/// </summary>
public readonly record struct MBusSecondaryAddress(uint IdentificationBcd, ushort Manufacturer, byte Version, byte Medium)
{
    public const ushort AnyManufacturer = 0xFFFF;
    public const byte AnyVersion = 0xFF;
    public const byte AnyMedium = 0xFF;

    /// <summary>The pattern every slave matches.</summary>
    public static MBusSecondaryAddress Wildcard { get; } = new(0xFFFF_FFFF, AnyManufacturer, AnyVersion, AnyMedium);

    /// <summary>The 8 identification digits, most significant first; a wildcard digit shows as 'F'.</summary>
    public string Identification => IdentificationBcd.ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>Whether any field is (partly) a wildcard.</summary>
    public bool IsPattern =>
        Identification.Contains('F', StringComparison.Ordinal) || Manufacturer == AnyManufacturer || Version == AnyVersion || Medium == AnyMedium;

    /// <summary>The 16 hex digits libmbus and most tools print: id, manufacturer, version, medium (e.g. 12345678A5112804).</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{IdentificationBcd:X8}{(byte)Manufacturer:X2}{(byte)(Manufacturer >> 8):X2}{Version:X2}{Medium:X2}");

    /// <summary>The 8 bytes of a selection (CI 0x52) or of a header: id LSB first, manufacturer LSB first, version, medium.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)IdentificationBcd;
        destination[1] = (byte)(IdentificationBcd >> 8);
        destination[2] = (byte)(IdentificationBcd >> 16);
        destination[3] = (byte)(IdentificationBcd >> 24);
        destination[4] = (byte)Manufacturer;
        destination[5] = (byte)(Manufacturer >> 8);
        destination[6] = Version;
        destination[7] = Medium;
    }

    public static MBusSecondaryAddress Read(ReadOnlySpan<byte> source) => new(
        (uint)(source[0] | source[1] << 8 | source[2] << 16 | source[3] << 24),
        (ushort)(source[4] | source[5] << 8),
        source[6],
        source[7]);

    /// <summary>Whether a slave with address <paramref name="slave"/> takes this pattern as its selection.</summary>
    public bool Matches(MBusSecondaryAddress slave)
    {
        for (int shift = 0; shift < 32; shift += 4)
        {
            uint digit = (IdentificationBcd >> shift) & 0xF;
            if (digit != 0xF && digit != ((slave.IdentificationBcd >> shift) & 0xF))
            {
                return false;
            }
        }

        return (Manufacturer == AnyManufacturer || Manufacturer == slave.Manufacturer)
            && (Version == AnyVersion || Version == slave.Version)
            && (Medium == AnyMedium || Medium == slave.Medium);
    }

    /// <summary>This pattern with identification digit <paramref name="position"/> (0 = most significant) set to <paramref name="digit"/>.</summary>
    public MBusSecondaryAddress WithDigit(int position, int digit)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)position, 7u, nameof(position));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)digit, 15u, nameof(digit));
        int shift = (7 - position) * 4;
        uint id = (IdentificationBcd & ~(0xFu << shift)) | ((uint)digit << shift);
        return this with { IdentificationBcd = id };
    }

    /// <summary>
    /// Parses 16 hex digits (id, manufacturer, version, medium as <see cref="ToString"/> prints them; F = wildcard), or
    /// just the 8 identification digits (the other fields then wildcards).
    /// </summary>
    public static bool TryParse(string? text, out MBusSecondaryAddress address)
    {
        address = default;
        if (text is null || (text.Length != 8 && text.Length != 16))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        uint id = uint.Parse(text.AsSpan(0, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        for (int shift = 0; shift < 32; shift += 4)
        {
            uint digit = (id >> shift) & 0xF;
            if (digit is >= 0xA and < 0xF)
            {
                return false;
            }
        }

        if (text.Length == 8)
        {
            address = Wildcard with { IdentificationBcd = id };
            return true;
        }

        byte Byte(int at) => byte.Parse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        address = new MBusSecondaryAddress(id, (ushort)(Byte(8) | Byte(10) << 8), Byte(12), Byte(14));
        return true;
    }

    /// <summary>Three letters (A-Z) packed as EN 13757-3 6.3.2 / EN 62056-21 do: ((c1-64)*32 + (c2-64))*32 + (c3-64).</summary>
    public static ushort PackManufacturer(string letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Length != 3 || !letters.All(c => c is >= 'A' and <= 'Z'))
        {
            throw new ArgumentException($"A manufacturer code is three letters A-Z; got '{letters}'.", nameof(letters));
        }

        return (ushort)(((letters[0] - 64) << 10) | ((letters[1] - 64) << 5) | (letters[2] - 64));
    }

    /// <summary>The three letters of a packed manufacturer code (a 5-bit value outside 1-26 gives the character 64 + value, as other tools print it).</summary>
    public static string ManufacturerLetters(ushort packed)
    {
        static char Letter(int value) => (char)(value + 64);
        return string.Concat(Letter((packed >> 10) & 0x1F), Letter((packed >> 5) & 0x1F), Letter(packed & 0x1F));
    }
}
