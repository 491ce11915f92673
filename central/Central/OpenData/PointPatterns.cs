using System.Text;
using System.Text.RegularExpressions;

namespace City.Central.OpenData;

/// <summary>
/// An allow-list of <c>gateway/point</c> patterns where <c>*</c> stands for any run of characters (slashes included) and
/// everything else is literal: <c>gw-001/tc-snmp/detector-volume/*</c>, <c>*/*/detector-volume/*</c>. Empty: nothing allowed.
/// </summary>
internal sealed class PointPatterns
{
    private readonly Regex[] _patterns;

    public PointPatterns(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        _patterns = [.. patterns.Select(Compile)];
    }

    public bool Allows(string gatewayId, string pointId) =>
        _patterns.Any(p => p.IsMatch(gatewayId + "/" + pointId));

    private static Regex Compile(string pattern)
    {
        var regex = new StringBuilder("^");
        var parts = pattern.Split('*');
        for (var i = 0; i < parts.Length; i++)
        {
            regex.Append(i > 0 ? ".*" : string.Empty).Append(Regex.Escape(parts[i]));
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
