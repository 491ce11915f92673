namespace City.Central.Assets;

/// <summary>
/// One lamp as central knows it: the birth's asset data merged with the imported fields (import wins). Latitude and
/// longitude are NaN when unknown; powers and rated life are 0 when unknown.
/// </summary>
internal sealed record LampAsset(
    string GatewayId,
    string LampId,
    string? Town,
    string? District,
    string? PoleId,
    double Latitude,
    double Longitude,
    string? LuminaireModel,
    double RatedPowerW,
    double ReplacedPowerW,
    DateOnly? InstalledOn,
    double RatedLifeHours,
    TimeZoneInfo? TimeZone);
