using System.Globalization;
using City.Protocols.MBus;

namespace City.EdgeCtl.MBus;

/// <summary>
/// Where an M-Bus command goes: <c>serial:///dev/ttyX</c>, optionally <c>?baud=2400</c> (300-38400) and <c>&amp;parity=even</c>
/// (EN 13757-2 fixes 8E1; <c>none</c> only for links that cannot carry parity, such as a Linux pseudo-terminal). Parsing is pure.
/// </summary>
internal static class MBusEndpoint
{
    public static bool TryParse(string? text, out MBusSerialSettings? settings, out string error)
    {
        settings = null;
        const string Expected = "expected serial:///dev/ttyX[?baud=2400&parity=even]";
        if (string.IsNullOrWhiteSpace(text) || !text.StartsWith("serial://", StringComparison.OrdinalIgnoreCase))
        {
            error = $"bad endpoint '{text}': {Expected}";
            return false;
        }

        string rest = text["serial://".Length..];
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? rest : rest[..question];
        string query = question < 0 ? string.Empty : rest[(question + 1)..];
        if (path.Length <= 1 || path[0] != '/')
        {
            error = $"bad endpoint '{text}': missing serial port ({Expected})";
            return false;
        }

        int baud = 2400;
        var parity = System.IO.Ports.Parity.Even;
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] keyValue = pair.Split('=', 2);
            string key = keyValue[0].ToLowerInvariant();
            string value = keyValue.Length == 2 ? keyValue[1] : string.Empty;
            if (key == "baud")
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out baud) || baud is < 300 or > 38400)
                {
                    error = $"bad endpoint '{text}': baud must be 300-38400 (got '{value}')";
                    return false;
                }
            }
            else if (key == "parity")
            {
                if (value.ToLowerInvariant() is not ("even" or "none"))
                {
                    error = $"bad endpoint '{text}': parity must be even or none (got '{value}')";
                    return false;
                }

                parity = value.Equals("none", StringComparison.OrdinalIgnoreCase) ? System.IO.Ports.Parity.None : System.IO.Ports.Parity.Even;
            }
            else
            {
                error = $"bad endpoint '{text}': unknown parameter '{keyValue[0]}' (known: baud, parity)";
                return false;
            }
        }

        settings = new MBusSerialSettings(path) { BaudRate = baud, Parity = parity };
        error = string.Empty;
        return true;
    }
}
