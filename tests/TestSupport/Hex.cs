namespace City.TestSupport;

public static class Hex
{
    /// <summary>Parses hex written with spaces or line breaks between bytes, as in the specs' examples and net-snmp's -d dumps.</summary>
    public static byte[] Parse(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
