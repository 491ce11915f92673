using System.Net;

namespace City.Protocols.Snmp;

/// <summary>Where and how a manager talks to one agent: version, credentials, timeout and retries.</summary>
public sealed record SnmpTarget
{
    public SnmpTarget(IPEndPoint endPoint) => EndPoint = endPoint;

    public IPEndPoint EndPoint { get; init; }

    public SnmpVersion Version { get; init; } = SnmpVersion.V2c;

    public string Community { get; init; } = "public";

    /// <summary>The v3 user; its protocols set the highest level, <see cref="SecurityLevel"/> the one used.</summary>
    public UsmUser? User { get; init; }

    public SnmpSecurityLevel SecurityLevel { get; init; } = SnmpSecurityLevel.AuthPriv;

    public string ContextName { get; init; } = "";

    /// <summary>Wait per attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts after the first.</summary>
    public int Retries { get; init; } = 2;

    public static SnmpTarget V2c(IPEndPoint endPoint, string community = "public") => new(endPoint) { Community = community };

    public static SnmpTarget V1(IPEndPoint endPoint, string community = "public") => new(endPoint) { Version = SnmpVersion.V1, Community = community };

    public static SnmpTarget V3(IPEndPoint endPoint, UsmUser user, SnmpSecurityLevel? level = null) =>
        new(endPoint) { Version = SnmpVersion.V3, User = user, SecurityLevel = level ?? user?.MaxLevel ?? SnmpSecurityLevel.NoAuthNoPriv };

    /// <summary>The agent, version and user, never the community (a record would print it).</summary>
    public override string ToString() =>
        Version == SnmpVersion.V3 ? $"{EndPoint} (v3, user {User?.Name}, {SecurityLevel})" : $"{EndPoint} ({Version}, community ***)";
}
