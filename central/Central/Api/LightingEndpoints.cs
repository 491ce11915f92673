using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.Lighting;
using City.Contract;
using City.Protocols.Talq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>
/// The lighting programs: TALQ calendars and control programs (PUT and DELETE for operators, GET for viewers), each
/// gateway's assignment, and each gateway's lighting status. A change pushes the sets of the gateways it touches.
/// </summary>
internal static class LightingEndpoints
{
    private const int MaxBodyBytes = 256 * 1024;
    private const string Calendar = "calendar";
    private const string Program = "control program";
    private const string IdDescription = "The id (1-64 of A-Z a-z 0-9 . _ -).";
    private const string ProgramExample = """{"type":"ControlProgramOne","id":"night-dim","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}},{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}}]}""";
    private const string CalendarExample = """{"id":"dijon","ownerCMS":"central","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"night-dim"},{"program":"night-dim"}]}""";
    private const string AssignmentExample = """{"dayOffset":12,"groups":[{"line":"lights-a","group":null,"calendar":"dijon"}]}""";

    public static RouteGroupBuilder MapLightingEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var lighting = api.MapGroup("/lighting");
        lighting.MapGet("/calendars", (LightingService service) => JsonArray(service.CalendarJsons()))
            .Doc("listCalendars", "lighting", "List the TALQ calendars")
            .Returns<TalqCalendarDoc[]>();
        lighting.MapGet("/calendars/{id}", (string id, LightingService service) => GetOne(Calendar, id, service.CalendarJson))
            .Doc("getCalendar", "lighting", "A TALQ calendar")
            .PathParam("id", IdDescription)
            .Returns<TalqCalendarDoc>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        lighting.MapPut("/calendars/{id}", PutCalendarAsync)
            .Doc("putCalendar", "lighting", "Create or replace a TALQ calendar", "Every problem is listed in errors. A change pushes the sets of the gateways whose assignments use it.")
            .PathParam("id", IdDescription)
            .Body<TalqCalendarDoc>("The calendar (its id, when given, must be the path's).", CalendarExample)
            .Returns<TalqCalendarDoc>(description: "Replaced.")
            .Returns<TalqCalendarDoc>(StatusCodes.Status201Created, "Created.")
            .Fails(StatusCodes.Status400BadRequest)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapDelete("/calendars/{id}", (string id, HttpContext http, LightingService service) =>
            Deleted(Calendar, id, IsValidId(id, out var problem) ? service.DeleteCalendar(id, Issuer(http)) : null, problem))
            .Doc("deleteCalendar", "lighting", "Delete a TALQ calendar", "409 while an assignment uses it.")
            .PathParam("id", IdDescription)
            .ReturnsNothing()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapGet("/control-programs", (LightingService service) => JsonArray(service.ProgramJsons()))
            .Doc("listControlPrograms", "lighting", "List the TALQ control programs")
            .Returns<TalqControlProgramDoc[]>();
        lighting.MapGet("/control-programs/{id}", (string id, LightingService service) => GetOne(Program, id, service.ProgramJson))
            .Doc("getControlProgram", "lighting", "A TALQ control program")
            .PathParam("id", IdDescription)
            .Returns<TalqControlProgramDoc>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        lighting.MapPut("/control-programs/{id}", PutProgramAsync)
            .Doc("putControlProgram", "lighting", "Create or replace a TALQ control program", "Every problem is listed in errors. A change pushes the sets of the gateways it touches.")
            .PathParam("id", IdDescription)
            .Body<TalqControlProgramDoc>("The control program (its id, when given, must be the path's).", ProgramExample)
            .Returns<TalqControlProgramDoc>(description: "Replaced.")
            .Returns<TalqControlProgramDoc>(StatusCodes.Status201Created, "Created.")
            .Fails(StatusCodes.Status400BadRequest)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapDelete("/control-programs/{id}", (string id, HttpContext http, LightingService service) =>
            Deleted(Program, id, IsValidId(id, out var problem) ? service.DeleteProgram(id, Issuer(http)) : null, problem))
            .Doc("deleteControlProgram", "lighting", "Delete a TALQ control program", "409 while a calendar uses it.")
            .PathParam("id", IdDescription)
            .ReturnsNothing()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapGet("/assignments", (LightingService service) => Results.Ok(service.Assignments().Select(a => AssignmentView(a.Key, a.Value))))
            .Doc("listAssignments", "lighting", "Every gateway's lighting assignment")
            .Returns<AssignmentResponse[]>();
        lighting.MapGet("/assignments/{gateway}", GetAssignment)
            .Doc("getAssignment", "lighting", "A gateway's lighting assignment")
            .PathParam("gateway", "The gateway.", ParamKind.Gateway)
            .Returns<AssignmentResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        lighting.MapPut("/assignments/{gateway}", PutAssignmentAsync)
            .Doc("putAssignment", "lighting", "Create or replace a gateway's lighting assignment", "Which calendar runs on which line and group of the gateway; pushes the gateway's set.")
            .PathParam("gateway", "The gateway.", ParamKind.Gateway)
            .Body<AssignmentRequestBody>("The assignment (its gateway, when given, must be the path's).", AssignmentExample)
            .Returns<AssignmentResponse>(description: "Replaced.")
            .Returns<AssignmentResponse>(StatusCodes.Status201Created, "Created.")
            .Fails(StatusCodes.Status400BadRequest)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapDelete("/assignments/{gateway}", DeleteAssignment)
            .Doc("deleteAssignment", "lighting", "Delete a gateway's lighting assignment")
            .PathParam("gateway", "The gateway.", ParamKind.Gateway)
            .ReturnsNothing()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Operator);
        lighting.MapGet("/status", Status)
            .Doc("listLightingStatus", "lighting", "Every gateway's lighting status", "Which set version each gateway runs, and how its last push went.")
            .Param("town", "Only the gateways of this town (case-insensitive).")
            .Returns<LightingStatusResponse[]>();
        return api;
    }

    private static async Task<IResult> PutCalendarAsync(string id, HttpRequest request, LightingService service)
    {
        var (json, problem) = await ReadWithIdAsync(id, request).ConfigureAwait(false);
        if (json is null)
        {
            return Invalid([problem!]);
        }

        return TalqJson.TryParseCalendar(json, out var calendar, out var errors)
            ? Stored(id, service.PutCalendar(id, calendar!, Issuer(request.HttpContext)), service.CalendarJson)
            : Invalid([.. errors, .. UnknownProgramsIn(json, service)]);
    }

    /// <summary>The unknown programs a calendar that did not validate names, so that one answer lists every problem.</summary>
    private static IEnumerable<string> UnknownProgramsIn(string json, LightingService service)
    {
        var calendar = JsonNode.Parse(json)!.AsObject();
        var rules = calendar["rules"] as JsonArray ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is JsonObject rule && rule["program"] is JsonValue program && program.TryGetValue<string>(out var name) && service.ProgramJson(name) is null)
            {
                yield return $"rules[{i}].program: unknown control program '{name}'.";
            }
        }

        if (calendar["defaultProgram"] is JsonValue fallback && fallback.TryGetValue<string>(out var other) && service.ProgramJson(other) is null)
        {
            yield return $"defaultProgram: unknown control program '{other}'.";
        }
    }

    private static async Task<IResult> PutProgramAsync(string id, HttpRequest request, LightingService service)
    {
        var (json, problem) = await ReadWithIdAsync(id, request).ConfigureAwait(false);
        if (json is null)
        {
            return Invalid([problem!]);
        }

        return TalqJson.TryParseControlProgram(json, out var program, out var errors)
            ? Stored(id, service.PutProgram(id, program!, Issuer(request.HttpContext)), service.ProgramJson)
            : Invalid(errors);
    }

    private static IResult GetAssignment(string gateway, LightingService service)
    {
        if (!GatewayIds.IsValid(gateway))
        {
            return Invalid([GatewayProblem(gateway)]);
        }

        return service.Assignment(gateway) is { } assignment
            ? Results.Ok(AssignmentView(gateway, assignment))
            : ApiErrors.NotFound($"gateway '{gateway}' has no lighting assignment.");
    }

    private static async Task<IResult> PutAssignmentAsync(string gateway, HttpRequest request, LightingService service)
    {
        if (!GatewayIds.IsValid(gateway))
        {
            return Invalid([GatewayProblem(gateway)]);
        }

        var (body, problem) = await ReadJsonAsync(request).ConfigureAwait(false);
        if (body is null)
        {
            return Invalid([problem!]);
        }

        using var document = JsonDocument.Parse(body.ToJsonString());
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("gateway", out var named) && named.ValueKind == JsonValueKind.String && named.GetString() != gateway)
        {
            return Invalid([$"gateway: '{named.GetString()}' differs from the path's '{gateway}'."]);
        }

        if (!LightingSetBuilder.TryParseAssignment(root, service.CalendarExists, out var assignment, out var problems))
        {
            return Invalid(problems);
        }

        var outcome = service.PutAssignment(gateway, assignment, Issuer(request.HttpContext));
        return outcome.Kind switch
        {
            LightingOutcomeKind.Invalid => Invalid(outcome.Problems),
            LightingOutcomeKind.Created => Results.Created($"/api/v1/lighting/assignments/{gateway}", AssignmentView(gateway, assignment)),
            _ => Results.Ok(AssignmentView(gateway, assignment)),
        };
    }

    private static IResult DeleteAssignment(string gateway, HttpContext http, LightingService service)
    {
        if (!GatewayIds.IsValid(gateway))
        {
            return Invalid([GatewayProblem(gateway)]);
        }

        return service.DeleteAssignment(gateway, Issuer(http)).Kind == LightingOutcomeKind.NotFound
            ? ApiErrors.NotFound($"gateway '{gateway}' has no lighting assignment.")
            : Results.NoContent();
    }

    /// <summary>Every gateway's lighting status; with <c>town</c> only the gateways of that town (their sites' town).</summary>
    private static IResult Status(string? town, LightingService service, AssetDirectory assets) =>
        Results.Ok(service.Statuses()
            .Where(s => town is null || string.Equals(assets.TownOf(s.Gateway), town, StringComparison.OrdinalIgnoreCase))
            .Select(s => new LightingStatusResponse(
                s.Gateway,
                NullIfEmpty(s.Version),
                s.State,
                NullIfEmpty(s.Reason),
                NullIfEmpty(s.Detail),
                NullIfEmpty(s.AppliedVersion),
                s.CommandId,
                s.UpdatedAtUnixMs == 0 ? null : JsonValues.Time(s.UpdatedAtUnixMs))));

    private static IResult Stored(string id, LightingOutcome outcome, Func<string, string?> stored) => outcome.Kind switch
    {
        LightingOutcomeKind.Invalid => Invalid(outcome.Problems),
        LightingOutcomeKind.Created => Results.Text(stored(id), "application/json", Encoding.UTF8, StatusCodes.Status201Created),
        _ => Results.Text(stored(id), "application/json", Encoding.UTF8, StatusCodes.Status200OK),
    };

    private static IResult Deleted(string kind, string id, LightingOutcome? outcome, string? problem) => outcome?.Kind switch
    {
        null => Invalid([problem!]),
        LightingOutcomeKind.NotFound => ApiErrors.NotFound($"{kind} '{id}' is unknown."),
        LightingOutcomeKind.InUse => ApiErrors.Problem(
            StatusCodes.Status409Conflict, $"{kind} '{id}' is in use by {string.Join(", ", outcome.Problems)}.", outcome.Problems),
        _ => Results.NoContent(),
    };

    private static IResult GetOne(string kind, string id, Func<string, string?> find)
    {
        if (!IsValidId(id, out var problem))
        {
            return Invalid([problem!]);
        }

        return find(id) is { } json
            ? Results.Text(json, "application/json", Encoding.UTF8)
            : ApiErrors.NotFound($"{kind} '{id}' is unknown.");
    }

    /// <summary>The stored JSON texts as one JSON array, as they are.</summary>
    private static IResult JsonArray(IReadOnlyList<string> items) =>
        Results.Text("[" + string.Join(",", items) + "]", "application/json", Encoding.UTF8);

    /// <summary>The body with the path's id: an id in the body that differs is a problem; a missing one is the path's.</summary>
    private static async Task<(string? Json, string? Problem)> ReadWithIdAsync(string id, HttpRequest request)
    {
        if (!IsValidId(id, out var problem))
        {
            return (null, problem);
        }

        var (body, readProblem) = await ReadJsonAsync(request).ConfigureAwait(false);
        if (body is not JsonObject item)
        {
            return (null, readProblem ?? "body: a JSON object is required.");
        }

        if (item["id"] is { } given && (given.GetValueKind() != JsonValueKind.String || given.GetValue<string>() != id))
        {
            return (null, $"id: {given.ToJsonString()} differs from the path's '{id}'.");
        }

        item["id"] = id;
        return (item.ToJsonString(), null);
    }

    private static async Task<(JsonNode? Body, string? Problem)> ReadJsonAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, $"body: larger than {MaxBodyBytes} bytes.");
        }

        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            return node is null ? (null, "body: a JSON object is required, not null.") : (node, null);
        }
        catch (JsonException exception)
        {
            return (null, $"body: not valid JSON ({exception.Message}).");
        }
    }

    private static bool IsValidId(string id, out string? problem)
    {
        problem = LightingSetBuilder.IsValidId(id) ? null : $"id: '{id}' is not a valid id ({LightingSetBuilder.IdRule}).";
        return problem is null;
    }

    private static string GatewayProblem(string gateway) => $"gateway: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).";

    private static string Issuer(HttpContext http) => http.User.Identity?.Name ?? "?";

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static IResult Invalid(IReadOnlyList<string> problems) =>
        ApiErrors.BadRequest(problems);

    private static AssignmentResponse AssignmentView(string gateway, GatewayAssignment assignment) =>
        new(gateway, assignment.DayOffset, [.. assignment.Groups.Select(g => new AssignedGroupResponse(g.Line, g.Group, g.Calendar))]);
}

internal sealed record AssignedGroupResponse(string Line, int? Group, string Calendar);

internal sealed record AssignmentResponse(string Gateway, int DayOffset, IReadOnlyList<AssignedGroupResponse> Groups);

internal sealed record LightingStatusResponse(
    string Gateway,
    string? Version,
    string State,
    string? Reason,
    string? Detail,
    string? AppliedVersion,
    string? CommandId,
    string? UpdatedAt);

/// <summary>A TALQ calendar as stored and served (protocols/Talq validates it; this describes it for the OpenAPI document).</summary>
[Description("A TALQ calendar: rules (date ranges, weekdays) naming control programs, and a default program.")]
internal sealed class TalqCalendarDoc
{
    [Description("The calendar's id.")]
    public required string Id { get; init; }

    [Description("The CMS that owns it.")]
    public string? OwnerCMS { get; init; }

    [Description("The rules, first match wins: startDate/endDate (--MM-DD), condition, program.")]
    public IReadOnlyList<JsonElement>? Rules { get; init; }

    [Description("The program of the days no rule matches.")]
    public string? DefaultProgram { get; init; }
}

/// <summary>A TALQ control program as stored and served.</summary>
[Description("A TALQ control program (ControlProgramOne): active periods and fixed-time level commands.")]
internal sealed class TalqControlProgramDoc
{
    [Description("ControlProgramOne.")]
    public required string Type { get; init; }

    [Description("The program's id.")]
    public required string Id { get; init; }

    [Description("The CMS that owns it.")]
    public string? OwnerCMS { get; init; }

    [Description("When the program runs (AstroClockActivePeriod, TimeActivePeriod).")]
    public IReadOnlyList<JsonElement>? ActivePeriods { get; init; }

    [Description("startTime and the command (a LevelState) from then on.")]
    public IReadOnlyList<JsonElement>? FixedTimeControls { get; init; }
}

/// <summary>The body of PUT /api/v1/lighting/assignments/{gateway}.</summary>
internal sealed class AssignmentRequestBody
{
    [Description("The path's gateway, when given.")]
    public string? Gateway { get; init; }

    [Description("The hour of the local day at which a lighting day starts (0-23).")]
    public int? DayOffset { get; init; }

    [Description("Which calendar runs on which line and group (no group: the whole line).")]
    public required IReadOnlyList<AssignedGroupResponse> Groups { get; init; }
}
