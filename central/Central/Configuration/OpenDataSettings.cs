using System.Globalization;

namespace City.Central.Configuration;

/// <summary>
/// Central:OpenData: what central publishes under /opendata/ (no token). Off unless <see cref="Enabled"/>; the traffic
/// counts publish only the detector points <see cref="TrafficPoints"/> allows.
/// </summary>
internal sealed class OpenDataSettings
{
    public const string EtalabLicenceName = "Licence Ouverte / Open Licence version 2.0";
    public const string EtalabLicenceUrl = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

    public bool Enabled { get; set; }

    /// <summary>The datasets published (energy, availability, equipment, traffic); empty: all of them.</summary>
    public List<string> Datasets { get; set; } = [];

    /// <summary>Only these towns (case-insensitive) in the energy, availability, equipment and traffic datasets; empty: every town.</summary>
    public List<string> Towns { get; set; } = [];

    /// <summary>Patterns <c>gateway/point</c> (<c>*</c> = any run of characters) of the detector points whose counts are published; empty: none.</summary>
    public List<string> TrafficPoints { get; set; } = [];

    /// <summary>Days covered before today (today so far is added).</summary>
    public int Days { get; set; } = 31;

    /// <summary>The UTC time of day the files are generated (and once at start).</summary>
    public TimeSpan GenerateAtUtc { get; set; } = new(3, 0, 0);

    /// <summary>Also regenerate this often, in minutes (0: only daily, at start and on request).</summary>
    public int RefreshMinutes { get; set; }

    /// <summary>The public address the catalogue's links start with (https://data.example.org/central); default: the request's own.</summary>
    public string? BaseUrl { get; set; }

    public string PublisherName { get; set; } = "City street equipment service";

    public string? PublisherUrl { get; set; }

    public string LicenceName { get; set; } = EtalabLicenceName;

    public string LicenceUrl { get; set; } = EtalabLicenceUrl;

    public string CatalogTitle { get; set; } = "Street equipment of the city: open data";

    public string CatalogDescription { get; set; } =
        "Energy and savings of the street lighting per town and day, lamp availability, positions of cabinets and lamps, and traffic detector counts, from the city's street-equipment platform.";

    /// <summary>Problems, each naming its key (prefix "Central:OpenData:").</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        for (var i = 0; i < Datasets.Count; i++)
        {
            if (!OpenDataNames.Datasets.Contains(Datasets[i], StringComparer.Ordinal))
            {
                yield return $"{prefix}Datasets:{i.ToString(CultureInfo.InvariantCulture)}: '{Datasets[i]}' is not one of {string.Join(", ", OpenDataNames.Datasets)}.";
            }
        }

        for (var i = 0; i < TrafficPoints.Count; i++)
        {
            var pattern = TrafficPoints[i];
            if (string.IsNullOrWhiteSpace(pattern) || !pattern.Contains('/', StringComparison.Ordinal) || pattern.Length > 300)
            {
                yield return $"{prefix}TrafficPoints:{i.ToString(CultureInfo.InvariantCulture)}: '{pattern}' is not a pattern gateway/point (such as gw-001/tc-snmp/detector-volume/* or */*/detector-volume/*).";
            }
        }

        if (Days is < 1 or > 366)
        {
            yield return $"{prefix}Days: {Days} is outside 1-366.";
        }

        if (GenerateAtUtc < TimeSpan.Zero || GenerateAtUtc >= TimeSpan.FromDays(1))
        {
            yield return $"{prefix}GenerateAtUtc: {GenerateAtUtc} is not a time of day (00:00:00-23:59:59).";
        }

        if (RefreshMinutes is < 0 or > 1440)
        {
            yield return $"{prefix}RefreshMinutes: {RefreshMinutes} is outside 0-1440 (0: daily only).";
        }

        if (BaseUrl is not null && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.Query)))
        {
            yield return $"{prefix}BaseUrl: '{BaseUrl}' is not an http or https URL such as https://data.example.org/central.";
        }

        if (!Uri.TryCreate(LicenceUrl, UriKind.Absolute, out _))
        {
            yield return $"{prefix}LicenceUrl: '{LicenceUrl}' is not an absolute URL.";
        }

        if (PublisherUrl is not null && !Uri.TryCreate(PublisherUrl, UriKind.Absolute, out _))
        {
            yield return $"{prefix}PublisherUrl: '{PublisherUrl}' is not an absolute URL.";
        }

        foreach (var (key, text) in new[] { ("PublisherName", PublisherName), ("LicenceName", LicenceName), ("CatalogTitle", CatalogTitle), ("CatalogDescription", CatalogDescription) })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                yield return $"{prefix}{key}: must not be empty.";
            }
        }
    }

    /// <summary>True when the dataset is published (open data on, and the dataset listed or no list given).</summary>
    public bool Publishes(string dataset) => Enabled && (Datasets.Count == 0 || Datasets.Contains(dataset, StringComparer.Ordinal));
}

/// <summary>The datasets' names as Central:OpenData:Datasets spells them.</summary>
internal static class OpenDataNames
{
    public const string Energy = "energy";
    public const string Availability = "availability";
    public const string Equipment = "equipment";
    public const string Traffic = "traffic";

    public static readonly string[] Datasets = [Energy, Availability, Equipment, Traffic];
}
