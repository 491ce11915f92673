using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace City.Edge.Metrics;

/// <summary>
/// GET /metrics on the local API: the <see cref="EdgeFigures"/> in Prometheus' text format (prometheus-net). The registry
/// is this edge's own (never prometheus-net's static default: tests run several edges in one process); before each scrape
/// it is set from one sample of the figures, so /metrics, /v1/status and the forwarded points agree.
/// </summary>
internal sealed class EdgeMetricsExporter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Dictionary<string, Collector> _collectors = new(StringComparer.Ordinal);
    private readonly EdgeFigures _figures;

    public EdgeMetricsExporter(EdgeFigures figures)
    {
        _figures = figures;
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        foreach (var family in EdgeFigures.Families)
        {
            var labels = family.Labels.ToArray();
            _collectors[family.Name] = family.IsCounter
                ? factory.CreateCounter(family.Name, family.Help, labels)
                : factory.CreateGauge(family.Name, family.Help, labels);
        }

        _registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>Writes every figure, as of now, to <paramref name="destination"/>.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellation) => _registry.CollectAndExportAsTextAsync(destination, cancellation);

    private void Update()
    {
        foreach (var figure in _figures.Sample())
        {
            switch (_collectors[figure.Family.Name])
            {
                case Counter counter:
                    // The edge's own counters only grow (the buffer's survive restarts): IncTo never lowers a counter.
                    if (figure.LabelValues.Count == 0)
                    {
                        counter.IncTo(figure.Value);
                    }
                    else
                    {
                        counter.WithLabels([.. figure.LabelValues]).IncTo(figure.Value);
                    }

                    break;
                case Gauge gauge:
                    if (figure.LabelValues.Count == 0)
                    {
                        gauge.Set(figure.Value);
                    }
                    else
                    {
                        gauge.WithLabels([.. figure.LabelValues]).Set(figure.Value);
                    }

                    break;
                default:
                    throw new InvalidOperationException($"metric {figure.Family.Name} is neither a counter nor a gauge");
            }
        }
    }
}

internal static class MetricsSetup
{
    /// <summary>The figures, the exporter of /metrics and, with Edge:Metrics:ForwardPeriodSeconds above 0, the forwarder.</summary>
    public static void AddEdgeMetrics(this IServiceCollection services, int forwardPeriodSeconds)
    {
        services.AddSingleton<EdgeFigures>();
        services.AddSingleton<EdgeMetricsExporter>();
        if (forwardPeriodSeconds > 0)
        {
            services.AddHostedService<MetricsForwarder>();
        }
    }

    public static void MapEdgeMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/metrics", async (HttpContext context, EdgeMetricsExporter exporter) =>
        {
            context.Response.ContentType = EdgeMetricsExporter.ContentType;
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
    }
}
