namespace City.Fuzzing.Targets;

/// <summary>Hex as the specifications and unit tests print it ("42 01 0014"), spaces ignored.</summary>
internal static class SeedHex
{
    public static byte[] Parse(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));
}
