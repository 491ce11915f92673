using City.Central.Configuration;

namespace City.Central.OpenData;

/// <summary>One file of a dataset: its name under /opendata/, IANA media type and EU file-type authority code.</summary>
internal sealed record DatasetFile(string Name, string MediaType, string FileType)
{
    /// <summary>The media type as served (text types say UTF-8).</summary>
    public string ContentType => MediaType.StartsWith("text/", StringComparison.Ordinal) ? MediaType + "; charset=utf-8" : MediaType;
}

/// <summary>A published dataset: its name (as Central:OpenData:Datasets spells it), title, description, keywords, files.</summary>
internal sealed record DatasetInfo(string Name, string Title, string Description, IReadOnlyList<string> Keywords, IReadOnlyList<DatasetFile> Files, bool Hourly = false);

/// <summary>The datasets central can publish.</summary>
internal static class OpenDataDatasets
{
    public const string Csv = "text/csv";
    public const string Json = "application/json";
    public const string GeoJson = "application/geo+json";

    public static readonly IReadOnlyList<DatasetInfo> All =
    [
        new(
            OpenDataNames.Energy,
            "Street lighting energy and savings per town and day",
            "Per town and local calendar day: the energy the lamps used (from their D4i energy counters), what they would have used at full power and with the lamps they replaced, their lit hours, and the savings against both. Columns: town, date, start, end (ISO-8601 with the offset), measured_kwh, full_power_kwh, baseline_kwh, lit_hours, savings_vs_full_percent, savings_vs_baseline_percent (empty when there is no reference), lamps, counter_resets, complete (false for today so far).",
            ["street lighting", "energy", "savings", "LED"],
            [new("energy-daily.csv", Csv, "CSV"), new("energy-daily.json", Json, "JSON")]),
        new(
            OpenDataNames.Availability,
            "Street lamp availability per town and day",
            "Per town and local calendar day: the share of the lamps' known time during which they worked (neither a lamp nor a gear failure reported, and the gear answering on its DALI bus). Columns: town, date, start, end, lamps (lamps whose state was known that day), known_lamp_hours, working_lamp_hours, availability_percent, lamps_failed (lamps that failed at some moment of the day), complete.",
            ["street lighting", "availability", "maintenance"],
            [new("lamp-availability-daily.csv", Csv, "CSV"), new("lamp-availability-daily.json", Json, "JSON")]),
        new(
            OpenDataNames.Equipment,
            "Street cabinets and lamps: positions, types and rated power",
            "Every street cabinet and lamp with a known position, as GeoJSON points in WGS 84 (EPSG:4326, [longitude, latitude]). Properties: equipment (cabinet or lamp), cabinet, lamp_id, pole_id, town, district, type (the luminaire model), rated_power_w, replaced_power_w, installed_on.",
            ["street lighting", "street furniture", "geolocation"],
            [new("equipment.geojson", GeoJson, "GEOJSON")]),
        new(
            OpenDataNames.Traffic,
            "Traffic detector counts per controller and hour",
            "Vehicles counted by the detectors of the traffic controllers that report them, per UTC hour. Columns: town, controller, detector (its number on the controller), start, end (ISO-8601 UTC), vehicles, complete (false for the current hour).",
            ["traffic", "vehicle counts", "mobility"],
            [new("traffic-counts-hourly.csv", Csv, "CSV"), new("traffic-counts-hourly.json", Json, "JSON")],
            Hourly: true),
    ];

    public static DatasetInfo? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
