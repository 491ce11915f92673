using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Edge.Metrics;

/// <summary>
/// Every Edge:Metrics:ForwardPeriodSeconds, one sample of the <see cref="EdgeFigures"/> goes into the reading queue as
/// readings of the <c>$edge/metrics/...</c> points (numbers, quality good unless the clock guard says otherwise): they are
/// buffered, forwarded, evicted and stored like any telemetry, so central's latest values and history show them. The first
/// sample is taken one period after the start.
/// </summary>
internal sealed partial class MetricsForwarder(
    EdgeFigures figures,
    BatchBuffer buffer,
    ReadingQueue queue,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<MetricsForwarder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.Metrics.ForwardPeriodSeconds);
        var aliases = buffer.Catalogue()
            .Where(p => p.Id.StartsWith(EdgeFigures.PointPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Id, p => p.Alias, StringComparer.Ordinal);
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await ForwardOneSampleAsync(aliases, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the sample of this period is not taken.
        }
    }

    /// <summary>Queues one reading per forwarded figure; returns how many.</summary>
    internal async Task<int> ForwardOneSampleAsync(IReadOnlyDictionary<string, uint> aliases, CancellationToken cancellationToken)
    {
        IReadOnlyList<Figure> sample;
        try
        {
            sample = figures.Sample();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or LiteDB.LiteException or IOException)
        {
            LogSampleFailed(logger, ex);
            return 0;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var queued = 0;
        foreach (var figure in sample)
        {
            if (figure.PointId is { } id && aliases.TryGetValue(id, out var alias))
            {
                // Bounded queue: waits when the buffer writer falls behind, as the pollers do.
                await queue.Writer.WriteAsync(new Reading(alias, at, PointValue.FromNumber(figure.Value), Quality.Good), cancellationToken).ConfigureAwait(false);
                queued++;
            }
        }

        return queued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The edge's metrics could not be sampled for central this period")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
