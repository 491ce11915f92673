using System.Globalization;
using System.Text.Json.Nodes;
using City.Central.Configuration;

namespace City.Central.OpenData;

/// <summary>
/// The DCAT-AP catalogue of the published datasets in JSON-LD: a dcat:Catalog with its publisher (foaf:Agent) and licence
/// (dct:LicenseDocument), one dcat:Dataset per dataset (title, description, keywords, publisher, licence, temporal and
/// spatial coverage, daily accrual), and one dcat:Distribution per file (download and access URL, EU file type, IANA
/// media type, size). The context names only prefixes: every term expands to the vocabularies' own IRIs.
/// </summary>
internal static class DcatCatalogue
{
    public const string MediaType = "application/ld+json";
    public const string FileTypeAuthority = "http://publications.europa.eu/resource/authority/file-type/";
    public const string FrequencyAuthority = "http://publications.europa.eu/resource/authority/frequency/";
    public const string IanaMediaTypes = "https://www.iana.org/assignments/media-types/";

    public static JsonObject Build(OpenDataManifest manifest, OpenDataSettings settings, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(settings);
        var root = baseUrl.TrimEnd('/') + "/opendata/";
        var publisherId = settings.PublisherUrl ?? root + "#publisher";
        var modified = Typed(manifest.GeneratedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), "xsd:dateTime");
        var datasets = new JsonArray();
        foreach (var dataset in OpenDataDatasets.All.Where(d => settings.Publishes(d.Name)))
        {
            var distributions = new JsonArray();
            foreach (var published in manifest.Files.Where(f => f.Dataset == dataset.Name))
            {
                distributions.Add(new JsonObject
                {
                    ["@type"] = "dcat:Distribution",
                    ["dct:title"] = $"{dataset.Title} ({published.File.FileType})",
                    ["dcat:accessURL"] = Id(root),
                    ["dcat:downloadURL"] = Id(root + published.File.Name),
                    ["dct:format"] = Id(FileTypeAuthority + published.File.FileType),
                    ["dcat:mediaType"] = Id(IanaMediaTypes + published.File.MediaType),
                    ["dcat:byteSize"] = Typed(published.Bytes.ToString(CultureInfo.InvariantCulture), "xsd:nonNegativeInteger"),
                    ["dct:license"] = Id(settings.LicenceUrl),
                    ["dct:modified"] = modified.DeepClone(),
                });
            }

            var entry = new JsonObject
            {
                ["@id"] = root + "#" + dataset.Name,
                ["@type"] = "dcat:Dataset",
                ["dct:identifier"] = dataset.Name,
                ["dct:title"] = dataset.Title,
                ["dct:description"] = dataset.Description,
                ["dcat:keyword"] = new JsonArray([.. dataset.Keywords.Select(k => (JsonNode)JsonValue.Create(k)!)]),
                ["dct:publisher"] = Id(publisherId),
                ["dct:license"] = Id(settings.LicenceUrl),
                ["dct:accrualPeriodicity"] = Id(FrequencyAuthority + "DAILY"),
                ["dct:modified"] = modified.DeepClone(),
                ["dcat:landingPage"] = Id(root),
                ["dcat:distribution"] = distributions,
            };
            if (dataset.Name != OpenDataNames.Equipment)
            {
                entry["dct:temporal"] = new JsonObject
                {
                    ["@type"] = "dct:PeriodOfTime",
                    ["dcat:startDate"] = Typed(OpenDataTimes.Date(manifest.FirstDay), "xsd:date"),
                    ["dcat:endDate"] = Typed(OpenDataTimes.Date(manifest.LastDay), "xsd:date"),
                };
            }

            if (manifest.Equipment.Box is { } box)
            {
                entry["dct:spatial"] = new JsonObject
                {
                    ["@type"] = "dct:Location",
                    ["dcat:bbox"] = Typed(Wkt(box), "gsp:wktLiteral"),
                };
            }

            datasets.Add(entry);
        }

        return new JsonObject
        {
            ["@context"] = new JsonObject
            {
                ["dcat"] = "http://www.w3.org/ns/dcat#",
                ["dct"] = "http://purl.org/dc/terms/",
                ["foaf"] = "http://xmlns.com/foaf/0.1/",
                ["xsd"] = "http://www.w3.org/2001/XMLSchema#",
                ["gsp"] = "http://www.opengis.net/ont/geosparql#",
            },
            ["@id"] = root + "catalog.jsonld",
            ["@type"] = "dcat:Catalog",
            ["dct:title"] = settings.CatalogTitle,
            ["dct:description"] = settings.CatalogDescription,
            ["dct:publisher"] = new JsonObject { ["@id"] = publisherId, ["@type"] = "foaf:Agent", ["foaf:name"] = settings.PublisherName },
            ["dct:license"] = new JsonObject { ["@id"] = settings.LicenceUrl, ["@type"] = "dct:LicenseDocument", ["dct:title"] = settings.LicenceName },
            ["dct:modified"] = modified,
            ["foaf:homepage"] = Id(root),
            ["dcat:dataset"] = datasets,
        };
    }

    /// <summary>The bounding box as a WKT polygon, longitude first (CRS84).</summary>
    public static string Wkt((double West, double South, double East, double North) box)
    {
        string P(double lon, double lat) => string.Create(CultureInfo.InvariantCulture, $"{lon:R} {lat:R}");
        return $"POLYGON(({P(box.West, box.South)}, {P(box.East, box.South)}, {P(box.East, box.North)}, {P(box.West, box.North)}, {P(box.West, box.South)}))";
    }

    private static JsonObject Id(string iri) => new() { ["@id"] = iri };

    private static JsonObject Typed(string value, string type) => new() { ["@value"] = value, ["@type"] = type };
}
