using City.Contract;

namespace City.Central.Live;

/// <summary>
/// What one stream client asked for: gateways (any of several), a town (case-insensitive, the assets' town of the
/// gateway), a point id prefix (values and events only) and the kinds of messages. Pure; a reset always passes.
/// </summary>
internal sealed class LiveFilter
{
    public static readonly LiveFilter Everything = new(null, null, null, LiveKinds.All);

    private LiveFilter(IReadOnlySet<string>? gateways, string? town, string? pointPrefix, LiveKinds kinds)
    {
        Gateways = gateways;
        Town = town;
        PointPrefix = pointPrefix;
        Kinds = kinds;
    }

    public IReadOnlySet<string>? Gateways { get; }

    public string? Town { get; }

    public string? PointPrefix { get; }

    public LiveKinds Kinds { get; }

    /// <summary>
    /// The filter of the query: <c>gateway</c> (repeated or comma-separated), <c>town</c>, <c>point</c> (a prefix of
    /// point ids), <c>types</c> (comma-separated: values, events, commands, gateways). A problem names the parameter.
    /// </summary>
    public static bool TryParse(IEnumerable<string?> gateways, string? town, string? point, string? types, out LiveFilter filter, out string problem)
    {
        filter = Everything;
        problem = string.Empty;
        HashSet<string>? ids = null;
        foreach (var id in gateways.SelectMany(g => (g ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!GatewayIds.IsValid(id))
            {
                problem = $"gateway: '{id}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).";
                return false;
            }

            (ids ??= new HashSet<string>(StringComparer.Ordinal)).Add(id);
        }

        var kinds = LiveKinds.All;
        if (types is not null)
        {
            kinds = LiveKinds.None;
            foreach (var name in types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var kind = name switch
                {
                    "values" => LiveKinds.Values,
                    "events" => LiveKinds.Events,
                    "commands" => LiveKinds.Commands,
                    "gateways" => LiveKinds.Gateways,
                    _ => LiveKinds.None,
                };
                if (kind == LiveKinds.None)
                {
                    problem = $"types: '{name}' is not one of values, events, commands, gateways.";
                    return false;
                }

                kinds |= kind;
            }

            if (kinds == LiveKinds.None)
            {
                problem = "types: name at least one of values, events, commands, gateways (or leave it out for all).";
                return false;
            }
        }

        filter = new LiveFilter(ids, string.IsNullOrWhiteSpace(town) ? null : town.Trim(), string.IsNullOrEmpty(point) ? null : point, kinds);
        return true;
    }

    /// <summary>True when the client gets the message (a values message: when at least one of its points passes).</summary>
    public bool Matches(LiveMessage message)
    {
        if (message.Kind == LiveKinds.Reset)
        {
            return true;
        }

        if ((Kinds & message.Kind) == 0
            || (Gateways is not null && (message.GatewayId is null || !Gateways.Contains(message.GatewayId)))
            || (Town is not null && !string.Equals(message.Town, Town, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return message.Kind switch
        {
            LiveKinds.Values => PointPrefix is null || message.Values.Any(v => PointMatches(v.Id)),
            LiveKinds.Events => PointMatches(message.Event?.Point),
            _ => true,
        };
    }

    /// <summary>True when the point id starts with the prefix (always without a prefix; never for a point without id).</summary>
    public bool PointMatches(string? pointId) =>
        PointPrefix is null || (pointId is not null && pointId.StartsWith(PointPrefix, StringComparison.Ordinal));
}
