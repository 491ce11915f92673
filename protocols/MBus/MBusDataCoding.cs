using System.Buffers.Binary;
using System.Globalization;

namespace City.Protocols.MBus;

/// <summary>The data field of a DIF (its low 4 bits, EN 13757-3 table 4).</summary>
public enum MBusDataCoding
{
    None = 0x0,
    Int8 = 0x1,
    Int16 = 0x2,
    Int24 = 0x3,
    Int32 = 0x4,
    Real32 = 0x5,
    Int48 = 0x6,
    Int64 = 0x7,
    SelectionForReadout = 0x8,
    Bcd2 = 0x9,
    Bcd4 = 0xA,
    Bcd6 = 0xB,
    Bcd8 = 0xC,
    VariableLength = 0xD,
    Bcd12 = 0xE,
    Special = 0xF,
}

/// <summary>Pure decoders of the data types of EN 13757-3 annex A (types A, B, F, G, H, I), least significant byte first.</summary>
public static class MBusDataTypes
{
    /// <summary>Bytes of a fixed-length data field; -1 for variable length and special functions.</summary>
    public static int FixedLength(MBusDataCoding coding) => coding switch
    {
        MBusDataCoding.None or MBusDataCoding.SelectionForReadout => 0,
        MBusDataCoding.Int8 or MBusDataCoding.Bcd2 => 1,
        MBusDataCoding.Int16 or MBusDataCoding.Bcd4 => 2,
        MBusDataCoding.Int24 or MBusDataCoding.Bcd6 => 3,
        MBusDataCoding.Int32 or MBusDataCoding.Real32 or MBusDataCoding.Bcd8 => 4,
        MBusDataCoding.Int48 or MBusDataCoding.Bcd12 => 6,
        MBusDataCoding.Int64 => 8,
        _ => -1,
    };

    /// <summary>Type B: a signed (two's complement) integer of 1-8 bytes.</summary>
    public static long SignedInteger(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > 8)
        {
            throw new ArgumentException("An integer field is 1-8 bytes.", nameof(bytes));
        }

        long value = 0;
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        int unused = 64 - (8 * bytes.Length);
        return unused == 0 ? value : (value << unused) >> unused;
    }

    /// <summary>Unsigned integer of 1-8 bytes (identifiers, counters of the extension tables).</summary>
    public static ulong UnsignedInteger(ReadOnlySpan<byte> bytes)
    {
        ulong value = 0;
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    /// <summary>IEEE 754 single precision (type H), least significant byte first.</summary>
    public static float Real32(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadSingleLittleEndian(bytes);

    /// <summary>
    /// Type A: packed BCD, least significant byte first. A most significant digit of 0xF makes the number negative (the
    /// other digits give its magnitude). False when any other digit is 0xA-0xF.
    /// </summary>
    public static bool TryBcd(ReadOnlySpan<byte> bytes, out long value)
    {
        value = 0;
        bool negative = false;
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            int high = bytes[i] >> 4;
            int low = bytes[i] & 0xF;
            if (i == bytes.Length - 1 && high == 0xF)
            {
                negative = true;
                high = 0;
            }

            if (high > 9 || low > 9)
            {
                value = 0;
                return false;
            }

            value = (value * 100) + (high * 10) + low;
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>The fields of a type G date (2 bytes), F date-time (4 bytes) or I date-time with seconds (6 bytes).</summary>
    public readonly record struct Timestamp(int Year, int Month, int Day, int Hour, int Minute, int Second, bool Invalid, bool SummerTime, bool HasTime)
    {
        /// <summary>The instant when the fields make one (a valid calendar date and time), else null.</summary>
        public DateTime? ToDateTime()
        {
            if (Invalid || Month is < 1 or > 12 || Day < 1 || Day > DateTime.DaysInMonth(Year, Month) || Hour > 23 || Minute > 59 || Second > 59)
            {
                return null;
            }

            return new DateTime(Year, Month, Day, Hour, Minute, Second, DateTimeKind.Unspecified);
        }

        /// <summary>ISO text of the fields as they are (yyyy-MM-dd, or yyyy-MM-ddTHH:mm:ss), even when they make no valid date.</summary>
        public override string ToString() => HasTime
            ? string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}-{Day:D2}T{Hour:D2}:{Minute:D2}:{Second:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}-{Day:D2}");
    }

    /// <summary>Type G (date) from 2 bytes, type F (date and time to the minute) from 4, type I (to the second) from 6; null otherwise.</summary>
    public static Timestamp? DateFields(ReadOnlySpan<byte> bytes)
    {
        switch (bytes.Length)
        {
            case 2:
                return new Timestamp(Year(bytes[0], bytes[1]), bytes[1] & 0x0F, bytes[0] & 0x1F, 0, 0, 0, Invalid: false, SummerTime: false, HasTime: false);
            case 4:
                return new Timestamp(
                    Year(bytes[2], bytes[3]), bytes[3] & 0x0F, bytes[2] & 0x1F, bytes[1] & 0x1F, bytes[0] & 0x3F, 0,
                    Invalid: (bytes[0] & 0x80) != 0, SummerTime: (bytes[1] & 0x80) != 0, HasTime: true);
            case 6:
                return new Timestamp(
                    Year(bytes[3], bytes[4]), bytes[4] & 0x0F, bytes[3] & 0x1F, bytes[2] & 0x1F, bytes[1] & 0x3F, bytes[0] & 0x3F,
                    Invalid: (bytes[1] & 0x80) != 0, SummerTime: (bytes[0] & 0x40) != 0, HasTime: true);
            default:
                return null;
        }
    }

    /// <summary>
    /// The 7-bit year: 3 low bits in the day byte's top, 4 high bits in the month byte's top; two digits of a year, 0-80 taken
    /// as 2000-2080 and 81-127 as 1981-2027 (the usual reading, libmbus's too).
    /// </summary>
    private static int Year(byte dayByte, byte monthByte)
    {
        int year = ((dayByte & 0xE0) >> 5) | ((monthByte & 0xF0) >> 1);
        return year <= 80 ? 2000 + year : 1900 + year;
    }

    /// <summary>Encodes a type F date-time (for simulators): minute, hour (with summer-time flag), day, month and the 7-bit year.</summary>
    public static void WriteDateTimeF(DateTime time, Span<byte> destination)
    {
        int year = time.Year - 2000;
        destination[0] = (byte)time.Minute;
        destination[1] = (byte)time.Hour;
        destination[2] = (byte)(time.Day | ((year & 0x07) << 5));
        destination[3] = (byte)(time.Month | ((year & 0x78) << 1));
    }

    /// <summary>Encodes a type G date (for simulators).</summary>
    public static void WriteDateG(DateTime date, Span<byte> destination)
    {
        int year = date.Year - 2000;
        destination[0] = (byte)(date.Day | ((year & 0x07) << 5));
        destination[1] = (byte)(date.Month | ((year & 0x78) << 1));
    }

    /// <summary>Packs a non-negative value into <paramref name="destination"/>.Length bytes of BCD, least significant byte first.</summary>
    public static void WriteBcd(long value, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        for (int i = 0; i < destination.Length; i++)
        {
            int pair = (int)(value % 100);
            value /= 100;
            destination[i] = (byte)(((pair / 10) << 4) | (pair % 10));
        }
    }
}
