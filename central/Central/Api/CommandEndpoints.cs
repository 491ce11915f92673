using System.Globalization;
using System.Text.Json;
using City.Central.Auth;
using City.Central.Commands;
using City.Central.State;
using City.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>
/// Commands: an operator issues them (<c>POST /api/v1/commands</c>); anyone with a token reads their status per gateway
/// and lists them (the audit trail: who issued what, when, and how it ended).
/// </summary>
internal static class CommandEndpoints
{
    public const int DefaultListLimit = 100;
    public const int MaxListLimit = 1_000;
    private const int MaxBodyBytes = 1024 * 1024;

    public static RouteGroupBuilder MapCommandEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/commands", IssueAsync).RequireAuthorization(ApiAuthorization.Operator);
        api.MapGet("/commands/{id}", Get);
        api.MapGet("/commands", List);
        return api;
    }

    private static async Task<IResult> IssueAsync(HttpRequest request, CommandService commands, GatewayRegistry registry, TimeProvider time)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return BadRequest($"body: larger than {MaxBodyBytes} bytes.");
        }

        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            body = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            return BadRequest($"body: not valid JSON ({exception.Message}).");
        }

        if (!CommandRequestParser.TryParse(body, out var parsed, out var problem))
        {
            return BadRequest(problem);
        }

        if (parsed.Action.Until is { } until && !IsAhead(until, time.GetUtcNow(), out problem))
        {
            return BadRequest(problem);
        }

        var field = parsed.Gateways.Count == 1 && body.TryGetProperty("gateway", out _) ? "gateway" : "gateways";
        var unknown = parsed.Gateways.FirstOrDefault(g => !registry.TryGet(g, out _));
        if (unknown is not null)
        {
            return Results.NotFound(new ErrorResponse($"{field}: gateway '{unknown}' is unknown."));
        }

        var issuer = request.HttpContext.User.Identity?.Name ?? "?";
        IssueOutcome outcome;
        try
        {
            outcome = commands.Issue(parsed, issuer);
        }
        // The store could not write it: nothing was sent.
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return Results.Json(new ErrorResponse($"the command was not stored (nothing was sent): {exception.Message}"), statusCode: StatusCodes.Status500InternalServerError);
        }

        return outcome.Created
            ? Results.Accepted($"/api/v1/commands/{outcome.Command.Id}", new IssuedResponse(outcome.Command.Id, CommandStatuses.Pending))
            : Results.Ok(View(outcome.Command, commands.Targets(outcome.Command.Id)));
    }

    /// <summary>An override's end must lie ahead, at most <see cref="CommandRequestParser.MaxOverrideSeconds"/> away.</summary>
    private static bool IsAhead(string until, DateTimeOffset now, out string problem)
    {
        var end = DateTimeOffset.Parse(until, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        problem = end <= now
            ? $"until: {until} is not in the future (now {JsonValues.Time(now)})."
            : end > now.AddSeconds(CommandRequestParser.MaxOverrideSeconds)
                ? $"until: {until} is more than {CommandRequestParser.MaxOverrideSeconds / 86_400} days ahead."
                : string.Empty;
        return problem.Length == 0;
    }

    private static IResult Get(string id, CommandService commands)
    {
        if (!Guid.TryParseExact(id, "D", out var guid))
        {
            return BadRequest($"id: '{id}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).");
        }

        var command = commands.Find(guid.ToString("D"));
        return command is null
            ? Results.NotFound(new ErrorResponse($"command '{id}' is unknown."))
            : Results.Ok(View(command, commands.Targets(command.Id)));
    }

    /// <summary>
    /// Commands oldest first from <c>from</c> (default: all), after the cursor <c>after</c> (the previous page's
    /// <c>next</c>), at most <c>limit</c>; with <c>gateway</c> only those sent to it, with its status.
    /// </summary>
    private static IResult List(HttpRequest request, CommandService commands)
    {
        var query = request.Query;
        string? gateway = query["gateway"];
        if (gateway is not null && !GatewayIds.IsValid(gateway))
        {
            return BadRequest($"gateway: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
        }

        if (!ApiEndpoints.TryParseTime(query["from"], "from", 0, out var fromMs, out var problem))
        {
            return problem;
        }

        string? after = query["after"];
        if (after is not null && !IsCursor(after))
        {
            return BadRequest($"after: '{after}' is not a cursor (the 'next' of a previous answer).");
        }

        var limit = DefaultListLimit;
        string? limitText = query["limit"];
        if (limitText is not null
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxListLimit))
        {
            return BadRequest($"limit: '{limitText}' is not a whole number between 1 and {MaxListLimit}.");
        }

        var page = commands.List(gateway, fromMs, after, limit + 1);
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        // Without a gateway, only the counts (a fan-out to thousands of gateways would make every page huge); with one,
        // that gateway's status.
        var items = page.Select(c => gateway is null
            ? View(c, commands.Targets(c.Id), listGateways: false)
            : View(c, commands.Target(c.Id, gateway) is { } t ? [t] : [])).ToList();
        var next = more ? CommandStore.Cursor(page[^1].IssuedAtUnixMs, page[^1].Id) : null;
        return Results.Ok(new CommandListResponse(items, next));
    }

    private static bool IsCursor(string text)
    {
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        return bar == 19 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && Guid.TryParseExact(text.AsSpan(bar + 1), "D", out _);
    }

    private static CommandResponse View(CommandRecord command, IReadOnlyList<CommandTarget> targets, bool listGateways = true) => new(
        command.Id,
        command.Issuer,
        JsonValues.Time(command.IssuedAtUnixMs),
        JsonValues.Time(command.NotAfterUnixMs),
        command.Action,
        command.Gateways.Count,
        CommandStatuses.All.ToDictionary(s => s, s => targets.Count(t => t.Status == s), StringComparer.Ordinal),
        [.. targets.Where(_ => listGateways).Select(t => new CommandTargetResponse(
            t.Gateway,
            t.Status,
            t.Detail,
            t.Reason,
            t.ReadBack,
            Time(t.SentAtUnixMs),
            Time(t.AcceptedAtUnixMs),
            Time(t.FinishedAtUnixMs),
            JsonValues.Time(t.UpdatedAtUnixMs)))]);

    private static string? Time(long? unixMs) => unixMs is { } ms ? JsonValues.CalendarTime(ms) : null;

    private static IResult BadRequest(string message) => Results.BadRequest(new ErrorResponse(message));
}

internal sealed record IssuedResponse(string Id, string Status);

/// <summary>A command and its status per gateway (<c>counts</c>: how many gateways are in each status).</summary>
internal sealed record CommandResponse(
    string Id,
    string Issuer,
    string IssuedAt,
    string NotAfter,
    CommandAction Action,
    int GatewayCount,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<CommandTargetResponse> Gateways);

internal sealed record CommandTargetResponse(
    string Gateway,
    string Status,
    string Detail,
    string Reason,
    string? ReadBack,
    string? SentAt,
    string? AcceptedAt,
    string? FinishedAt,
    string UpdatedAt);

internal sealed record CommandListResponse(IReadOnlyList<CommandResponse> Commands, string? Next);
