using System.Globalization;
using System.IO.Ports;

namespace City.EdgeCtl.Modbus;

internal enum ModbusTransportKind
{
    Tcp,
    Rtu,
}

/// <summary>
/// Where an ad-hoc Modbus command goes: <c>tcp://HOST[:PORT]</c> (port 502 by default, IPv6 in brackets) or
/// <c>rtu://PORT?baud=19200&amp;parity=even&amp;stop=1&amp;data=8</c> (for example <c>rtu:///dev/ttyUSB0</c>; defaults 19200 8E1).
/// Parsing is pure: no name resolution, no I/O.
/// </summary>
internal sealed record ModbusEndpoint
{
    public const int DefaultTcpPort = 502;

    private ModbusEndpoint(ModbusTransportKind kind, string target)
    {
        Kind = kind;
        Target = target;
    }

    public ModbusTransportKind Kind { get; }

    /// <summary>TCP host name or address (brackets removed), or the serial port path.</summary>
    public string Target { get; }

    public int Port { get; private init; }

    public int BaudRate { get; private init; } = 19200;

    public Parity Parity { get; private init; } = Parity.Even;

    public StopBits StopBits { get; private init; } = StopBits.One;

    public int DataBits { get; private init; } = 8;

    public static bool TryParse(string? text, out ModbusEndpoint? endpoint, out string error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty endpoint (expected tcp://HOST:PORT or rtu:///dev/ttyX?baud=19200&parity=even&stop=1)";
            return false;
        }

        if (text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseTcp(text, out endpoint, out error);
        }

        if (text.StartsWith("rtu://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseRtu(text, out endpoint, out error);
        }

        error = $"bad endpoint '{text}': expected tcp://HOST:PORT or rtu:///dev/ttyX?baud=19200&parity=even&stop=1";
        return false;
    }

    /// <summary>Canonical form used in messages: <c>tcp://127.0.0.1:502</c>, <c>tcp://[::1]:502</c>, <c>rtu:///dev/ttyUSB0</c>.</summary>
    public override string ToString() => Kind == ModbusTransportKind.Tcp
        ? $"tcp://{(Target.Contains(':', StringComparison.Ordinal) ? $"[{Target}]" : Target)}:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"rtu://{Target}";

    private static bool TryParseTcp(string text, out ModbusEndpoint? endpoint, out string error)
    {
        endpoint = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.HostNameType == UriHostNameType.Unknown || uri.Host.Length == 0)
        {
            error = $"bad endpoint '{text}': expected tcp://HOST:PORT";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath is not ("/" or ""))
        {
            error = $"bad endpoint '{text}': a tcp endpoint is only tcp://HOST:PORT";
            return false;
        }

        int port = uri.IsDefaultPort || uri.Port < 0 ? DefaultTcpPort : uri.Port;
        if (port is < 1 or > 65535)
        {
            error = $"bad endpoint '{text}': port must be 1-65535";
            return false;
        }

        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        endpoint = new ModbusEndpoint(ModbusTransportKind.Tcp, host) { Port = port };
        error = string.Empty;
        return true;
    }

    private static bool TryParseRtu(string text, out ModbusEndpoint? endpoint, out string error)
    {
        endpoint = null;
        string rest = text["rtu://".Length..];
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? rest : rest[..question];
        string query = question < 0 ? string.Empty : rest[(question + 1)..];
        if (path.Length == 0 || path == "/")
        {
            error = $"bad endpoint '{text}': missing serial port (rtu:///dev/ttyUSB0)";
            return false;
        }

        int baud = 19200;
        Parity parity = Parity.Even;
        StopBits stop = StopBits.One;
        int data = 8;
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? pair : pair[..equals];
            string value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            bool ok = key.ToLowerInvariant() switch
            {
                "baud" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out baud) && baud is >= 300 and <= 4_000_000,
                "parity" => TryParseParity(value, out parity),
                "stop" => TryParseStopBits(value, out stop),
                "data" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out data) && data is 7 or 8,
                _ => false,
            };
            if (!ok)
            {
                error = key.ToLowerInvariant() is "baud" or "parity" or "stop" or "data"
                    ? $"bad endpoint '{text}': bad {key} '{value}' (baud 300-4000000, parity none|even|odd|mark|space, stop 1|1.5|2, data 7|8)"
                    : $"bad endpoint '{text}': unknown parameter '{key}' (known: baud, parity, stop, data)";
                return false;
            }
        }

        endpoint = new ModbusEndpoint(ModbusTransportKind.Rtu, path) { BaudRate = baud, Parity = parity, StopBits = stop, DataBits = data };
        error = string.Empty;
        return true;
    }

    private static bool TryParseParity(string value, out Parity parity)
    {
        (bool ok, parity) = value.ToLowerInvariant() switch
        {
            "none" or "n" => (true, Parity.None),
            "even" or "e" => (true, Parity.Even),
            "odd" or "o" => (true, Parity.Odd),
            "mark" or "m" => (true, Parity.Mark),
            "space" or "s" => (true, Parity.Space),
            _ => (false, Parity.None),
        };
        return ok;
    }

    private static bool TryParseStopBits(string value, out StopBits stop)
    {
        (bool ok, stop) = value switch
        {
            "1" => (true, StopBits.One),
            "1.5" => (true, StopBits.OnePointFive),
            "2" => (true, StopBits.Two),
            _ => (false, StopBits.None),
        };
        return ok;
    }
}
