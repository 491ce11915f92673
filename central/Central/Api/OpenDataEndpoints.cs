using System.Net;
using System.Text;
using System.Text.Json;
using City.Central.Auth;
using City.Central.OpenData;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace City.Central.Api;

/// <summary>A file of the last generation, as the admin's POST answers it.</summary>
internal sealed record OpenDataFileResponse(string Dataset, string Name, string MediaType, long Bytes, int Rows, string Url);

/// <summary>What POST /api/v1/opendata/generate wrote.</summary>
internal sealed record OpenDataGenerateResponse(string GeneratedAt, string FirstDay, string LastDay, IReadOnlyList<OpenDataFileResponse> Files);

/// <summary>
/// The public side (no token): /opendata/ (an HTML index), /opendata/catalog.jsonld (the DCAT-AP catalogue) and the
/// dataset files; 404 for all of them unless Central:OpenData:Enabled, and for a dataset not published. The admin's
/// POST /api/v1/opendata/generate regenerates the files now.
/// </summary>
internal static class OpenDataEndpoints
{
    private const string Tag = "opendata";

    public static IEndpointRouteBuilder MapOpenDataEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // "/opendata" answers "/opendata/" too (routing ignores a trailing slash); the page links with absolute paths.
        app.MapGet("/opendata", IndexAsync).AllowAnonymous()
            .Doc("getOpenDataIndex", Tag, "The open data index (HTML)", "The published datasets with their licence, files and the catalogue; no token. 404 when open data is off (Central:OpenData:Enabled).")
            .Returns(typeof(string), contentType: "text/html")
            .Fails(StatusCodes.Status404NotFound, StatusCodes.Status500InternalServerError);
        app.MapGet("/opendata/catalog.jsonld", CatalogueAsync).AllowAnonymous()
            .Doc("getOpenDataCatalogue", Tag, "The DCAT-AP catalogue (JSON-LD)", "A dcat:Catalog with one dcat:Dataset per published dataset and one dcat:Distribution per file; no token.")
            .Returns(typeof(JsonElement), contentType: DcatCatalogue.MediaType)
            .Fails(StatusCodes.Status404NotFound, StatusCodes.Status500InternalServerError);
        foreach (var dataset in OpenDataDatasets.All)
        {
            foreach (var file in dataset.Files)
            {
                var (name, info) = (file.Name, dataset);
                app.MapGet("/opendata/" + name, (HttpContext http, OpenDataPublisher publisher) => FileAsync(http, publisher, info, name)).AllowAnonymous()
                    .Doc("getOpenData" + OperationName(name), Tag, $"{dataset.Title} ({file.FileType})", dataset.Description + " No token; Last-Modified and ETag (conditional requests answer 304).")
                    .Returns(file.MediaType == OpenDataDatasets.Csv ? typeof(string) : typeof(JsonElement), contentType: file.MediaType)
                    .Fails(StatusCodes.Status404NotFound, StatusCodes.Status500InternalServerError);
            }
        }

        return app;
    }

    public static RouteGroupBuilder MapOpenDataAdminEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/opendata/generate", GenerateAsync)
            .Doc("generateOpenData", Tag, "Regenerate the open data files now",
                "Writes every published dataset's files again from what central holds now (they are otherwise generated at start and daily at Central:OpenData:GenerateAtUtc). 409 when open data is off.")
            .Returns<OpenDataGenerateResponse>()
            .Fails(StatusCodes.Status409Conflict)
            .ForRole(ApiAuthorization.Admin);
        return api;
    }

    private static async Task<IResult> GenerateAsync(HttpContext http, OpenDataPublisher publisher)
    {
        if (!publisher.Settings.Enabled)
        {
            return ApiErrors.Problem(StatusCodes.Status409Conflict, "open data is off (Central:OpenData:Enabled=false): nothing to generate.");
        }

        var manifest = await publisher.GenerateAsync(http.RequestAborted).ConfigureAwait(false);
        var root = BaseUrl(http, publisher) + "/opendata/";
        return Results.Ok(new OpenDataGenerateResponse(
            OpenDataTimes.Utc(manifest.GeneratedAt.ToUnixTimeMilliseconds()),
            OpenDataTimes.Date(manifest.FirstDay),
            OpenDataTimes.Date(manifest.LastDay),
            [.. manifest.Files.Select(f => new OpenDataFileResponse(f.Dataset, f.File.Name, f.File.MediaType, f.Bytes, f.Rows, root + f.File.Name))]));
    }

    private static async Task<IResult> FileAsync(HttpContext http, OpenDataPublisher publisher, DatasetInfo dataset, string name)
    {
        if (!publisher.Settings.Publishes(dataset.Name))
        {
            return Off(http, publisher);
        }

        var manifest = await publisher.CurrentOrGenerateAsync(http.RequestAborted).ConfigureAwait(false);
        AllowAnyOrigin(http);
        if (manifest.Find(name) is not { } published)
        {
            return ApiErrors.NotFound($"/opendata/{name}: not generated yet.");
        }

        return TypedResults.PhysicalFile(publisher.PathOf(published), published.File.ContentType, lastModified: manifest.GeneratedAt, entityTag: EntityTagHeaderValue.Parse(published.ETag));
    }

    private static async Task<IResult> CatalogueAsync(HttpContext http, OpenDataPublisher publisher)
    {
        if (!publisher.Settings.Enabled)
        {
            return Off(http, publisher);
        }

        var manifest = await publisher.CurrentOrGenerateAsync(http.RequestAborted).ConfigureAwait(false);
        var catalogue = DcatCatalogue.Build(manifest, publisher.Settings, BaseUrl(http, publisher));
        AllowAnyOrigin(http);
        http.Response.Headers.LastModified = manifest.GeneratedAt.ToString("R");
        return Results.Text(catalogue.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), DcatCatalogue.MediaType, Encoding.UTF8);
    }

    private static async Task<IResult> IndexAsync(HttpContext http, OpenDataPublisher publisher)
    {
        if (!publisher.Settings.Enabled)
        {
            return Off(http, publisher);
        }

        var manifest = await publisher.CurrentOrGenerateAsync(http.RequestAborted).ConfigureAwait(false);
        var settings = publisher.Settings;
        var root = http.Request.PathBase + "/opendata/";
        string E(string text) => WebUtility.HtmlEncode(text);
        var page = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(settings.CatalogTitle)).Append("</title></head>\n<body>\n")
            .Append("<h1>").Append(E(settings.CatalogTitle)).Append("</h1>\n<p>").Append(E(settings.CatalogDescription)).Append("</p>\n")
            .Append("<p>Published by ").Append(E(settings.PublisherName)).Append(" under the <a rel=\"license\" href=\"").Append(E(settings.LicenceUrl)).Append("\">")
            .Append(E(settings.LicenceName)).Append("</a>. Generated ").Append(E(OpenDataTimes.Utc(manifest.GeneratedAt.ToUnixTimeMilliseconds())))
            .Append(", covering ").Append(OpenDataTimes.Date(manifest.FirstDay)).Append(" to ").Append(OpenDataTimes.Date(manifest.LastDay))
            .Append(". Machine-readable catalogue (DCAT-AP, JSON-LD): <a href=\"").Append(root).Append("catalog.jsonld\">catalog.jsonld</a>.</p>\n");
        foreach (var dataset in OpenDataDatasets.All.Where(d => settings.Publishes(d.Name)))
        {
            page.Append("<section id=\"").Append(dataset.Name).Append("\"><h2>").Append(E(dataset.Title)).Append("</h2>\n<p>").Append(E(dataset.Description)).Append("</p>\n<ul>\n");
            foreach (var file in manifest.Files.Where(f => f.Dataset == dataset.Name))
            {
                page.Append("<li><a href=\"").Append(root).Append(file.File.Name).Append("\" type=\"").Append(file.File.MediaType).Append("\">").Append(file.File.Name).Append("</a> (")
                    .Append(file.File.FileType).Append(", ").Append(file.Rows).Append(file.File.FileType == "GEOJSON" ? " features, " : " rows, ").Append(file.Bytes).Append(" bytes)</li>\n");
            }

            page.Append("</ul></section>\n");
        }

        page.Append("</body></html>\n");
        return Results.Content(page.ToString(), "text/html; charset=utf-8");
    }

    /// <summary>Public data: any web page may read it (CORS), as no credential is involved.</summary>
    private static void AllowAnyOrigin(HttpContext http) => http.Response.Headers.AccessControlAllowOrigin = "*";

    private static IResult Off(HttpContext http, OpenDataPublisher publisher) =>
        ApiErrors.NotFound($"{http.Request.Path}: not published{(publisher.Settings.Enabled ? " (not in Central:OpenData:Datasets)" : string.Empty)}.");

    /// <summary>Central:OpenData:BaseUrl, else the address the request came to.</summary>
    private static string BaseUrl(HttpContext http, OpenDataPublisher publisher) =>
        (publisher.Settings.BaseUrl ?? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}").TrimEnd('/');

    /// <summary>energy-daily.csv -> EnergyDailyCsv.</summary>
    private static string OperationName(string file) =>
        string.Concat(file.Split('-', '.').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
