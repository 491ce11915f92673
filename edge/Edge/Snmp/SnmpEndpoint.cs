using System.Net;
using City.Edge.Configuration;
using City.Protocols.Snmp;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Snmp;

/// <summary>
/// The keys every SNMP device of Edge:Devices shares, whatever drives it (snmp, ntcip1211, vms): where the agent is and how
/// to speak to it. Each driver's options derive from it and add their own keys.
/// </summary>
internal class SnmpEndpointOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = string.Empty;

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The agent's IP address (no names).</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Default 161.</summary>
    public int? Port { get; set; }

    /// <summary>Per attempt; default 1000.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>Attempts after a timeout; the default is the driver's.</summary>
    public int? Retries { get; set; }

    /// <summary>3 (default), 2c or 1.</summary>
    public string? Version { get; set; }

    /// <summary>v1/v2c only.</summary>
    public string? Community { get; set; }

    /// <summary>v3 only: the USM user name.</summary>
    public string? User { get; set; }

    /// <summary>v3 only: noAuthNoPriv, authNoPriv or authPriv (default: the most the user's protocols allow).</summary>
    public string? SecurityLevel { get; set; }

    /// <summary>v3 only: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.</summary>
    public string? AuthProtocol { get; set; }

    /// <summary>v3 only; never logged.</summary>
    public string? AuthPassword { get; set; }

    /// <summary>v3 only: AES.</summary>
    public string? PrivProtocol { get; set; }

    /// <summary>v3 only; never logged.</summary>
    public string? PrivPassword { get; set; }
}

/// <summary>The schema of <see cref="SnmpEndpointOptions"/>'s device keys (Name, Protocol and Enabled are the core's).</summary>
internal static class SnmpEndpointSchema
{
    public static IReadOnlyList<ConfigSetting> DeviceKeys { get; } =
    [
        Text("Host"),
        Integer("Port", 1, 65535),
        Integer("TimeoutMs", 10, 60_000),
        Integer("Retries", 0, 10),
        Text("Version"),
        SecretText("Community"),
        Text("User"),
        Text("SecurityLevel"),
        Text("AuthProtocol"),
        SecretText("AuthPassword"),
        Text("PrivProtocol"),
        SecretText("PrivPassword"),
    ];
}

/// <summary>A validated SNMP agent: its address, the version with its community or USM user, timeout and retries.</summary>
internal sealed record SnmpEndpoint(IPEndPoint Address, SnmpVersion Version, string Community, UsmUser? User, SnmpSecurityLevel SecurityLevel, TimeSpan Timeout, int Retries)
{
    /// <summary>The manager's target; <paramref name="community"/> replaces the device's (a sign's write community) in v1/v2c.</summary>
    public SnmpTarget Target(string? community = null) => new(Address)
    {
        Version = Version,
        Community = Version == SnmpVersion.V3 ? string.Empty : community ?? Community,
        User = User,
        SecurityLevel = SecurityLevel,
        Timeout = Timeout,
        Retries = Retries,
    };

    /// <summary>"1", "2c" or "3 (user, level)": for plans and views.</summary>
    public string Describe() => Version switch
    {
        SnmpVersion.V1 => "1",
        SnmpVersion.V2c => "2c",
        _ => $"3 ({User?.Name}, {SecurityLevel})",
    };

    /// <summary>Without the community (a record would print it): whatever logs a device definition logs no secret.</summary>
    public override string ToString() =>
        $"{nameof(SnmpEndpoint)} {{ Address = {Address}, Version = {Version}, User = {User?.Name}, SecurityLevel = {SecurityLevel}, Community = {(Version == SnmpVersion.V3 ? "" : "***")} }}";
}

/// <summary>Checks <see cref="SnmpEndpointOptions"/>; every problem names its key and none quotes a community or password.</summary>
internal static class SnmpEndpointConfig
{
    /// <summary>The endpoint, or null with the problems added; <paramref name="device"/> names the device in a message ("an snmp device").</summary>
    public static SnmpEndpoint? Validate(SnmpEndpointOptions options, string key, string device, int defaultRetries, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        if (!IPAddress.TryParse(options.Host, out var host))
        {
            errors.Add($"{key}:Host: {device} needs an IP address (got '{options.Host}')");
        }

        Range(errors, $"{key}:Port", options.Port ?? 161, 1, 65535);
        Range(errors, $"{key}:TimeoutMs", options.TimeoutMs ?? 1000, 10, 60_000);
        Range(errors, $"{key}:Retries", options.Retries ?? defaultRetries, 0, 10);
        var security = Security(options, key, errors);
        return errors.Count != before || security is not { } s
            ? null
            : new SnmpEndpoint(new IPEndPoint(host!, options.Port ?? 161), s.Version, s.Community, s.User, s.Level,
                TimeSpan.FromMilliseconds(options.TimeoutMs ?? 1000), options.Retries ?? defaultRetries);
    }

    private static (SnmpVersion Version, string Community, UsmUser? User, SnmpSecurityLevel Level)? Security(SnmpEndpointOptions device, string key, List<string> errors)
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

                return (version.EndsWith('1') ? SnmpVersion.V1 : SnmpVersion.V2c, device.Community, null, SnmpSecurityLevel.NoAuthNoPriv);
            case "3" or "v3":
                break;
            default:
                errors.Add($"{key}:Version: must be 3, 2c or 1 (got '{device.Version}')");
                return null;
        }

        if (device.Community is not null)
        {
            errors.Add($"{key}:Community: an SNMPv3 device has no Community (it has a User; set Version 2c for a community)");
        }

        if (string.IsNullOrWhiteSpace(device.User) || device.User.Length > 32)
        {
            errors.Add($"{key}:User: an SNMPv3 device needs a User of 1-32 characters (or set Version 2c and a Community)");
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

        return ok ? (SnmpVersion.V3, string.Empty, new UsmUser(device.User, auth, device.AuthPassword, priv, device.PrivPassword), level) : null;
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

    public static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
        }
    }
}

/// <summary>
/// The common keys of a point, bound for a device whose points are fixed (a priority controller, a sign) only so that a
/// configured list can be refused by name.
/// </summary>
internal sealed class FixedPointOptions
{
    public string Name { get; set; } = string.Empty;

    public bool Writable { get; set; }

    public string Unit { get; set; } = string.Empty;

    public int PeriodMs { get; set; }

    public string Description { get; set; } = string.Empty;
}
