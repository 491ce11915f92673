namespace City.Protocols.Modbus.Tests;

internal static class Hex
{
    /// <summary>Parses hex written with spaces between bytes, as in the spec's examples.</summary>
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
