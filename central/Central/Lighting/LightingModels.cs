using System.Text.Json.Serialization;
using City.Protocols.Talq;

namespace City.Central.Lighting;

/// <summary>
/// Where a gateway's lighting set stands: <c>applied</c> (the edge confirmed the version central wants, by its result or
/// its birth), <c>pending</c> (pushed, not confirmed yet), <c>rejected</c> (the edge refused it: reason and detail say
/// why) or <c>none</c> (no set for it).
/// </summary>
internal static class LightingStates
{
    public const string None = "none";
    public const string Pending = "pending";
    public const string Applied = "applied";
    public const string Rejected = "rejected";
}

/// <summary>A gateway's assignment: which calendar runs on which of its lines and groups, and when a program day starts.</summary>
internal sealed record GatewayAssignment(
    [property: JsonPropertyName("dayOffset")] int DayOffset,
    [property: JsonPropertyName("groups")] IReadOnlyList<LightingAssignment> Groups)
{
    /// <summary>What a gateway whose assignment was deleted runs: nothing.</summary>
    public static GatewayAssignment Empty { get; } = new(12, []);
}

/// <summary>The lighting status of one gateway, as stored (lighting.db) and served (without the issuer).</summary>
internal sealed record LightingStatus
{
    public required string Gateway { get; init; }

    /// <summary>The version central wants the gateway to run (empty: none).</summary>
    public string Version { get; init; } = string.Empty;

    public string State { get; init; } = LightingStates.None;

    public string Reason { get; init; } = string.Empty;

    public string Detail { get; init; } = string.Empty;

    /// <summary>The version the gateway last said it runs (a DONE result or its birth; empty: none or not known).</summary>
    public string AppliedVersion { get; init; } = string.Empty;

    /// <summary>The lighting_config command of the last push (null: none, or it could not be issued).</summary>
    public string? CommandId { get; init; }

    /// <summary>The token name of the change behind the last push: a re-push at a birth is issued in its name.</summary>
    public string Issuer { get; init; } = string.Empty;

    public long UpdatedAtUnixMs { get; init; }
}

/// <summary>What a change of the lighting programs did.</summary>
internal enum LightingOutcomeKind
{
    Created,
    Updated,
    Deleted,
    NotFound,
    Invalid,
    InUse,
}

/// <summary>
/// The outcome of a change: for Invalid the problems (each naming its JSON path), for InUse the users (calendars or
/// gateways), for Created and Updated the gateways whose sets were pushed again.
/// </summary>
internal sealed record LightingOutcome(LightingOutcomeKind Kind, IReadOnlyList<string> Problems, IReadOnlyList<string> Pushed)
{
    public static LightingOutcome Of(LightingOutcomeKind kind) => new(kind, [], []);

    public static LightingOutcome Invalid(IReadOnlyList<string> problems) => new(LightingOutcomeKind.Invalid, problems, []);

    public static LightingOutcome InUse(IReadOnlyList<string> users) => new(LightingOutcomeKind.InUse, users, []);
}
