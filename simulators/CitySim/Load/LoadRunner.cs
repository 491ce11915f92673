using System.Globalization;
using System.Security.Cryptography;
using City.Sim.Common;
using MQTTnet;

namespace City.Sim.Load;

/// <summary>
/// Runs <c>citysim load</c>: connects every gateway, publishes for the duration, waits for the last acks,
/// disconnects cleanly and reports. Bounded: it stops by itself.
/// </summary>
internal sealed class LoadRunner(LoadOptions options, TimeProvider time)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var stats = new LoadStats();
        var commandStats = new LoadCommandStats();
        using var signingKey = LoadSigningKey(options.SigningKeyFile);
        var now = time.GetUtcNow();
        var epoch = (ulong)now.ToUnixTimeSeconds();

        // A synthetic time axis that starts a day ago, so a fast run stays in the past for a while.
        var firstTimestamp = (now.ToUnixTimeSeconds() - 86_400) * 1000;
        var gateways = Enumerable.Range(0, options.Gateways)
            .Select(i => new LoadGateway(options.GatewayId(i), options, epoch, firstTimestamp, seed: i, stats, time, signingKey, commandStats))
            .ToArray();
        try
        {
            return await RunAsync(gateways, stats, commandStats, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The pinned public key (PEM SubjectPublicKeyInfo), or null: then every command is rejected (signature).</summary>
    private static ECDsa? LoadSigningKey(string? file)
    {
        if (file is null)
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(file));
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private async Task<LoadReport> RunAsync(LoadGateway[] gateways, LoadStats stats, LoadCommandStats commandStats, CancellationToken cancellationToken)
    {
        var broker = string.Create(CultureInfo.InvariantCulture, $"{options.BrokerHost}:{options.BrokerPort}");
        ConsoleOutput.Log($"connecting {gateways.Length} gateways to {broker}{(options.TlsDirectory is null ? string.Empty : " over TLS")} (epoch {(ulong)time.GetUtcNow().ToUnixTimeSeconds()})");
        var factory = new MqttClientFactory();
        try
        {
            await Parallel.ForEachAsync(
                gateways,
                new ParallelOptions { MaxDegreeOfParallelism = options.ConnectParallelism, CancellationToken = cancellationToken },
                async (gateway, token) => await gateway.ConnectAsync(factory, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        var failed = gateways.Where(g => g.Failure is not null).ToArray();
        foreach (var group in failed.GroupBy(g => g.Failure).Take(5))
        {
            ConsoleOutput.Log($"{group.Count()} gateway(s) failed to connect ({group.First().Id}...): {group.Key}");
        }

        var running = gateways.Where(g => g.IsRunning).ToArray();
        var publishFor = running.Length == 0 || cancellationToken.IsCancellationRequested ? TimeSpan.Zero : options.Duration;
        ConsoleOutput.Log(publishFor > TimeSpan.Zero
            ? $"{running.Length} gateways connected and born; publishing for {publishFor.TotalSeconds:0.#} s"
            : $"{running.Length} gateways connected; nothing to publish");

        var start = time.GetTimestamp();
        long publishEnd;
        using (var durationCts = new CancellationTokenSource(publishFor, time))
        using (var stopCts = CancellationTokenSource.CreateLinkedTokenSource(durationCts.Token, cancellationToken))
        using (var progressCts = new CancellationTokenSource())
        {
            var progress = ReportProgressAsync(stats, running, start, progressCts.Token);
            var resends = Task.WhenAll(running.Select(g => Task.Run(() => g.ResendLoopAsync(progressCts.Token), CancellationToken.None)));
            var publishers = running.Select(g => Task.Run(() => g.PublishLoopAsync(stopCts.Token, cancellationToken), CancellationToken.None));
            await Task.WhenAll(publishers).ConfigureAwait(false);
            publishEnd = time.GetTimestamp();

            if (!cancellationToken.IsCancellationRequested && running.Any(g => g.InFlightCount > 0 || g.UnackedResults > 0))
            {
                ConsoleOutput.Log($"publishing stopped; waiting up to {options.DrainTimeout.TotalSeconds:0} s for {running.Sum(g => g.InFlightCount)} outstanding acks and {running.Sum(g => g.UnackedResults)} command results");
                await DrainAsync(running, cancellationToken).ConfigureAwait(false);
            }

            await progressCts.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
            await resends.ConfigureAwait(false);
        }

        using (var closeCts = new CancellationTokenSource(TimeSpan.FromSeconds(5), time))
        {
            await Task.WhenAll(running.Select(g => g.CloseAsync(closeCts.Token))).ConfigureAwait(false);
        }

        if (options.AckLogFile is { } ackLog)
        {
            await File.WriteAllLinesAsync(ackLog, stats.AckLogLines(), CancellationToken.None).ConfigureAwait(false);
        }

        var snapshot = stats.Take();
        var measuredEnd = Math.Max(publishEnd, snapshot.LastAckTimestamp);
        var measured = time.GetElapsedTime(start, measuredEnd).TotalSeconds;
        var (rejectedSample, rejectReasons) = stats.RejectedDetails();
        return new LoadReport
        {
            Broker = broker,
            Tls = options.TlsDirectory is not null,
            Gateways = gateways.Length,
            GatewaysConnected = running.Length,
            GatewaysFailed = gateways.Count(g => g.Failure is not null),
            Points = options.Points,
            ReadingsPerPoint = options.ReadingsPerPoint,
            Window = options.Window,
            DurationSeconds = options.Duration.TotalSeconds,
            MeasuredSeconds = Math.Round(measured, 3),
            Interrupted = cancellationToken.IsCancellationRequested,
            BatchesPublished = snapshot.BatchesPublished,
            ReadingsPublished = snapshot.ReadingsPublished,
            BatchesAcked = snapshot.BatchesAcked,
            ReadingsAcked = snapshot.ReadingsAcked,
            AckedReadingsPerSecond = measured > 0 ? Math.Round(snapshot.ReadingsAcked / measured, 1) : 0,
            AckLatencyMs = LatencySummary.From(stats.SortedLatenciesMs()),
            PayloadBytes = snapshot.PayloadBytes,
            PayloadBytesPerReading = snapshot.ReadingsPublished > 0 ? Math.Round((double)snapshot.PayloadBytes / snapshot.ReadingsPublished, 3) : 0,
            RejectedBatches = snapshot.RejectedBatches,
            RejectedReadings = snapshot.RejectedReadings,
            RejectedSeqs = rejectedSample,
            RejectReasons = rejectReasons,
            UnackedBatches = running.Sum(g => (long)g.InFlightCount),
            PublishFailures = snapshot.PublishFailures,
            ResentBatches = stats.Resent,
            Reconnects = gateways.Sum(g => (long)g.Reconnects),
            MalformedAcks = snapshot.MalformedAcks,
            SimulatorEncodeSeconds = Math.Round(snapshot.EncodeTime.TotalSeconds, 3),
            SigningKey = options.SigningKeyFile,
            Commands = commandStats.Take(gateways.Sum(g => (long)g.UnackedResults), gateways.Sum(g => (long)g.Reconnects)),
        };
    }

    private async Task DrainAsync(LoadGateway[] running, CancellationToken cancellationToken)
    {
        using var drainCts = new CancellationTokenSource(options.DrainTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(drainCts.Token, cancellationToken);
        try
        {
            while (running.Any(g => g.IsRunning && (g.InFlightCount > 0 || g.UnackedResults > 0)))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
        }
    }

    private async Task ReportProgressAsync(LoadStats stats, LoadGateway[] running, long start, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval, time);
        var previous = stats.Take();
        var previousAt = start;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = time.GetTimestamp();
                var current = stats.Take();
                var interval = time.GetElapsedTime(previousAt, now).TotalSeconds;
                var rate = interval > 0 ? (current.ReadingsAcked - previous.ReadingsAcked) / interval : 0;
                ConsoleOutput.Log(string.Create(
                    CultureInfo.InvariantCulture,
                    $"t={time.GetElapsedTime(start, now).TotalSeconds,5:0.0}s published {current.BatchesPublished} batches ({current.ReadingsPublished} readings), acked {current.BatchesAcked} ({current.ReadingsAcked} readings, {rate:0} readings/s), rejected {current.RejectedBatches}, in flight {running.Sum(g => g.InFlightCount)}, gateways up {running.Count(g => g.IsConnected)}"));
                previous = current;
                previousAt = now;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
