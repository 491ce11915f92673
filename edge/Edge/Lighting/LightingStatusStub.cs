using City.Protocols.Talq;

namespace City.Edge.Lighting;

// TEMPORARY copy of edgelight's interface as written in the shared design; deleted when i14-edgelight is merged.

internal sealed record ActiveOverride(string Line, int? Group, double LevelPercent, DateTimeOffset Until, string CommandId);

internal interface ILightingStatus
{
    LightingSite? Site { get; }

    LightingSet? Applied { get; }

    IReadOnlyList<ActiveOverride> Overrides { get; }

    TimeProvider Clock { get; }

    long AppliedCommands { get; }

    long FailedCommands { get; }
}
