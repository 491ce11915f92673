using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using City.Protocols.Snmp;

namespace City.Sim.Common;

/// <summary>Option factories shared by the commands.</summary>
internal static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print results as JSON on stdout (logs stay on stderr)" };

    /// <summary><c>--v3-user USER:AUTHPASS:PRIVPASS</c>: a read-write SNMPv3 user of a simulated agent (SHA-256, AES-128).</summary>
    public static Option<string?> V3User(string mayWrite)
    {
        var option = new Option<string?>("--v3-user") { Description = $"A read-write SNMPv3 user USER:AUTHPASS:PRIVPASS (SHA-256 authentication, AES-128 privacy; passwords of 8+ characters; {mayWrite})" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !TryParseV3User(text, out _))
            {
                result.AddError("--v3-user must be USER:AUTHPASS:PRIVPASS with passwords of at least 8 characters.");
            }
        });
        return option;
    }

    public static bool TryParseV3User(string text, out UsmUser? user)
    {
        user = null;
        var parts = text.Split(':');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length < 8 || parts[2].Length < 8)
        {
            return false;
        }

        user = new UsmUser(parts[0], SnmpAuthProtocol.Sha256, parts[1], SnmpPrivProtocol.Aes128, parts[2]);
        return true;
    }

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
