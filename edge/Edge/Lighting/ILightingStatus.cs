using City.Protocols.Talq;

namespace City.Edge.Lighting;

/// <summary>An override holding a line's group (or the whole line, <see cref="Group"/> null) at a level until an instant.</summary>
internal sealed record ActiveOverride(string Line, int? Group, double LevelPercent, DateTimeOffset Until, string CommandId);

/// <summary>
/// What the lighting runtime shows the local view (GET /v1/lighting, edgectl lighting): the cabinet's site, the applied set,
/// the overrides in force, the lighting clock (the scaled clock of Edge:Clock, else the system clock) and its DALI counters.
/// </summary>
internal interface ILightingStatus
{
    /// <summary>The cabinet's site (Edge:Site); null when not configured (astronomical programs cannot run then).</summary>
    LightingSite? Site { get; }

    /// <summary>The lighting set the edge runs (from lighting.json or the last lighting_config command); null: none.</summary>
    LightingSet? Applied { get; }

    /// <summary>The overrides not yet ended on <see cref="Clock"/>, one per line and group.</summary>
    IReadOnlyList<ActiveOverride> Overrides { get; }

    /// <summary>The clock the programs run on.</summary>
    TimeProvider Clock { get; }

    /// <summary>DAPC commands the scheduler sent that the line carried.</summary>
    long AppliedCommands { get; }

    /// <summary>DAPC commands the scheduler sent that failed (each retried with backoff).</summary>
    long FailedCommands { get; }
}
