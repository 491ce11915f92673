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
                if (!TryParseDay(date, out var parsed, out var problem))
                {
                    return Results.Json(new ErrorDocument(problem ?? "bad date"), CoreJsonContext.Default.ErrorDocument, statusCode: StatusCodes.Status400BadRequest);
                }

                day = parsed;
            }

            return Results.Ok(LightingView.Build(state.GatewayId, settings.Site?.Town, lighting, day));
        });
    }

    public static readonly DateOnly FirstDay = new(1900, 1, 1);
    public static readonly DateOnly LastDay = new(2100, 12, 31);

    /// <summary>
    /// Exactly yyyy-mm-dd, a real calendar date (2026-02-30 is not) from <see cref="FirstDay"/> to <see cref="LastDay"/> (where
    /// the solar algorithm holds, and the day after stays a date); otherwise the problem, naming the text.
    /// </summary>
    public static bool TryParseDay(string text, out DateOnly day, out string? problem)
    {
        problem = null;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            problem = $"bad date '{text}': expected a program day as yyyy-mm-dd (e.g. 2026-07-14)";
            return false;
        }

        if (day < FirstDay || day > LastDay)
        {
            problem = $"bad date '{text}': program days run from 1900-01-01 to 2100-12-31";
            return false;
        }

        return true;
    }
}
