using System.Globalization;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Lighting;

/// <summary><c>GET /v1/lighting[?date=yyyy-mm-dd]</c>: <see cref="LightingDocument"/> for that program day (default: the current one).</summary>
internal static class LightingEndpoints
{
    public static void MapLighting(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/lighting", (string? date, HttpContext context, EdgeState state) =>
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

            var status = context.RequestServices.GetService<ILightingStatus>() ?? new NoLighting(context.RequestServices.GetRequiredService<TimeProvider>());
            return Results.Ok(LightingView.Build(state.GatewayId, null, status, day));
        });
    }

    /// <summary>Exactly yyyy-mm-dd, a real calendar date (2026-02-30 is not).</summary>
    public static bool TryParseDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private sealed class NoLighting(TimeProvider clock) : ILightingStatus
    {
        public City.Protocols.Talq.LightingSite? Site => null;

        public City.Protocols.Talq.LightingSet? Applied => null;

        public IReadOnlyList<ActiveOverride> Overrides => [];

        public TimeProvider Clock => clock;

        public long AppliedCommands => 0;

        public long FailedCommands => 0;
    }
}
