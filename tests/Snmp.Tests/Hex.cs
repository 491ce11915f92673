namespace City.Protocols.Snmp.Tests;

internal static class Hex
{
    /// <summary>Bytes from hex text that may contain spaces and line breaks (as net-snmp's -d dump shows them).</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(new string(text.Where(Uri.IsHexDigit).ToArray()));
}
