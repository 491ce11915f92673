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

    public static RouteGroupBuilder MapLightingEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var lighting = api.MapGroup("/lighting");
        lighting.MapGet("/calendars", (LightingService service) => JsonArray(service.CalendarJsons()));
        lighting.MapGet("/calendars/{id}", (string id, LightingService service) => GetOne(Calendar, id, service.CalendarJson));
        lighting.MapPut("/calendars/{id}", PutCalendarAsync).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapDelete("/calendars/{id}", (string id, HttpContext http, LightingService service) =>
            Deleted(Calendar, id, IsValidId(id, out var problem) ? service.DeleteCalendar(id, Issuer(http)) : null, problem)).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapGet("/control-programs", (LightingService service) => JsonArray(service.ProgramJsons()));
        lighting.MapGet("/control-programs/{id}", (string id, LightingService service) => GetOne(Program, id, service.ProgramJson));
        lighting.MapPut("/control-programs/{id}", PutProgramAsync).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapDelete("/control-programs/{id}", (string id, HttpContext http, LightingService service) =>
            Deleted(Program, id, IsValidId(id, out var problem) ? service.DeleteProgram(id, Issuer(http)) : null, problem)).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapGet("/assignments", (LightingService service) => Results.Ok(service.Assignments().Select(a => AssignmentView(a.Key, a.Value))));
        lighting.MapGet("/assignments/{gateway}", GetAssignment);
        lighting.MapPut("/assignments/{gateway}", PutAssignmentAsync).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapDelete("/assignments/{gateway}", DeleteAssignment).RequireAuthorization(ApiAuthorization.Operator);
        lighting.MapGet("/status", Status);
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
            : Results.NotFound(new ErrorResponse($"gateway '{gateway}' has no lighting assignment."));
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
            ? Results.NotFound(new ErrorResponse($"gateway '{gateway}' has no lighting assignment."))
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
        LightingOutcomeKind.NotFound => Results.NotFound(new ErrorResponse($"{kind} '{id}' is unknown.")),
        LightingOutcomeKind.InUse => Results.Conflict(new ErrorsResponse(
            $"{kind} '{id}' is in use by {string.Join(", ", outcome.Problems)}.", outcome.Problems)),
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
            : Results.NotFound(new ErrorResponse($"{kind} '{id}' is unknown."));
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
        Results.BadRequest(new ErrorsResponse(problems.Count == 1 ? problems[0] : $"{problems.Count} problems: {string.Join(" ", problems)}", problems));

    private static AssignmentResponse AssignmentView(string gateway, GatewayAssignment assignment) =>
        new(gateway, assignment.DayOffset, [.. assignment.Groups.Select(g => new AssignedGroupResponse(g.Line, g.Group, g.Calendar))]);
}

/// <summary>A refused change: <c>error</c> sums it up, <c>errors</c> lists every problem (each naming its JSON path).</summary>
internal sealed record ErrorsResponse(string Error, IReadOnlyList<string> Errors);

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
