using City.Central.Assets;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Api;

/// <summary>
/// What the operator page's map draws, in one compact answer: each cabinet with its position and state, each lamp as one
/// array (see <see cref="MapLamp"/>) with the figures its state comes from, so the page can apply live values the same way.
/// </summary>
internal static class MapSnapshot
{
    /// <summary>Lamp flag: <c>.lamp-failure</c> is true.</summary>
    public const int LampFailure = 1;

    /// <summary>Lamp flag: <c>.gear-failure</c> is true.</summary>
    public const int GearFailure = 2;

    /// <summary>Lamp flag: <c>.answering</c> is false.</summary>
    public const int NotAnswering = 4;

    /// <summary>Lamp flag: the level's latest quality is not good.</summary>
    public const int LevelNotGood = 8;

    /// <summary>A DALI arc level at or above this is full power ("on").</summary>
    public const double FullArcLevel = 254;

    /// <summary>An online gateway silent for longer than this is stale.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    /// <summary>The kinds of maintenance item that put a cabinet in alarm (a lamp past its rated life does not).</summary>
    public static readonly IReadOnlySet<string> AlarmKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        MaintenanceKinds.LampFailure, MaintenanceKinds.GearFailure, MaintenanceKinds.NotAnswering, MaintenanceKinds.Alarm,
    };

    /// <summary>A lamp's state: the gateway's link, then answering, failures, the level.</summary>
    public static string LampState(bool gatewayOnline, double? level, int flags)
    {
        if (!gatewayOnline)
        {
            return "stale";
        }

        if ((flags & NotAnswering) != 0)
        {
            return "not-answering";
        }

        if ((flags & (LampFailure | GearFailure)) != 0)
        {
            return "failed";
        }

        if (level is not { } arc || (flags & LevelNotGood) != 0)
        {
            return "stale";
        }

        return arc <= 0 ? "off" : arc >= FullArcLevel ? "on" : "dimmed";
    }

    /// <summary>A cabinet's state: offline, alarm (a lamp failure, gear not answering, an alarm point), stale (silent), online.</summary>
    public static string CabinetState(bool online, long lastSeenUnixMs, bool alarm, long nowUnixMs)
    {
        if (!online)
        {
            return "offline";
        }

        if (alarm)
        {
            return "alarm";
        }

        return nowUnixMs - lastSeenUnixMs > (long)StaleAfter.TotalMilliseconds ? "stale" : "online";
    }

    /// <summary>The level, flags of each lamp of a gateway, from its latest values (points <c>{lamp}.level</c>, <c>.lamp-failure</c>, ...).</summary>
    public static Dictionary<string, (double? Level, int Flags)> LampFigures(GatewayState state)
    {
        var figures = new Dictionary<string, (double? Level, int Flags)>(StringComparer.Ordinal);
        foreach (var point in state.Catalogue)
        {
            var dot = point.Id.LastIndexOf('.');
            if (dot <= 0 || !state.Latest.TryGetValue(point.Alias, out var latest))
            {
                continue;
            }

            var lamp = point.Id[..dot];
            var (level, flags) = figures.GetValueOrDefault(lamp);
            switch (point.Id[(dot + 1)..])
            {
                case "level" when latest.Value.Type == PointType.Number:
                    level = latest.Value.Number;
                    flags = latest.Quality == Quality.Good ? flags & ~LevelNotGood : flags | LevelNotGood;
                    break;
                case "lamp-failure" when latest.Value.Type == PointType.Boolean && latest.Value.Boolean:
                    flags |= LampFailure;
                    break;
                case "gear-failure" when latest.Value.Type == PointType.Boolean && latest.Value.Boolean:
                    flags |= GearFailure;
                    break;
                case "answering" when latest.Value.Type == PointType.Boolean && !latest.Value.Boolean:
                    flags |= NotAnswering;
                    break;
                default:
                    continue;
            }

            figures[lamp] = (level, flags);
        }

        return figures;
    }
}
