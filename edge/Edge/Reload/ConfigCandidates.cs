using City.Contract;
using City.Edge.Devices;

namespace City.Edge.Reload;

/// <summary>A configuration ready to run: validated, with what it came from.</summary>
/// <param name="Document">The whole Edge section that runs.</param>
/// <param name="CentralOverlay">The sections central pushed that stand with it (stored as central.json once it is applied).</param>
/// <param name="Number">Its number in the history (0 for none yet).</param>
internal sealed record ConfigCandidate(ConfigDocument Document, ConfigDocument? CentralOverlay, EdgeSettings Settings, string Version, string Source, string? CommandId, int Number);

/// <summary>Why a configuration is not applied: <see cref="Reason"/> is a <see cref="CommandRejections"/> reason.</summary>
internal sealed record ConfigRefusal(string Reason, IReadOnlyList<string> Problems)
{
    public string Detail => string.Join("; ", Problems);
}

/// <summary>
/// The checks of a new configuration against the running one: the sections that cannot change while the edge runs, then
/// the same validation as at start (<see cref="EdgeConfigLoader.TryLoad"/>).
/// </summary>
internal static class ConfigCandidates
{
    /// <summary>
    /// Sections bound to what the process holds for its whole life: the buffer file and its owner (GatewayId, Buffer), the local
    /// API socket (LocalApi), and the link and keys that let central reach it (Central, Commands). A new value needs a restart.
    /// </summary>
    public static readonly IReadOnlyList<string> FixedSections = ["GatewayId", "Buffer", "LocalApi", "Central", "Commands"];

    public static ConfigRefusal? Check(ConfigDocument running, ConfigDocument candidate, IReadOnlyList<IProtocolDriver> drivers, out EdgeSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(candidate);
        settings = null;
        var fixedChanges = FixedSections
            .Where(section => !SameSection(running, candidate, section))
            .Select(section => $"Edge:{section}: cannot change while the edge runs (restart the edge to apply it)")
            .ToList();
        if (fixedChanges.Count > 0)
        {
            return new ConfigRefusal(CommandRejections.NotPermitted, fixedChanges);
        }

        if (!EdgeConfigLoader.TryLoad(candidate.ToConfiguration(), drivers, out var loaded, out var errors))
        {
            return new ConfigRefusal(CommandRejections.InvalidConfig, errors);
        }

        settings = loaded;
        return null;
    }

    private static bool SameSection(ConfigDocument a, ConfigDocument b, string section)
    {
        var left = a.Section(section).ToList();
        var right = b.Section(section).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        return left.Count == right.Count && left.All(kv => right.TryGetValue(kv.Key, out var value) && value == kv.Value);
    }
}
