using City.Central.Auth;
using City.Central.Ingest;
using City.Central.State;
using City.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>What an admin may change: today the reset of a gateway's registration.</summary>
internal static class AdminEndpoints
{
    private static readonly TimeSpan ResetTimeout = TimeSpan.FromSeconds(10);

    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/gateways/{id}/reset", ResetAsync)
            .Doc("resetGateway", "gateways", "Reset a gateway's registration",
                "Clears the gateway's registration through the ingest worker, so that its next birth is accepted whatever epoch it carries; stored readings stay.")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Returns<GatewayResetResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable)
            .ForRole(ApiAuthorization.Admin);
        return api;
    }

    /// <summary>
    /// Clears the gateway's registration through the ingest worker (behind the messages already queued, committed like
    /// them), so that its next birth is accepted whatever epoch it carries; stored readings stay.
    /// </summary>
    private static async Task<IResult> ResetAsync(string id, HttpContext http, GatewayRegistry registry, IngestQueue queue, TimeProvider time)
    {
        if (!GatewayIds.IsValid(id))
        {
            return ApiErrors.BadRequest($"gateway: '{id}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
        }

        if (!registry.TryGet(id, out _))
        {
            return ApiErrors.NotFound($"gateway '{id}' is unknown.");
        }

        var reset = new GatewayReset(id, http.User.Identity?.Name ?? "?");
        GatewayResetResult? result;
        try
        {
            using var timeout = new CancellationTokenSource(ResetTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, http.RequestAborted);
            await queue.WriteAsync(IncomingMessage.ForReset(reset), linked.Token).ConfigureAwait(false);
            result = await reset.Completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            return ApiErrors.Problem(StatusCodes.Status503ServiceUnavailable, $"the ingest worker did not apply the reset of '{id}' within {ResetTimeout.TotalSeconds} s (it may still do so).");
        }
        // The store could not write it: the gateway keeps its registration.
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return ApiErrors.Problem(StatusCodes.Status500InternalServerError, $"the reset of '{id}' was not stored: {exception.Message}");
        }

        return result is null
            ? ApiErrors.NotFound($"gateway '{id}' is unknown.")
            : Results.Ok(new GatewayResetResponse(result.GatewayId, reset.RequestedBy, result.PreviousEpoch, result.PreviousBufferId, result.CataloguePoints));
    }
}

internal sealed record GatewayResetResponse(string Gateway, string ResetBy, ulong PreviousEpoch, string PreviousBufferId, int CataloguePoints);
