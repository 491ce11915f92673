using System.Globalization;
using System.Text;

namespace City.Sim.Load;

internal sealed record LatencySummary(double Mean, double P50, double P99, double Max)
{
    public static LatencySummary? From(double[] sortedMs)
    {
        if (sortedMs.Length == 0)
        {
            return null;
        }

        return new LatencySummary(
            Math.Round(sortedMs.Average(), 2),
            Math.Round(Percentile(sortedMs, 0.50), 2),
            Math.Round(Percentile(sortedMs, 0.99), 2),
            Math.Round(sortedMs[^1], 2));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The outcome of a <c>citysim load</c> run (printed as a table, or as JSON with --json).</summary>
internal sealed record LoadReport
{
    public required string Broker { get; init; }

    /// <summary>Whether the gateways connected over TLS with their client certificates.</summary>
    public required bool Tls { get; init; }

    public required int Gateways { get; init; }

    public required int GatewaysConnected { get; init; }

    public required int GatewaysFailed { get; init; }

    public required int Points { get; init; }

    public required int ReadingsPerPoint { get; init; }

    public required int Window { get; init; }

    public required double DurationSeconds { get; init; }

    /// <summary>From the first publish to the later of the end of publishing and the last ack.</summary>
    public required double MeasuredSeconds { get; init; }

    public required bool Interrupted { get; init; }

    public required long BatchesPublished { get; init; }

    public required long ReadingsPublished { get; init; }

    public required long BatchesAcked { get; init; }

    public required long ReadingsAcked { get; init; }

    public required double AckedReadingsPerSecond { get; init; }

    public required LatencySummary? AckLatencyMs { get; init; }

    public required long PayloadBytes { get; init; }

    public required double PayloadBytesPerReading { get; init; }

    public required long RejectedBatches { get; init; }

    public required long RejectedReadings { get; init; }

    public required IReadOnlyList<string> RejectedSeqs { get; init; }

    public required IReadOnlyDictionary<string, long> RejectReasons { get; init; }

    public required long UnackedBatches { get; init; }

    public required long PublishFailures { get; init; }

    /// <summary>Batches published again for want of an ack (--resend-after, and every unacknowledged one after a reconnection).</summary>
    public long ResentBatches { get; init; }

    /// <summary>Times a gateway connected again after losing its connection (all gateways together).</summary>
    public long Reconnects { get; init; }

    public required long MalformedAcks { get; init; }

    /// <summary>CPU time the simulator spent building and encoding batches (all gateways together).</summary>
    public required double SimulatorEncodeSeconds { get; init; }

    /// <summary>The command-signing public key the gateways pinned, or null (then every command was rejected: signature).</summary>
    public required string? SigningKey { get; init; }

    public required LoadCommandReport Commands { get; init; }

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(c, $"citysim load: {Gateways} gateways ({GatewaysConnected} connected) x {Points} points x {ReadingsPerPoint} readings/point, window {Window}, {DurationSeconds:0.#} s, broker {Broker}{(Tls ? " over TLS" : string.Empty)}{(Interrupted ? " (interrupted)" : string.Empty)}");
        b.AppendLine(c, $"{"",-28}{"published",14}{"acknowledged",14}");
        b.AppendLine(c, $"{"batches",-28}{BatchesPublished,14}{BatchesAcked,14}");
        b.AppendLine(c, $"{"readings",-28}{ReadingsPublished,14}{ReadingsAcked,14}");
        b.AppendLine(c, $"{"acked readings/s",-28}{AckedReadingsPerSecond,14:0.0}   over {MeasuredSeconds:0.00} s");
        b.AppendLine(AckLatencyMs is { } l
            ? string.Create(c, $"{"ack latency ms",-28}mean {l.Mean:0.0}  p50 {l.P50:0.0}  p99 {l.P99:0.0}  max {l.Max:0.0}")
            : string.Create(c, $"{"ack latency ms",-28}(no acks)"));
        b.AppendLine(c, $"{"payload bytes/reading",-28}{PayloadBytesPerReading,14:0.000}   ({PayloadBytes} bytes of data payload)");
        b.AppendLine(c, $"{"rejected batches",-28}{RejectedBatches,14}{(RejectedBatches > 0 ? "   " + string.Join(", ", RejectReasons.Select(r => $"{r.Key}: {r.Value}")) : string.Empty)}");
        if (RejectedSeqs.Count > 0)
        {
            b.AppendLine(c, $"{"rejected seqs",-28}{string.Join(' ', RejectedSeqs)}{(RejectedBatches > RejectedSeqs.Count ? " ..." : string.Empty)}");
        }

        b.AppendLine(c, $"{"unacknowledged at the end",-28}{UnackedBatches,14}");
        b.AppendLine(c, $"{"publish failures",-28}{PublishFailures,14}");
        b.AppendLine(c, $"{"published again (resend)",-28}{ResentBatches,14}");
        b.AppendLine(c, $"{"reconnections",-28}{Reconnects,14}");
        if (MalformedAcks > 0)
        {
            b.AppendLine(c, $"{"malformed acks",-28}{MalformedAcks,14}");
        }

        b.AppendLine(c, $"{"commands received",-28}{Commands.Received,14}   answered {Commands.Answered}: done {Commands.Done}, rejected {Commands.Rejected}{(Commands.Rejected > 0 ? " (" + string.Join(", ", Commands.RejectReasons.Select(r => $"{r.Key}: {r.Value}")) + ")" : string.Empty)}{(SigningKey is null ? " (no signing key pinned)" : string.Empty)}");
        b.AppendLine(c, $"{"command results",-28}{Commands.ResultsPublished,14}   published ({Commands.ResultsResent} resent), acked {Commands.ResultsAcked}, unacknowledged {Commands.ResultsUnacked}{(Commands.Reconnects > 0 ? $", reconnects {Commands.Reconnects}" : string.Empty)}{(Commands.Duplicates > 0 ? $", duplicates {Commands.Duplicates}" : string.Empty)}{(Commands.Malformed > 0 ? $", malformed {Commands.Malformed}" : string.Empty)}");
        b.Append(c, $"{"simulator encode time s",-28}{SimulatorEncodeSeconds,14:0.00}");
        return b.ToString();
    }
}
