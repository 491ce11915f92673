using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Snmp;

namespace City.EdgeCtl.Snmp;

/// <summary>What a request needs: the target (version, credentials, timeout, retries) and the agent as the user wrote it.</summary>
internal sealed record SnmpRequestSettings(SnmpTarget Target, string AgentText);

/// <summary>net-snmp's common flags (snmpcmd(1)): -v -c -u -l -a -A -x -X -t -r.</summary>
internal sealed class SnmpOptions
{
    private const int DefaultPort = 161;

    private readonly Option<string> _version = new("-v") { Description = "1|2c|3 (default 3, as net-snmp's snmpget on this machine)", DefaultValueFactory = _ => "3" };
    private readonly Option<string> _community = new("-c") { Description = "Community (v1/v2c)", DefaultValueFactory = _ => "public" };
    private readonly Option<string?> _user = new("-u") { Description = "USM user name (v3)" };
    private readonly Option<string?> _level = new("-l") { Description = "noAuthNoPriv|authNoPriv|authPriv (default: the strongest the given passwords allow)" };
    private readonly Option<string> _authProtocol = new("-a") { Description = "MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 (default MD5, as net-snmp)", DefaultValueFactory = _ => "MD5" };
    private readonly Option<string?> _authPassword = new("-A") { Description = "Authentication passphrase (at least 8 characters)" };
    private readonly Option<string> _privProtocol = new("-x") { Description = "AES (AES-128; DES is not supported)", DefaultValueFactory = _ => "AES" };
    private readonly Option<string?> _privPassword = new("-X") { Description = "Privacy passphrase (at least 8 characters)" };
    private readonly Option<double> _timeout = new("-t") { Description = "Timeout of each attempt in seconds (default 1, as net-snmp)", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _retries = new("-r") { Description = "Retries after the first attempt (default 5, as net-snmp)", DefaultValueFactory = _ => 5 };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _version, _community, _user, _level, _authProtocol, _authPassword, _privProtocol, _privPassword, _timeout, _retries })
        {
            command.Options.Add(option);
        }
    }

    public SnmpRequestSettings Read(ParseResult parse, string agentText)
    {
        IPEndPoint endPoint = ParseAgent(agentText);
        double seconds = parse.GetValue(_timeout);
        int retries = parse.GetValue(_retries);
        if (!(seconds > 0 && seconds <= 3600))
        {
            throw new SnmpCliException("-t must be a number of seconds above 0");
        }

        if (retries is < 0 or > 100)
        {
            throw new SnmpCliException("-r must be 0..100");
        }

        SnmpTarget target = parse.GetValue(_version) switch
        {
            "1" => SnmpTarget.V1(endPoint, parse.GetValue(_community)!),
            "2c" => SnmpTarget.V2c(endPoint, parse.GetValue(_community)!),
            "3" => V3(parse, endPoint),
            string other => throw new SnmpCliException($"-v {other}: must be 1, 2c or 3"),
            null => throw new SnmpCliException("-v needs a value"),
        };
        return new SnmpRequestSettings(target with { Timeout = TimeSpan.FromSeconds(seconds), Retries = retries }, agentText);
    }

    private SnmpTarget V3(ParseResult parse, IPEndPoint endPoint)
    {
        string user = parse.GetValue(_user) is { Length: > 0 } name ? name : throw new SnmpCliException("-v 3 needs -u USER");
        string? authPassword = parse.GetValue(_authPassword);
        string? privPassword = parse.GetValue(_privPassword);
        SnmpSecurityLevel level = parse.GetValue(_level) switch
        {
            null => privPassword is not null && authPassword is not null ? SnmpSecurityLevel.AuthPriv
                : authPassword is not null ? SnmpSecurityLevel.AuthNoPriv : SnmpSecurityLevel.NoAuthNoPriv,
            string text when text.Equals("noAuthNoPriv", StringComparison.OrdinalIgnoreCase) || text == "1" => SnmpSecurityLevel.NoAuthNoPriv,
            string text when text.Equals("authNoPriv", StringComparison.OrdinalIgnoreCase) || text == "2" => SnmpSecurityLevel.AuthNoPriv,
            string text when text.Equals("authPriv", StringComparison.OrdinalIgnoreCase) || text == "3" => SnmpSecurityLevel.AuthPriv,
            string text => throw new SnmpCliException($"-l {text}: must be noAuthNoPriv, authNoPriv or authPriv"),
        };

        SnmpAuthProtocol auth = SnmpAuthProtocol.None;
        SnmpPrivProtocol priv = SnmpPrivProtocol.None;
        if (level != SnmpSecurityLevel.NoAuthNoPriv)
        {
            auth = ParseAuth(parse.GetValue(_authProtocol)!);
            if (authPassword is null)
            {
                throw new SnmpCliException($"-l {LevelName(level)} needs -A PASSPHRASE");
            }
        }

        if (level == SnmpSecurityLevel.AuthPriv)
        {
            string privName = parse.GetValue(_privProtocol)!;
            priv = privName.Equals("AES", StringComparison.OrdinalIgnoreCase) || privName.Equals("AES128", StringComparison.OrdinalIgnoreCase)
                ? SnmpPrivProtocol.Aes128
                : throw new SnmpCliException($"-x {privName}: only AES (AES-128) is supported");
            if (privPassword is null)
            {
                throw new SnmpCliException("-l authPriv needs -X PASSPHRASE");
            }
        }

        if (auth != SnmpAuthProtocol.None && authPassword!.Length < 8)
        {
            throw new SnmpCliException("-A: the passphrase is below the length the USM requires (at least 8 characters)");
        }

        if (priv != SnmpPrivProtocol.None && privPassword!.Length < 8)
        {
            throw new SnmpCliException("-X: the passphrase is below the length the USM requires (at least 8 characters)");
        }

        var usmUser = new UsmUser(user, auth, auth == SnmpAuthProtocol.None ? null : authPassword, priv, priv == SnmpPrivProtocol.None ? null : privPassword);
        return SnmpTarget.V3(endPoint, usmUser, level);
    }

    private static string LevelName(SnmpSecurityLevel level) => level switch
    {
        SnmpSecurityLevel.AuthNoPriv => "authNoPriv",
        SnmpSecurityLevel.AuthPriv => "authPriv",
        _ => "noAuthNoPriv",
    };

    internal static SnmpAuthProtocol ParseAuth(string name) => SnmpAuthProtocolNames.TryParse(name, out var protocol)
        ? protocol
        : throw new SnmpCliException($"-a {name}: must be MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512");

    /// <summary>HOST, HOST:PORT, udp:HOST[:PORT], [IPv6]:PORT; a host name is resolved (IPv4 preferred).</summary>
    internal static IPEndPoint ParseAgent(string text)
    {
        string rest = text.StartsWith("udp:", StringComparison.OrdinalIgnoreCase) ? text[4..] : text;
        string host = rest;
        int port = DefaultPort;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new SnmpCliException($"{text}: missing ] after the IPv6 address");
            }

            host = rest[1..close];
            string after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                port = after.StartsWith(':') ? ParsePort(after[1..], text) : throw new SnmpCliException($"{text}: expected :PORT after ]");
            }
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = rest[..colon];
            port = ParsePort(rest[(colon + 1)..], text);
        }

        if (host.Length == 0)
        {
            throw new SnmpCliException($"{text}: no host");
        }

        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new SnmpCliException($"{host}: unknown host ({e.Message})");
        }

        IPAddress chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault() ?? throw new SnmpCliException($"{host}: unknown host");
        return new IPEndPoint(chosen, port);
    }

    private static int ParsePort(string text, string agent) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? port
            : throw new SnmpCliException($"{agent}: the port must be 1..65535");
}
