using System.Globalization;

namespace City.Edge.Dali;

/// <summary>
/// A gear's asset data (Edge:DaliLines:N:Gear:M: PoleId, Latitude, Longitude, LuminaireModel, ReplacedPowerW, InstalledOn,
/// RatedLifeHours; RatedPowerW is the gear's own key): carried in the Birth, one asset per gear, lamp id "{line}/g{address}".
/// </summary>
internal sealed record DaliGearAsset(string PoleId, double Latitude, double Longitude, string LuminaireModel, double ReplacedPowerW,
    DateOnly? InstalledOn, double RatedLifeHours)
{
    public static DaliGearAsset None { get; } = new(string.Empty, double.NaN, double.NaN, string.Empty, 0, null, 0);

    /// <summary>The contract's form: yyyy-mm-dd, empty when unknown.</summary>
    public string InstalledOnText => InstalledOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty;
}

/// <summary>Checks a gear's asset keys; every problem names its key.</summary>
internal static class DaliGearAssets
{
    public const double MaxRatedLifeHours = 1_000_000;

    public static DaliGearAsset Check(DaliGearOptions gear, string key, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(gear);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        if ((gear.PoleId?.Length ?? 0) > 64)
        {
            errors.Add($"{key}:PoleId: at most 64 characters");
        }

        if ((gear.LuminaireModel?.Length ?? 0) > 128)
        {
            errors.Add($"{key}:LuminaireModel: at most 128 characters");
        }

        if (gear.Latitude is { } latitude && (!double.IsFinite(latitude) || latitude is < -90 or > 90))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:Latitude: must be -90 to 90 degrees, north positive (got {latitude})"));
        }

        if (gear.Longitude is { } longitude && (!double.IsFinite(longitude) || longitude is < -180 or > 180))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:Longitude: must be -180 to 180 degrees, east positive (got {longitude})"));
        }

        if (gear.Latitude is null != gear.Longitude is null)
        {
            errors.Add($"{key}:{(gear.Latitude is null ? "Latitude" : "Longitude")}: missing: a lamp's position needs both Latitude and Longitude");
        }

        if (!double.IsFinite(gear.ReplacedPowerW) || gear.ReplacedPowerW < 0 || gear.ReplacedPowerW > 10_000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:ReplacedPowerW: must be 0-10000 W, the power of the lamp this one replaced (got {gear.ReplacedPowerW})"));
        }

        if (!double.IsFinite(gear.RatedLifeHours) || gear.RatedLifeHours < 0 || gear.RatedLifeHours > MaxRatedLifeHours)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:RatedLifeHours: must be 0-{MaxRatedLifeHours} h (got {gear.RatedLifeHours})"));
        }

        DateOnly? installed = null;
        if (!string.IsNullOrEmpty(gear.InstalledOn))
        {
            if (DateOnly.TryParseExact(gear.InstalledOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                installed = date;
            }
            else
            {
                errors.Add($"{key}:InstalledOn: must be a date yyyy-mm-dd (got '{gear.InstalledOn}')");
            }
        }

        return errors.Count == before
            ? new DaliGearAsset(gear.PoleId ?? string.Empty, gear.Latitude ?? double.NaN, gear.Longitude ?? double.NaN, gear.LuminaireModel ?? string.Empty,
                gear.ReplacedPowerW, installed, gear.RatedLifeHours)
            : DaliGearAsset.None;
    }
}
