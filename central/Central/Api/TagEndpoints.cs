using System.Text.Json;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.State;
using City.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>The operators' tags of a gateway: read by anyone, replaced by an operator; <c>GET /api/v1/gateways?tag=</c> filters by them.</summary>
internal static class TagEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapTagEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/gateways/{id}/tags", Get)
            .Doc("getGatewayTags", "gateways", "A gateway's tags")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Returns<GatewayTagsResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapPut("/gateways/{id}/tags", PutAsync)
            .Doc("putGatewayTags", "gateways", "Replace a gateway's tags",
                $"The tags replace the gateway's tags (an empty list removes them); each is {GatewayTags.Rule}, at most {GatewayTags.MaxTags}. Stored in assets.db.")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Body<GatewayTagsRequest>("The gateway's new tags.", """{"tags":["district-north","pilot"]}""")
            .Returns<GatewayTagsResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ForRole(ApiAuthorization.Operator);
        return api;
    }

    private static IResult Get(string id, GatewayRegistry registry, GatewayTags tags) =>
        Check(id, registry) ?? Results.Ok(new GatewayTagsResponse(id, tags.Of(id)));

    private static async Task<IResult> PutAsync(string id, HttpRequest request, GatewayRegistry registry, GatewayTags tags)
    {
        if (Check(id, registry) is { } problem)
        {
            return problem;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return ApiErrors.BadRequest($"body: larger than {MaxBodyBytes} bytes.");
        }

        List<string> wanted = [];
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tags", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return ApiErrors.BadRequest("body: a JSON object {\"tags\": [\"...\"]} is required.");
            }

            foreach (var property in root.EnumerateObject().Where(p => p.Name != "tags"))
            {
                return ApiErrors.BadRequest($"{property.Name}: not a field (fields: tags).");
            }

            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !GatewayTags.IsValid(item.GetString()!))
                {
                    return ApiErrors.BadRequest($"tags[{index}]: {item.GetRawText()} is not a valid tag ({GatewayTags.Rule}).");
                }

                wanted.Add(item.GetString()!);
                index++;
            }
        }
        catch (JsonException exception)
        {
            return ApiErrors.BadRequest($"body: not valid JSON ({exception.Message}).");
        }

        if (wanted.Distinct(StringComparer.Ordinal).Count() > GatewayTags.MaxTags)
        {
            return ApiErrors.BadRequest($"tags: more than {GatewayTags.MaxTags} different tags.");
        }

        return Results.Ok(new GatewayTagsResponse(id, tags.Set(id, wanted)));
    }

    private static IResult? Check(string id, GatewayRegistry registry) =>
        !GatewayIds.IsValid(id) ? ApiErrors.BadRequest($"id: '{id}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).")
        : !registry.TryGet(id, out _) ? ApiErrors.NotFound($"gateway '{id}' is unknown.")
        : null;
}

internal sealed record GatewayTagsRequest(IReadOnlyList<string> Tags);

internal sealed record GatewayTagsResponse(string Gateway, IReadOnlyList<string> Tags);
