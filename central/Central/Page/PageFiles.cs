using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using City.Central.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Page;

/// <summary>
/// The operator page: plain HTML, CSS and JavaScript modules embedded in central's assembly (<c>Page/wwwroot</c>), served
/// at <c>/</c> and <c>/page/...</c> with their content types, an ETag and <c>Cache-Control: no-cache</c> (the browser
/// revalidates, so a new central version is picked up at once and an unchanged file costs a 304). Open like
/// <c>/docs</c>: the files hold no data; every data call of the page carries the token its user typed.
/// </summary>
internal static class PageFiles
{
    private const string ResourcePrefix = "page/";

    /// <summary>Only what the page itself serves; no inline script, nothing from elsewhere.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, PageFile>> Files = new(Load);

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A parameter besides the context makes these route handlers (a bare RequestDelegate is invisible to the OpenAPI document).
        app.MapGet("/", (HttpContext context, CancellationToken _) => Serve(context, "index.html")).AllowAnonymous()
            .Doc("getOperatorPage", "page", "The operator page (HTML)",
                "The control room's page: sign-in with an API token, the map, alarms, a cabinet's panel, charts and commands. Open: it holds no data; its calls carry the typed token.")
            .Returns(typeof(string), description: "The page.", contentType: "text/html");
        app.MapGet("/favicon.ico", (HttpContext context, CancellationToken _) => Serve(context, "favicon.svg")).AllowAnonymous()
            .Doc("getFavicon", "page", "The page's icon (SVG)")
            .Returns(typeof(string), description: "The icon.", contentType: "image/svg+xml");
        app.MapGet("/page/{file}", (HttpContext context, string file) => Serve(context, file)).AllowAnonymous()
            .Doc("getPageFile", "page", "A file of the operator page", "Its scripts (JavaScript modules), style sheet and icon.")
            .PathParam("file", "The file's name, e.g. app.js or style.css.")
            .Returns(typeof(string), description: "The file: text/javascript, text/css or image/svg+xml.", contentType: "text/plain")
            .Fails(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The names of the embedded files (for tests).</summary>
    public static IReadOnlyCollection<string> Names => Files.Value.Keys;

    private static async Task Serve(HttpContext context, string name)
    {
        if (!Files.Value.TryGetValue(name, out var file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsJsonAsync(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["type"] = "about:blank", ["title"] = "Not Found", ["status"] = 404,
                ["detail"] = $"no page file '{name}'", ["error"] = $"no page file '{name}'", ["errors"] = new[] { $"no page file '{name}'" },
            }).ConfigureAwait(false);
            return;
        }

        var headers = context.Response.Headers;
        headers.ETag = file.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Contains(file.ETag, StringComparison.Ordinal)))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Content.Length;
        await context.Response.Body.WriteAsync(file.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private static FrozenDictionary<string, PageFile> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, PageFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            files[name] = new PageFile(content, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record PageFile(byte[] Content, string ContentType, string ETag);
}
