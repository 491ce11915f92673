using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;

namespace City.Sim.Common;

/// <summary>Option factories shared by the commands.</summary>
internal static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print results as JSON on stdout (logs stay on stderr)" };

    public static Option<int> Int(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result => CheckRange(result, option, min, max));
        return option;
    }

    public static Option<double> Double(string name, string description, double defaultValue, double min, double max)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= min && value <= max))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min} and {max}."));
            }
        });
        return option;
    }

    /// <summary>host:port, where host is an IP address or a name resolved at connection time.</summary>
    public static bool TryParseHostPort(string text, int defaultPort, out string host, out int port)
    {
        host = text;
        port = defaultPort;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IPEndPoint.TryParse(text, out var endPoint) && (text.Contains(']', StringComparison.Ordinal) || text.Count(c => c == ':') == 1))
        {
            host = endPoint.Address.ToString();
            port = endPoint.Port == 0 ? defaultPort : endPoint.Port;
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return true;
        }

        host = text[..colon];
        return host.Length > 0
            && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port is > 0 and <= 65535;
    }

    private static void CheckRange(OptionResult result, Option<int> option, int min, int max)
    {
        var value = result.GetValueOrDefault<int>();
        if (value < min || value > max)
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min} and {max}."));
        }
    }
}
