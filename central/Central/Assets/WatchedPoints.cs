using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Assets;

/// <summary>The kinds of maintenance item, as the API spells them.</summary>
internal static class MaintenanceKinds
{
    public const string LampFailure = "lamp-failure";
    public const string GearFailure = "gear-failure";
    public const string NotAnswering = "not-answering";
    public const string Alarm = "alarm";
    public const string PastRatedLife = "past-rated-life";
}

/// <summary>
/// A point central watches for maintenance: a lamp's <c>.lamp-failure</c>/<c>.gear-failure</c> (set when true),
/// <c>.answering</c> (set when false), a device's alarm bit (a boolean point named <c>alarm-*</c>, set when true) or a
/// lamp's burn hours <c>.operating-hours</c>/<c>.lamp-on-hours</c> (set when at or past the lamp's rated life).
/// </summary>
internal sealed record WatchedPoint(uint Alias, string PointId, string Kind, string? LampId, string Description)
{
    public const string PastLifeSuffix = "!past-life";

    /// <summary>The key of its condition: the point id, or for burn hours the point id + <see cref="PastLifeSuffix"/>.</summary>
    public string ConditionKey => Kind == MaintenanceKinds.PastRatedLife ? PointId + PastLifeSuffix : PointId;

    public bool IsSet(PointValue value) => Kind switch
    {
        MaintenanceKinds.NotAnswering => value.Type == PointType.Boolean && !value.Boolean,
        _ => value.Type == PointType.Boolean && value.Boolean,
    };

    /// <summary>The watched point a catalogue entry is, or null.</summary>
    public static WatchedPoint? Of(CataloguePoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var dot = point.Id.LastIndexOf('.');
        var lamp = dot > 0 ? point.Id[..dot] : null;
        var isLamp = lamp is not null && AssetImport.IsLampId(lamp);
        var quantity = dot > 0 ? point.Id[(dot + 1)..] : string.Empty;
        string? kind = (point.Type, isLamp, quantity) switch
        {
            (PointType.Boolean, true, "lamp-failure") => MaintenanceKinds.LampFailure,
            (PointType.Boolean, true, "gear-failure") => MaintenanceKinds.GearFailure,
            (PointType.Boolean, true, "answering") => MaintenanceKinds.NotAnswering,
            (PointType.Number, true, "operating-hours" or "lamp-on-hours") => MaintenanceKinds.PastRatedLife,
            (PointType.Boolean, _, _) when IsAlarmName(point.Id) => MaintenanceKinds.Alarm,
            _ => null,
        };
        return kind is null ? null : new WatchedPoint(point.Alias, point.Id, kind, kind == MaintenanceKinds.Alarm ? null : lamp, point.Description);
    }

    /// <summary>DEVICE/alarm-NAME, or a table row of one (DEVICE/alarm-NAME/ROW): how the edge names alarm bits.</summary>
    public static bool IsAlarmName(string pointId)
    {
        ArgumentNullException.ThrowIfNull(pointId);
        return pointId.Split('/').Skip(1).Any(s => s.StartsWith("alarm-", StringComparison.Ordinal));
    }

    /// <summary>The watched points of a catalogue by alias, with the alias of each lamp's <c>.rated-life-hours</c> (bank 207).</summary>
    public static (Dictionary<uint, WatchedPoint> Watched, Dictionary<string, uint> RatedLife) Map(IReadOnlyList<CataloguePoint> catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var watched = new Dictionary<uint, WatchedPoint>();
        var ratedLife = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var point in catalogue)
        {
            if (Of(point) is { } watch)
            {
                watched[point.Alias] = watch;
            }
            else if (point.Id.EndsWith(".rated-life-hours", StringComparison.Ordinal))
            {
                ratedLife[point.Id[..^".rated-life-hours".Length]] = point.Alias;
            }
        }

        return (watched, ratedLife);
    }
}
