using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using City.Central.Auth;
using City.Central.EdgeConfigs;
using City.Central.State;
using City.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>A gateway's edge configuration pushed from the control room, and the history of pushes.</summary>
internal static class EdgeConfigEndpoints
{
    private const string Example = """{"Edge":{"Devices":[{"Name":"meter1","Protocol":"modbus-tcp","Host":"10.0.0.5","Port":502,"UnitId":1,"Profile":"sdm630"}]}}""";

    public static RouteGroupBuilder MapEdgeConfigEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPut("/gateways/{id}/config", PutAsync)
            .Doc("putGatewayConfig", "gateways", "Push a new edge configuration to a gateway",
                "The body is the edge's configuration document ({\"Edge\": {...}}, as in its --config file): every section it names replaces the "
                + "edge's section of that name, the others stay. Sent as a signed edge-config command (expiring after 24 h unsent); the edge validates "
                + "it as at start, applies it without a restart and reports done (applied), rejected (invalid-config or not-permitted: GatewayId, "
                + "Central, Buffer, LocalApi and Commands cannot change at run time) or failed (rolled back: no device answered within its grace "
                + "period). Follow it with GET /gateways/{id}/config. Version: 16 hex digits of SHA-256 of the body as sent.")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Body<EdgeConfigDoc>("The configuration document.", Example)
            .Returns<EdgeConfigPushResponse>(StatusCodes.Status202Accepted, "Pushed: the command is on its way.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Admin);
        api.MapGet("/gateways/{id}/config", Get)
            .Doc("getGatewayConfig", "gateways", "A gateway's edge configuration",
                "The version the gateway's last birth reported as running, and the last configuration pushed (its document and its command's status).")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Returns<EdgeConfigResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Admin);
        api.MapGet("/gateways/{id}/config/history", History)
            .Doc("listGatewayConfigHistory", "gateways", "The configurations pushed to a gateway", "Newest first, without their documents.")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Returns<EdgeConfigPushResponse[]>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Admin);
        return api;
    }

    private static async Task<IResult> PutAsync(string id, HttpRequest request, GatewayRegistry registry, EdgeConfigPushes pushes)
    {
        if (Check(id, registry) is { } problem)
        {
            return problem;
        }

        if (request.ContentLength > EdgeConfigVersion.MaxJsonBytes)
        {
            return ApiErrors.BadRequest($"body: larger than {EdgeConfigVersion.MaxJsonBytes} bytes.");
        }

        string json;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        }

        if (Encoding.UTF8.GetByteCount(json) > EdgeConfigVersion.MaxJsonBytes)
        {
            return ApiErrors.BadRequest($"body: larger than {EdgeConfigVersion.MaxJsonBytes} bytes.");
        }

        try
        {
            if (JsonNode.Parse(json) is not JsonObject root || root.Count != 1 || root.First().Key != "Edge" || root["Edge"] is not JsonObject)
            {
                return ApiErrors.BadRequest("body: a JSON object {\"Edge\": {...}} is required (only the Edge section can be pushed).");
            }
        }
        catch (JsonException exception)
        {
            return ApiErrors.BadRequest($"body: not valid JSON ({exception.Message}).");
        }

        var push = pushes.Push(id, json, request.HttpContext.User.Identity?.Name ?? "?");
        return Results.Json(View(push, pushes), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Get(string id, GatewayRegistry registry, EdgeConfigPushes pushes)
    {
        if (Check(id, registry) is { } problem)
        {
            return problem;
        }

        registry.TryGet(id, out var gateway);
        var last = pushes.History(id).FirstOrDefault();
        return Results.Ok(new EdgeConfigResponse(id, gateway!.ConfigVersion, last is null ? null : View(last, pushes), last?.ConfigJson));
    }

    private static IResult History(string id, GatewayRegistry registry, EdgeConfigPushes pushes) =>
        Check(id, registry) ?? Results.Ok(pushes.History(id).Select(p => View(p, pushes)).ToList());

    private static EdgeConfigPushResponse View(EdgeConfigPush push, EdgeConfigPushes pushes)
    {
        var (status, reason, detail) = pushes.StatusOf(push);
        return new EdgeConfigPushResponse(push.Gateway, push.Number, push.Version, push.CommandId, push.Issuer,
            JsonValues.Time(push.PushedAtUnixMs), status, reason, detail);
    }

    private static IResult? Check(string id, GatewayRegistry registry) =>
        !GatewayIds.IsValid(id) ? ApiErrors.BadRequest($"id: '{id}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).")
        : !registry.TryGet(id, out _) ? ApiErrors.NotFound($"gateway '{id}' is unknown.")
        : null;
}

/// <summary>The edge's configuration document (documentation only: the body is taken as sent).</summary>
internal sealed record EdgeConfigDoc([property: JsonPropertyName("Edge")] JsonObject Edge);

/// <summary>
/// One push: its number (per gateway), version, command, who pushed it and when, and its command's status at the gateway
/// (pending, sent, accepted, done = applied, failed = rolled back, rejected, expired) with the edge's reason and detail.
/// </summary>
internal sealed record EdgeConfigPushResponse(string Gateway, int Number, string Version, string CommandId, string Issuer, string PushedAt, string Status, string Reason, string Detail);

/// <summary>The version running at the gateway (its last birth; empty: none reported) and the last push with its document.</summary>
internal sealed record EdgeConfigResponse(string Gateway, string RunningVersion, EdgeConfigPushResponse? LastPush, string? LastPushConfig);
