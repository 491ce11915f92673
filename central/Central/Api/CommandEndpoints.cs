using System.ComponentModel;
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
        api.MapPost("/commands", IssueAsync)
            .Doc("issueCommand", "commands", "Issue a command to one or more gateways",
                "A signed, expiring command: write a point, a DALI command, or a lighting override. 202 with its id when new; 200 with its status when the same id was issued before.")
            .Body<CommandRequestBody>("The command: action and its fields, and gateway or gateways.",
                """{"gateway":"cab-001","action":"write","device":"meter1","point":"relay","value":true,"expiresInSeconds":60}""")
            .Returns<IssuedResponse>(StatusCodes.Status202Accepted, "Issued; Location names the command.")
            .Returns<CommandResponse>(description: "A command of this id exists: its status.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Operator);
        api.MapGet("/commands/{id}", Get)
            .Doc("getCommand", "commands", "A command and its status per gateway")
            .PathParam("id", "The command's id.", ParamKind.Uuid)
            .Returns<CommandResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/commands", List)
            .Doc("listCommands", "commands", "List commands (the audit trail)",
                "Oldest first, at most limit; page with cursor = the previous page's nextCursor. Without gateway each command has only its counts; with one, that gateway's status.")
            .Param("gateway", "Only the commands sent to this gateway.", ParamKind.Gateway)
            .Param("from", "Only the commands issued at or after this time (default: all).", ParamKind.Time)
            .Param("cursor", "The nextCursor of the previous page.", ParamKind.Cursor)
            .Param(new ParamDoc("after", "Deprecated: the same as cursor.", ParamKind.Cursor, Deprecated: true))
            .Param(new ParamDoc("limit", $"At most this many commands (default {DefaultListLimit}).", ParamKind.Integer, Minimum: 1, Maximum: MaxListLimit))
            .Returns<CommandListResponse>()
            .Fails(StatusCodes.Status400BadRequest);
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
            return ApiErrors.NotFound($"{field}: gateway '{unknown}' is unknown.");
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
            return ApiErrors.Problem(StatusCodes.Status500InternalServerError, $"the command was not stored (nothing was sent): {exception.Message}");
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
            ? ApiErrors.NotFound($"command '{id}' is unknown.")
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

        var cursorName = query.ContainsKey("cursor") ? "cursor" : "after";
        string? after = query[cursorName];
        if (query.ContainsKey("cursor") && query.ContainsKey("after"))
        {
            return BadRequest("after: give cursor or its deprecated alias after, not both.");
        }

        if (after is not null && !IsCursor(after))
        {
            return BadRequest($"{cursorName}: '{after}' is not a cursor (the nextCursor of a previous answer).");
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
        return Results.Ok(new CommandListResponse(items, next, next));
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

    private static IResult BadRequest(string message) => ApiErrors.BadRequest(message);
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

/// <summary>A page of commands; nextCursor (null on the last page) resumes after it; next is its deprecated name.</summary>
internal sealed record CommandListResponse(
    IReadOnlyList<CommandResponse> Commands,
    [property: Description("Give it as cursor for the next page; null on the last page.")] string? NextCursor,
    [property: Description("Deprecated: the same as nextCursor.")] string? Next);

/// <summary>The body of POST /api/v1/commands, for the OpenAPI document (the parser reads the JSON itself).</summary>
internal sealed class CommandRequestBody
{
    [Description("The command's id (a UUID); issuing the same id again returns the first one's status.")]
    public Guid? Id { get; init; }

    [Description("One gateway (or gateways).")]
    public string? Gateway { get; init; }

    [Description("1 to 10,000 gateways, each once (or gateway).")]
    public IReadOnlyList<string>? Gateways { get; init; }

    [Description("write, dali, lighting-override, priority or vms; each takes its own fields.")]
    public required string Action { get; init; }

    [Description("How long the command stays valid: 1-86400 s, default 60.")]
    public int? ExpiresInSeconds { get; init; }

    [Description("write: the device; priority: the edge's bus priority device.")]
    public string? Device { get; init; }

    [Description("write: the point.")]
    public string? Point { get; init; }

    [Description("write: a number, true/false or a string; dali: the level (0-254) or scene (0-15).")]
    public JsonElement? Value { get; init; }

    [Description("dali, lighting-override: the line.")]
    public string? Line { get; init; }

    [Description("dali: broadcast, group:N (0-15) or gear:N (0-63).")]
    public string? Target { get; init; }

    [Description("dali: level, off, max, min, scene or identify.")]
    public string? Command { get; init; }

    [Description("lighting-override: the group (0-15); all groups when left out.")]
    public int? Group { get; init; }

    [Description("lighting-override: the level in percent (0-100).")]
    public double? LevelPercent { get; init; }

    [Description("lighting-override: how long, in seconds (or until).")]
    public int? DurationSeconds { get; init; }

    [Description("lighting-override: until when, an ISO-8601 time at most 7 days ahead (or durationSeconds).")]
    public string? Until { get; init; }

    [Description("priority: the bus, 1-17 printable ASCII characters.")]
    public string? VehicleId { get; init; }

    [Description("priority: the bus's route, 0-16 printable ASCII characters.")]
    public string? Route { get; init; }

    [Description("priority: the approach the bus comes from, 1-255 (the controller's strategy); required for request and update.")]
    public int? Approach { get; init; }

    [Description("priority: NTCIP 1211 vehicle class type, 1-10 (1 most important); required for request and update.")]
    public int? VehicleClass { get; init; }

    [Description("priority: NTCIP 1211 vehicle class level, 1-10, default 1.")]
    public int? ClassLevel { get; init; }

    [Description("priority: estimated arrival at the stop line, seconds from receipt (0-65535); required for request and update.")]
    public int? EtaSeconds { get; init; }

    [Description("priority: estimated departure, seconds from receipt, not before etaSeconds (default: etaSeconds).")]
    public int? DepartureSeconds { get; init; }

    [Description("priority: request (default), update, check-out (the bus has passed) or cancel.")]
    public string? Kind { get; init; }
    [Description("vms: the sign (the edge's device name).")]
    public string? Sign { get; init; }

    [Description("vms: activate or blank.")]
    public string? Operation { get; init; }

    [Description("vms activate: the MULTI text (NTCIP 1203 tags nl, np, jl, jp, fo, pt; syntax checked here, the sign's lines and characters by the edge).")]
    public string? Multi { get; init; }

    [Description("vms activate: minutes on the sign (1-65534); left out: until replaced.")]
    public int? DurationMinutes { get; init; }

    [Description("vms: NTCIP activation priority 1-255 (default 255).")]
    public int? Priority { get; init; }
}
