using System.Globalization;
using City.Contract.Wire;

namespace City.Contract;

/// <summary>
/// How a reading's quality is spelled in every JSON and text the system prints (edge local API, edgectl, central API):
/// the proto name without its prefix, in lower case with dashes (QUALITY_COMM_LOSS is "comm-loss").
/// </summary>
public static class QualityNames
{
    private static readonly Quality[] Known = Enum.GetValues<Quality>();

    /// <summary>good, stale, comm-loss, ...; a value this build does not know is its number ("42").</summary>
    public static string Name(Quality quality) => quality switch
    {
        Quality.Good => "good",
        Quality.Stale => "stale",
        Quality.CommLoss => "comm-loss",
        Quality.OutOfRange => "out-of-range",
        Quality.DeviceFailure => "device-failure",
        Quality.ConfigError => "config-error",
        Quality.Uncertain => "uncertain",
        Quality.ClockUnsynced => "clock-unsynced",
        Quality.TimestampOutOfWindow => "timestamp-out-of-window",
        _ => ((int)quality).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The quality of a name <see cref="Name"/> gives, spelled exactly so.</summary>
    public static bool TryParse(string? name, out Quality quality)
    {
        foreach (var known in Known)
        {
            if (string.Equals(Name(known), name, StringComparison.Ordinal))
            {
                quality = known;
                return true;
            }
        }

        quality = default;
        return false;
    }
}
