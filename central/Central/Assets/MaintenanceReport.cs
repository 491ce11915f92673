using System.Globalization;
using City.Central.Model;
using City.Central.State;
using City.Contract.Wire;

namespace City.Central.Assets;

/// <summary>One thing to repair or check: what, where, since when (the reading that started it), and a readable detail.</summary>
internal sealed record MaintenanceItem(string Kind, string Gateway, string? Lamp, string? Town, long SinceUnixMs, string Detail);

/// <summary>
/// The maintenance list, from the gateways' latest values (is the condition there now?) and the tracked conditions (since
/// when): failed lamps and gear, gear not answering, open alarms (boolean points named alarm-*), lamps at or past their
/// rated life (the larger of .lamp-on-hours and .operating-hours against the asset's rated life, else the gear's bank 207).
/// </summary>
internal static class MaintenanceReport
{
    public static IReadOnlyList<MaintenanceItem> Build(GatewayRegistry registry, AssetDirectory directory, AssetIngest ingest, string? town)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(ingest);
        var items = new List<MaintenanceItem>();
        foreach (var state in registry.All())
        {
            var pastLife = new Dictionary<string, (double Hours, long Since, string Point)>(StringComparer.Ordinal);
            foreach (var point in ingest.Watched(state).Values)
            {
                if (!state.Latest.TryGetValue(point.Alias, out var latest))
                {
                    continue;
                }

                if (point.Kind == MaintenanceKinds.PastRatedLife)
                {
                    NotePastLife(state, point, latest, ingest, pastLife);
                    continue;
                }

                if (!point.IsSet(latest.Value))
                {
                    continue;
                }

                var since = ingest.Condition(state.Id, point.ConditionKey) is { IsActive: true, FirstSetMs: { } first } ? first : latest.TimestampUnixMs;
                items.Add(Item(point.Kind, state.Id, point.LampId, directory, since, Detail(point, directory.Find(state.Id, point.LampId ?? string.Empty))));
            }

            foreach (var (lamp, (hours, since, pointId)) in pastLife)
            {
                var life = ingest.RatedLife(state, lamp);
                var asset = directory.Find(state.Id, lamp);
                var whose = asset is { RatedLifeHours: > 0 } ? "asset" : "gear (bank 207)";
                var detail = string.Create(CultureInfo.InvariantCulture, $"{hours:0.#} h ({pointId}) of a rated life of {life:0.#} h ({whose})") + Where(asset);
                items.Add(Item(MaintenanceKinds.PastRatedLife, state.Id, lamp, directory, since, detail));
            }
        }

        return [.. items
            .Where(i => town is null || string.Equals(i.Town, town, StringComparison.OrdinalIgnoreCase))
            .OrderBy(i => i.SinceUnixMs)
            .ThenBy(i => i.Gateway, StringComparer.Ordinal)
            .ThenBy(i => i.Lamp, StringComparer.Ordinal)
            .ThenBy(i => i.Kind, StringComparer.Ordinal)];
    }

    /// <summary>Keeps, per lamp, the burn-hours point that is past the rated life with the most hours, and the earliest start.</summary>
    private static void NotePastLife(GatewayState state, WatchedPoint point, LatestValue latest, AssetIngest ingest, Dictionary<string, (double Hours, long Since, string Point)> pastLife)
    {
        var lamp = point.LampId!;
        var life = ingest.RatedLife(state, lamp);
        var hours = latest.Value.Type == PointType.Number ? latest.Value.Number : double.NaN;
        if (life <= 0 || !double.IsFinite(hours) || hours < life)
        {
            return;
        }

        var since = ingest.Condition(state.Id, point.ConditionKey) is { IsActive: true, FirstSetMs: { } first } ? first : latest.TimestampUnixMs;
        if (pastLife.TryGetValue(lamp, out var known))
        {
            pastLife[lamp] = (Math.Max(known.Hours, hours), Math.Min(known.Since, since), hours > known.Hours ? point.PointId : known.Point);
        }
        else
        {
            pastLife[lamp] = (hours, since, point.PointId);
        }
    }

    private static MaintenanceItem Item(string kind, string gateway, string? lamp, AssetDirectory directory, long since, string detail)
    {
        var town = lamp is not null && directory.Find(gateway, lamp) is { } asset ? asset.Town : directory.TownOf(gateway);
        return new MaintenanceItem(kind, gateway, lamp, town, since, detail);
    }

    private static string Detail(WatchedPoint point, LampAsset? asset) => point.Kind switch
    {
        MaintenanceKinds.LampFailure => $"the gear reports a lamp failure ({point.PointId})" + Where(asset),
        MaintenanceKinds.GearFailure => $"the control gear reports a failure ({point.PointId})" + Where(asset),
        MaintenanceKinds.NotAnswering => $"the gear does not answer on the DALI bus ({point.PointId})" + Where(asset),
        _ => $"alarm {point.PointId} is set" + (point.Description.Length > 0 ? $" ({point.Description})" : string.Empty),
    };

    private static string Where(LampAsset? asset)
    {
        if (asset is null)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        if (asset.PoleId is { } pole)
        {
            parts.Add("pole " + pole);
        }

        if (asset.LuminaireModel is { } model)
        {
            parts.Add(model);
        }

        if (asset.District is { } district)
        {
            parts.Add(district);
        }

        return parts.Count == 0 ? string.Empty : "; " + string.Join(", ", parts);
    }
}
