using System.Net;
using City.Edge.Configuration;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Snmp;

/// <summary>How an SNMP object becomes a point value.</summary>
internal enum SnmpPointKind
{
    /// <summary>An integer, counter, gauge or timeticks, scaled; with a Bit, one bit of it (a bool).</summary>
    Number,

    /// <summary>An INTEGER read as a TruthValue: 1 is true, anything else false.</summary>
    Bool,

    /// <summary>An OCTET STRING as UTF-8 (other types as their text).</summary>
    Text,

    /// <summary>A BITS octet string (bit 0 = most significant bit of the first octet): the set bit numbers as text, or with a Bit one of them.</summary>
    Bits,

    /// <summary>The device's event point: alarm changes and traps as text.</summary>
    Event,
}

/// <summary>The SNMP side of a point: the instance OID read or written and, for a table row, its column and row.</summary>
internal sealed record SnmpPointSettings(Oid Oid, SnmpPointKind Kind, Oid? Column = null, uint? Row = null, bool Alarm = false);

/// <summary>A validated SNMP device: version, community or v3 user, timeout, retries, walk size.</summary>
internal sealed record SnmpDeviceSettings(SnmpVersion Version, string Community, UsmUser? User, SnmpSecurityLevel SecurityLevel, int MaxRepetitions)
{
    /// <summary>The agent's IP address.</summary>
    public string Host { get; init; } = string.Empty;

    public int Port { get; init; } = 161;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    public int Retries { get; init; }

    /// <summary>The manager's target for this device; the USM user (and its derived keys) is shared.</summary>
    public SnmpTarget Target()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(Host), Port);
        return new SnmpTarget(endPoint)
        {
            Version = Version,
            Community = Community,
            User = User,
            SecurityLevel = SecurityLevel,
            Timeout = Timeout,
            Retries = Retries,
        };
    }

    /// <summary>Without the community (a record would print it): whatever logs a device definition logs no secret.</summary>
    public override string ToString() =>
        $"{nameof(SnmpDeviceSettings)} {{ Version = {Version}, Host = {Host}, Port = {Port}, User = {User?.Name}, SecurityLevel = {SecurityLevel}, Community = {(Version == SnmpVersion.V3 ? "" : "***")} }}";
}

/// <summary>Validates devices with <c>"Protocol": "snmp"</c> and Edge:Snmp; every problem names its key.</summary>
internal static class SnmpDeviceConfig
{
    public const string SnmpProtocol = "snmp";

    public const string EventPointPrefix = "snmp/";

    public static void ValidateEdge(SnmpEdgeOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        if (!string.IsNullOrWhiteSpace(options.TrapListen) && !IPEndPoint.TryParse(options.TrapListen, out _))
        {
            errors.Add($"{EdgeOptions.SectionName}:Snmp:TrapListen: must be address:port such as 127.0.0.1:10162 (got '{options.TrapListen}')");
        }
    }

    /// <summary>The event point id of a device: $edge/snmp/{device}/events.</summary>
    public static string EventPointName(string device) => $"{EventPointPrefix}{device}/events";

    public static DeviceDefinition? Validate(IConfigurationSection section, string key, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        var device = section.Get<SnmpDeviceOptions>() ?? new SnmpDeviceOptions();
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(device.Host) || !IPAddress.TryParse(device.Host, out _))
        {
            errors.Add($"{key}:Host: an snmp device needs an IP address (got '{device.Host}')");
        }

        Range(errors, $"{key}:Port", device.Port ?? 161, 1, 65535);
        Range(errors, $"{key}:TimeoutMs", device.TimeoutMs ?? 1000, 10, 60_000);
        Range(errors, $"{key}:Retries", device.Retries, 0, 10);
        Range(errors, $"{key}:MaxRepetitions", device.MaxRepetitions ?? 10, 1, 1000);
        if (section["Line"] is not null)
        {
            errors.Add($"{key}:Line: only a modbus-rtu device may set Line (this one is 'snmp')");
        }

        var settings = ValidateSecurity(device, key, errors);
        var points = new List<SnmpPoint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? profileName = null;
        // Each point with its key and, for the device's own points, its configuration entry (a profile's points have none).
        var all = new List<(SnmpPointOptions Point, string Key, IConfigurationSection? Entry)>();
        if (device.Profile is not null)
        {
            if (string.Equals(device.Profile, Ntcip1202Profile.Name, StringComparison.OrdinalIgnoreCase))
            {
                profileName = Ntcip1202Profile.Name;
                var profilePoints = Ntcip1202Profile.Points();
                all.AddRange(profilePoints.Select((p, i) => (p, $"{key}:Profile:{Ntcip1202Profile.Name}:Points:{i}", (IConfigurationSection?)null)));
            }
            else
            {
                errors.Add($"{key}:Profile: no snmp profile named '{device.Profile}' (known: {Ntcip1202Profile.Name})");
            }
        }

        all.AddRange(device.Points.Select((p, i) => (p, $"{key}:Points:{i}", (IConfigurationSection?)section.GetSection($"Points:{i}"))));
        if (all.Count == 0 && device.Profile is null)
        {
            errors.Add($"{key}:Points: a device needs at least one point (or a Profile)");
        }

        foreach (var (point, pkey, entry) in all)
        {
            if (!ConfigChecks.IsValidName(point.Name))
            {
                errors.Add($"{pkey}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{point.Name}')");
                continue;
            }

            if (!names.Add(point.Name))
            {
                errors.Add($"{pkey}:Name: '{point.Name}' is used by another point of device '{device.Name}'");
                continue;
            }

            points.AddRange(ValidatePoint(point, entry, pkey, device.Name, errors));
        }

        if (errors.Count > before || settings is null)
        {
            return null;
        }

        points.Add(new SnmpPoint("$edge", EventPointName(device.Name), new SnmpPointSettings(Oid.Parse("0.0"), SnmpPointKind.Event), PointType.Text,
            string.Empty, ConfigChecks.MaxPeriodMs, $"Events of SNMP device {device.Name}: alarm bits set/cleared and traps"));
        var full = settings with
        {
            Host = device.Host,
            Port = device.Port ?? 161,
            Timeout = TimeSpan.FromMilliseconds(device.TimeoutMs ?? 1000),
            Retries = device.Retries,
        };
        return new DeviceDefinition(device.Name, SnmpProtocol, $"{full.Host}:{full.Port}", points, device.Enabled)
        {
            Profile = profileName,
            Settings = full,
        };
    }

    private static SnmpDeviceSettings? ValidateSecurity(SnmpDeviceOptions device, string key, List<string> errors)
    {
        var version = (device.Version ?? "3").Trim().ToLowerInvariant();
        switch (version)
        {
            case "1" or "v1":
            case "2c" or "v2c":
                foreach (var (name, value) in new[] { ("User", device.User), ("SecurityLevel", device.SecurityLevel), ("AuthProtocol", device.AuthProtocol), ("AuthPassword", device.AuthPassword), ("PrivProtocol", device.PrivProtocol), ("PrivPassword", device.PrivPassword) })
                {
                    if (value is not null)
                    {
                        errors.Add($"{key}:{name}: only an SNMPv3 device has a {name} (this one is version {device.Version})");
                    }
                }

                if (string.IsNullOrEmpty(device.Community))
                {
                    errors.Add($"{key}:Community: a v1/v2c device needs a Community");
                    return null;
                }

                return new SnmpDeviceSettings(version.EndsWith('1') ? SnmpVersion.V1 : SnmpVersion.V2c, device.Community, null, SnmpSecurityLevel.NoAuthNoPriv, device.MaxRepetitions ?? 10);
            case "3" or "v3":
                break;
            default:
                errors.Add($"{key}:Version: must be 3, 2c or 1 (got '{device.Version}')");
                return null;
        }

        if (device.Community is not null)
        {
            errors.Add($"{key}:Community: an SNMPv3 device has no Community (it has a User)");
        }

        if (string.IsNullOrWhiteSpace(device.User) || device.User.Length > 32)
        {
            errors.Add($"{key}:User: an SNMPv3 device needs a User of 1-32 characters");
            return null;
        }

        var auth = SnmpAuthProtocol.None;
        if (device.AuthProtocol is not null && !SnmpAuthProtocolNames.TryParse(device.AuthProtocol, out auth))
        {
            errors.Add($"{key}:AuthProtocol: must be MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512 (got '{device.AuthProtocol}')");
            return null;
        }

        var priv = SnmpPrivProtocol.None;
        if (device.PrivProtocol is not null)
        {
            if (device.PrivProtocol.Trim().ToUpperInvariant() is "AES" or "AES128" or "AES-128")
            {
                priv = SnmpPrivProtocol.Aes128;
            }
            else
            {
                errors.Add($"{key}:PrivProtocol: must be AES (AES-128; got '{device.PrivProtocol}')");
                return null;
            }
        }

        var ok = true;
        ok &= Password(errors, $"{key}:AuthPassword", auth != SnmpAuthProtocol.None, device.AuthPassword, "AuthProtocol");
        ok &= Password(errors, $"{key}:PrivPassword", priv != SnmpPrivProtocol.None, device.PrivPassword, "PrivProtocol");
        if (priv != SnmpPrivProtocol.None && auth == SnmpAuthProtocol.None)
        {
            errors.Add($"{key}:PrivProtocol: privacy needs an AuthProtocol too (USM has no noAuthPriv)");
            ok = false;
        }

        var maxLevel = priv != SnmpPrivProtocol.None ? SnmpSecurityLevel.AuthPriv : auth != SnmpAuthProtocol.None ? SnmpSecurityLevel.AuthNoPriv : SnmpSecurityLevel.NoAuthNoPriv;
        var level = maxLevel;
        if (device.SecurityLevel is not null)
        {
            switch (device.SecurityLevel.Trim().ToLowerInvariant())
            {
                case "noauthnopriv": level = SnmpSecurityLevel.NoAuthNoPriv; break;
                case "authnopriv": level = SnmpSecurityLevel.AuthNoPriv; break;
                case "authpriv": level = SnmpSecurityLevel.AuthPriv; break;
                default:
                    errors.Add($"{key}:SecurityLevel: must be noAuthNoPriv, authNoPriv or authPriv (got '{device.SecurityLevel}')");
                    return null;
            }

            if (level > maxLevel)
            {
                errors.Add($"{key}:SecurityLevel: {device.SecurityLevel} needs {(level == SnmpSecurityLevel.AuthPriv ? "AuthProtocol and PrivProtocol" : "an AuthProtocol")}");
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        var user = new UsmUser(device.User, auth, device.AuthPassword, priv, device.PrivPassword);
        return new SnmpDeviceSettings(SnmpVersion.V3, string.Empty, user, level, device.MaxRepetitions ?? 10);
    }

    private static bool Password(List<string> errors, string key, bool needed, string? password, string protocolKey)
    {
        // The message never contains the password itself.
        if (needed && (password is null || password.Length < 8))
        {
            errors.Add($"{key}: must be at least 8 characters when {protocolKey} is set");
            return false;
        }

        if (!needed && password is not null)
        {
            errors.Add($"{key}: set without {protocolKey}");
            return false;
        }

        return true;
    }

    private static IEnumerable<SnmpPoint> ValidatePoint(SnmpPointOptions point, IConfigurationSection? entry, string pkey, string deviceName, List<string> errors)
    {
        var before = errors.Count;
        Oid? oid = null;
        if (string.IsNullOrWhiteSpace(point.Oid) || !Oid.TryParse(point.Oid.TrimStart('.'), out var parsed))
        {
            errors.Add($"{pkey}:Oid: an snmp point needs an OID such as 1.3.6.1.4.1.1206.4.2.1.3.9.0 (got '{point.Oid}')");
        }
        else
        {
            oid = parsed;
        }

        var kind = SnmpPointKind.Number;
        switch (point.DataType?.Trim().ToLowerInvariant())
        {
            case null or "number": kind = SnmpPointKind.Number; break;
            case "bool": kind = SnmpPointKind.Bool; break;
            case "text": kind = SnmpPointKind.Text; break;
            case "bits": kind = SnmpPointKind.Bits; break;
            default: errors.Add($"{pkey}:DataType: an snmp point is number, bool, text or bits (got '{point.DataType}')"); break;
        }

        if (point.Bit is { } bit && (bit < 0 || bit > (kind == SnmpPointKind.Bits ? 1023 : 63) || kind is SnmpPointKind.Bool or SnmpPointKind.Text))
        {
            errors.Add($"{pkey}:Bit: applies to a number (0-63) or bits (0-1023) point (got {bit} on a {point.DataType ?? "number"})");
        }

        var isBool = kind == SnmpPointKind.Bool || point.Bit is not null;
        var numeric = kind == SnmpPointKind.Number && point.Bit is null;
        if (point.Scale is { } scale && (!double.IsFinite(scale) || scale == 0 || !numeric))
        {
            errors.Add($"{pkey}:Scale: a finite non-zero number, for number points only (got {scale})");
        }

        if (point.Offset is { } offset && (!double.IsFinite(offset) || !numeric))
        {
            errors.Add($"{pkey}:Offset: a finite number, for number points only (got {offset})");
        }

        if (point.Alarm && !isBool)
        {
            errors.Add($"{pkey}:Alarm: only a bool point (DataType bool, or a Bit) can be an alarm");
        }

        if (point.Writable && (point.Bit is not null || kind == SnmpPointKind.Bits || point.Rows is not null))
        {
            errors.Add($"{pkey}:Writable: only a scalar number, bool or text point can be written (not a Bit, bits or table column)");
        }

        if (point.Rows is { } rows && (rows < 1 || rows > 1024))
        {
            errors.Add($"{pkey}:Rows: must be 1-1024 (got {rows})");
        }

        // The Modbus keys, read from the entry itself: a profile's points have none.
        if (entry is not null && ((int.TryParse(entry["Register"], out var register) && register != -1)
            || (entry["Table"] is { } table && table != "holding") || entry["Length"] is not null || (entry["WordOrder"] is { } order && order != "ABCD")))
        {
            errors.Add($"{pkey}: Register, Table, Length and WordOrder are Modbus settings; an snmp point has an Oid");
        }

        Range(errors, $"{pkey}:PeriodMs", point.PeriodMs, ConfigChecks.MinPeriodMs, ConfigChecks.MaxPeriodMs);
        if ((point.Unit?.Length ?? 0) > 32)
        {
            errors.Add($"{pkey}:Unit: at most 32 characters");
        }

        if (errors.Count > before || oid is null)
        {
            yield break;
        }

        var type = isBool ? PointType.Boolean : kind is SnmpPointKind.Text or SnmpPointKind.Bits ? PointType.Text : PointType.Number;
        SnmpPoint Make(string name, SnmpPointSettings snmp, string description) =>
            new(deviceName, name, snmp, type, point.Unit ?? string.Empty, point.PeriodMs, description)
            {
                Scale = point.Scale ?? 1,
                Offset = point.Offset ?? 0,
                Bit = point.Bit,
                Writable = point.Writable,
            };

        if (point.Rows is { } count)
        {
            for (uint row = 1; row <= count; row++)
            {
                yield return Make($"{point.Name}/{row}", new SnmpPointSettings(oid.Append(row), kind, oid, row, point.Alarm), $"{point.Description} (row {row})".Trim());
            }
        }
        else
        {
            yield return Make(point.Name, new SnmpPointSettings(oid, kind, Alarm: point.Alarm), point.Description ?? string.Empty);
        }
    }

    private static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
        }
    }
}
