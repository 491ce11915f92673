using City.Edge.Reload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace City.Edge.LocalApi;

/// <summary>GET /v1/config: the running configuration's version and the history, newest first.</summary>
internal sealed record ConfigStatusDocument(int Number, string Version, string Source, bool Busy, string Directory, IReadOnlyList<ConfigHistoryEntry> History);

/// <summary>
/// POST /v1/config/reload's answer: outcome trial (started: its grace period decides, follow it with GET /v1/config),
/// unchanged (the files say what runs) or refused (Problems say why).
/// </summary>
internal sealed record ReloadDocument(string Outcome, int Number, string Version, IReadOnlyList<string> Problems);

/// <summary>The configuration endpoints of the local API (edgectl reload, edgectl config history).</summary>
internal static class ConfigEndpoints
{
    public static void MapConfigEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/config", (EdgeReloader reloader) =>
        {
            var running = reloader.Running;
            return Results.Ok(new ConfigStatusDocument(running.Number, running.Version, running.Source, reloader.Busy, reloader.History.Directory,
                reloader.History.Entries().Reverse().ToList()));
        });
        app.MapPost("/v1/config/reload", (EdgeReloader reloader) =>
        {
            var answer = reloader.ReloadFiles();
            var document = new ReloadDocument(answer.Outcome, answer.Number, answer.Version, answer.Problems);
            return Results.Json(document, LocalApiJsonContext.Default.ReloadDocument, statusCode: answer.Outcome == ConfigOutcomes.Refused ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
        });
    }
}
