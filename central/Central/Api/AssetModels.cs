namespace City.Central.Api;

internal sealed record SiteResponse(string Gateway, string? Town, string? District, double? Latitude, double? Longitude, string? TimeZone, string UpdatedAt);

/// <summary>A lamp's latest D4i identity and burn figures (null: not known), and when the newest of them was read.</summary>
internal sealed record D4iResponse(string? Gtin, string? Serial, double? OperatingHours, double? LampOnHours, double? StartCount, double? RatedLifeHours, string? UpdatedAt);

internal sealed record LampResponse(
    string Gateway,
    string LampId,
    string? Line,
    int? Address,
    IReadOnlyList<int>? Groups,
    string? Town,
    string? District,
    string? PoleId,
    double? Latitude,
    double? Longitude,
    string? LuminaireModel,
    double RatedPowerW,
    double ReplacedPowerW,
    string? InstalledOn,
    double RatedLifeHours,
    string? TimeZone,
    string Source,
    D4iResponse D4i);

internal sealed record AssetsResponse(IReadOnlyList<SiteResponse> Sites, IReadOnlyList<LampResponse> Lamps);

/// <summary>An import's outcome: lamps written, of which new and already known, their gateways, and those central has not met yet.</summary>
internal sealed record ImportResponse(int Imported, int Created, int Updated, int Gateways, IReadOnlyList<string> UnknownGateways);

internal sealed record MaintenanceItemResponse(string Kind, string Gateway, string? Lamp, string? Town, string Since, string Detail);

internal sealed record MaintenanceTownResponse(string? Town, int Count, IReadOnlyList<MaintenanceItemResponse> Items);

internal sealed record MaintenanceResponse(int Total, IReadOnlyList<MaintenanceTownResponse> Towns);
