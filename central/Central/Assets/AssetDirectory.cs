namespace City.Central.Assets;

/// <summary>
/// Towns, sites and lamps: what the gateways' births say, merged with the imported assets (import wins). Thread-safe;
/// readers get snapshots.
/// </summary>
internal sealed class AssetDirectory
{
    private readonly Lock _gate = new();
    private Dictionary<(string Gateway, string Lamp), LampAsset> _lamps = [];
    private Dictionary<string, string?> _towns = new(StringComparer.Ordinal);

    /// <summary>The lamp, or null when neither a birth nor an import named it.</summary>
    public LampAsset? Find(string gatewayId, string lampId)
    {
        lock (_gate)
        {
            return _lamps.GetValueOrDefault((gatewayId, lampId));
        }
    }

    /// <summary>Every known lamp, optionally of one town (case-insensitive) and/or one gateway, ordered by gateway then lamp.</summary>
    public IReadOnlyList<LampAsset> Lamps(string? town = null, string? gatewayId = null)
    {
        lock (_gate)
        {
            return [.. _lamps.Values
                .Where(l => town is null || string.Equals(l.Town, town, StringComparison.OrdinalIgnoreCase))
                .Where(l => gatewayId is null || string.Equals(l.GatewayId, gatewayId, StringComparison.Ordinal))
                .OrderBy(l => l.GatewayId, StringComparer.Ordinal)
                .ThenBy(l => l.LampId, StringComparer.Ordinal)];
        }
    }

    /// <summary>The town of a gateway's site (birth, or import when it names one), or null.</summary>
    public string? TownOf(string gatewayId)
    {
        lock (_gate)
        {
            return _towns.GetValueOrDefault(gatewayId);
        }
    }
}
