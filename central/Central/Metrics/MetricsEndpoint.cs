using City.Central.Auth;
using City.Central.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace City.Central.Metrics;

internal static class MetricsEndpoint
{
    /// <summary>GET /metrics in Prometheus text format: open like /healthz, or for viewer tokens with Metrics:RequireToken.</summary>
    public static IEndpointRouteBuilder MapCentralMetrics(this IEndpointRouteBuilder app, CentralOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        var metrics = app.ServiceProvider.GetRequiredService<CentralMetrics>();
        var endpoint = app.MapMetrics("/metrics", metrics.Registry);
        if (options.Metrics.RequireToken)
        {
            endpoint.RequireAuthorization(ApiAuthorization.Viewer);
        }
        else
        {
            endpoint.AllowAnonymous();
        }

        return app;
    }
}
