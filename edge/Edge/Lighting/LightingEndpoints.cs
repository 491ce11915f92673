using System.Globalization;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Edge.Lighting;

/// <summary><c>GET /v1/lighting[?date=yyyy-mm-dd]</c>: <see cref="LightingDocument"/> for that program day (default: the current one).</summary>
internal static class LightingEndpoints
{
    public static void MapLighting(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/lighting", (string? date, EdgeSettings settings, EdgeState state, ILightingStatus lighting) =>
        {
            DateOnly? day = null;
            if (date is not null)
            {
                if (!TryParseDay(date, out var parsed))
                {
                    return Results.BadRequest(new { error = $"bad date '{date}': expected a program day as yyyy-mm-dd (e.g. 2026-07-14)" });
                }

                day = parsed;
            }

            return Results.Ok(LightingView.Build(state.GatewayId, settings.Site?.Town, lighting, day));
        });
    }

    /// <summary>Exactly yyyy-mm-dd, a real calendar date (2026-02-30 is not).</summary>
    public static bool TryParseDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
