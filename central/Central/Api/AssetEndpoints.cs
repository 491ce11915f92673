using System.Globalization;
using System.Net.Http.Headers;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.Model;
using City.Central.State;
using City.Contract;
using City.Contract.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>
/// Towns, sites and lamps: <c>GET /api/v1/assets</c> (the merged view with each lamp's D4i figures), <c>POST
/// /api/v1/assets</c> (CSV or GeoJSON import, operator), <c>GET /api/v1/maintenance</c>.
/// </summary>
internal static class AssetEndpoints
{
    public const int MaxImportBytes = 16 * 1024 * 1024;

    public static RouteGroupBuilder MapAssetEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/assets", Assets)
            .Doc("listAssets", "assets", "Sites and lamps", "The births' sites and lamps merged with the imports, each lamp with its latest D4i figures.")
            .Param("town", "Only this town (case-insensitive).")
            .Param("gateway", "Only this gateway.", ParamKind.Gateway)
            .Returns<AssetsResponse>()
            .Fails(StatusCodes.Status400BadRequest);
        api.MapPost("/assets", ImportAsync)
            .Doc("importAssets", "assets", "Import lamps (CSV or GeoJSON)",
                "All or nothing: any problem refuses the whole import, listing every problem in errors. A lamp already imported is replaced.")
            .Body(new BodyDoc(null, $"text/csv with a header row, or a GeoJSON FeatureCollection of Points whose properties are the columns: {string.Join(", ", AssetImport.Columns)} (gateway and lamp_id required).",
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["text/csv"] = "gateway,lamp_id,town,latitude,longitude,rated_power_w\ncab-001,lights-a/g3,Dijon,47.32,5.04,50\n",
                    ["application/geo+json"] = """{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[5.04,47.32]},"properties":{"gateway":"cab-001","lamp_id":"lights-a/g3","town":"Dijon","rated_power_w":50}}]}""",
                }))
            .Returns<ImportResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ForRole(ApiAuthorization.Operator);
        api.MapGet("/maintenance", Maintenance)
            .Doc("listMaintenance", "assets", "What needs maintenance, per town", "Failed lamps, lamps near their rated life, gateways offline, ...")
            .Param("town", "Only this town (case-insensitive).")
            .Returns<MaintenanceResponse>();
        return api;
    }

    private static IResult Assets(string? town, string? gateway, AssetDirectory directory, GatewayRegistry registry)
    {
        if (gateway is not null && !GatewayIds.IsValid(gateway))
        {
            return ApiErrors.BadRequest($"gateway: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
        }

        town = string.IsNullOrWhiteSpace(town) ? null : town.Trim();
        var entries = directory.Entries(town, gateway);
        var lamps = new List<LampResponse>(entries.Count);
        var ids = new Dictionary<string, Dictionary<string, uint>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var a = entry.Asset;
            lamps.Add(new LampResponse(
                a.GatewayId,
                a.LampId,
                entry.Line,
                entry.Address,
                entry.Groups is { } mask ? [.. Enumerable.Range(0, 16).Where(g => (mask & (1u << g)) != 0)] : null,
                a.Town,
                a.District,
                a.PoleId,
                Coordinate(a.Latitude),
                Coordinate(a.Longitude),
                a.LuminaireModel,
                a.RatedPowerW,
                a.ReplacedPowerW,
                a.InstalledOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                a.RatedLifeHours,
                a.TimeZone?.Id,
                entry.Source,
                D4i(registry, ids, a.GatewayId, a.LampId)));
        }

        var gateways = entries.Select(e => e.Asset.GatewayId).ToHashSet(StringComparer.Ordinal);
        var sites = registry.All().Select(g => g.Id)
            .Concat(gateways)
            .Distinct(StringComparer.Ordinal)
            .Where(g => gateway is null || g == gateway)
            .Select(directory.SiteOf)
            .OfType<SiteRecord>()
            .Where(s => town is null || directory.InTown(s.GatewayId, town))
            .OrderBy(s => s.GatewayId, StringComparer.Ordinal)
            .Select(s => new SiteResponse(s.GatewayId, directory.TownOf(s.GatewayId), s.District, Coordinate(s.Latitude), Coordinate(s.Longitude), s.TimeZone, JsonValues.Time(s.UpdatedUnixMs)))
            .ToList();
        return Results.Ok(new AssetsResponse(sites, lamps));
    }

    private static D4iResponse D4i(GatewayRegistry registry, Dictionary<string, Dictionary<string, uint>> ids, string gatewayId, string lampId)
    {
        if (!registry.TryGet(gatewayId, out var state))
        {
            return new D4iResponse(null, null, null, null, null, null, null);
        }

        if (!ids.TryGetValue(gatewayId, out var aliases))
        {
            aliases = new Dictionary<string, uint>(StringComparer.Ordinal);
            foreach (var point in state.Catalogue)
            {
                aliases[point.Id] = point.Alias;
            }

            ids.Add(gatewayId, aliases);
        }

        long newest = long.MinValue;
        LatestValue? Latest(string quantity)
        {
            if (aliases.TryGetValue($"{lampId}.{quantity}", out var alias) && state.Latest.TryGetValue(alias, out var value))
            {
                newest = Math.Max(newest, value.TimestampUnixMs);
                return value;
            }

            return null;
        }

        string? Text(string quantity) => Latest(quantity) is { Value.Type: PointType.Text } v && v.Value.Text is { Length: > 0 } text ? text : null;
        double? Number(string quantity) => Latest(quantity) is { Value.Type: PointType.Number } v && double.IsFinite(v.Value.Number) ? v.Value.Number : null;
        return new D4iResponse(Text("gtin"), Text("serial"), Number("operating-hours"), Number("lamp-on-hours"), Number("start-count"), Number("rated-life-hours"),
            newest == long.MinValue ? null : JsonValues.CalendarTime(newest));
    }

    private static double? Coordinate(double value) => double.IsFinite(value) ? value : null;

    private static async Task<IResult> ImportAsync(HttpRequest request, AssetDirectory directory, GatewayRegistry registry, TimeProvider time)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType is null)
        {
            return UnsupportedType(request.ContentType);
        }

        var kind = mediaType.MediaType.ToLowerInvariant();
        if (kind is not ("text/csv" or "application/geo+json" or "application/json"))
        {
            return UnsupportedType(request.ContentType);
        }

        if (request.ContentLength > MaxImportBytes)
        {
            return ApiErrors.Problem(StatusCodes.Status413PayloadTooLarge, $"body: larger than {MaxImportBytes} bytes; split the import.");
        }

        var text = new System.Text.StringBuilder();
        using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
        {
            var chunk = new char[16 * 1024];
            int n;
            while ((n = await reader.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
            {
                text.Append(chunk, 0, n);
                if (text.Length > MaxImportBytes)
                {
                    return ApiErrors.Problem(StatusCodes.Status413PayloadTooLarge, $"body: larger than {MaxImportBytes} bytes; split the import.");
                }
            }
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lamps = kind == "text/csv" ? AssetImport.ParseCsv(text.ToString(), now, out var errors) : AssetImport.ParseGeoJson(text.ToString(), now, out errors);
        if (errors.Count > 0)
        {
            return ApiErrors.Problem(StatusCodes.Status400BadRequest, $"{errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}; nothing was imported.", errors);
        }

        var created = lamps.Count(l => directory.Find(l.GatewayId, l.LampId) is null);
        directory.Import(lamps);
        var gateways = lamps.Select(l => l.GatewayId).Distinct(StringComparer.Ordinal).ToList();
        var unknown = gateways.Where(g => !registry.TryGet(g, out _)).Order(StringComparer.Ordinal).ToList();
        return Results.Ok(new ImportResponse(lamps.Count, created, lamps.Count - created, gateways.Count, unknown));
    }

    private static IResult UnsupportedType(string? contentType) => ApiErrors.Problem(
        StatusCodes.Status415UnsupportedMediaType,
        $"Content-Type '{contentType}': send text/csv, or application/geo+json (application/json) with a GeoJSON FeatureCollection.");

    private static IResult Maintenance(string? town, GatewayRegistry registry, AssetDirectory directory, AssetIngest ingest)
    {
        town = string.IsNullOrWhiteSpace(town) ? null : town.Trim();
        var items = MaintenanceReport.Build(registry, directory, ingest, town);
        var towns = items
            .GroupBy(i => i.Town ?? string.Empty, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key.Length == 0 ? 1 : 0)
            .ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new MaintenanceTownResponse(
                g.Key.Length == 0 ? null : g.First().Town,
                g.Count(),
                [.. g.Select(i => new MaintenanceItemResponse(i.Kind, i.Gateway, i.Lamp, i.Town, JsonValues.CalendarTime(i.SinceUnixMs) ?? JsonValues.Time(i.SinceUnixMs), i.Detail))]))
            .ToList();
        return Results.Ok(new MaintenanceResponse(items.Count, towns));
    }
}
