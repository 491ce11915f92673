using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The verdict of a fault campaign: once the edge has drained, what it buffered over its life against what central
/// stored, batch by batch (seqs) and reading by reading (every point's history), plus how long recovery and draining took.
/// Printed as one line, and appended to the file named by CHAOS_VERDICT_FILE (the benchmark scripts print that file).
/// </summary>
internal sealed class ChaosLedger(ChaosRig rig, string scenario, ITestOutputHelper output)
{
    private readonly List<double> _recoveries = [];
    private readonly List<double> _drains = [];
    private int _faults;

    /// <summary>A fault just ended: the time until the edge has a new ack, then until its buffer is empty, are recorded.</summary>
    public async Task RecoveredAsync(string fault)
    {
        var ended = Stopwatch.StartNew();
        var acked = await rig.ReadingsAckedAsync();
        await rig.WaitForAckedAsync(above: acked);
        var recovery = ended.Elapsed.TotalSeconds;
        await rig.WaitForDrainedAsync();
        var drain = ended.Elapsed.TotalSeconds;
        _faults++;
        _recoveries.Add(recovery);
        _drains.Add(drain);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario}: {fault}: first new ack after {recovery:F1} s, drained after {drain:F1} s"));
        await AppendToVerdictFileAsync(string.Create(CultureInfo.InvariantCulture, $"FAULT {scenario} | {fault} | recovery {recovery:F2} | drain {drain:F2}"));
    }

    private static async Task AppendToVerdictFileAsync(string line)
    {
        if (Environment.GetEnvironmentVariable("CHAOS_VERDICT_FILE") is { Length: > 0 } file)
        {
            await File.AppendAllTextAsync(file, line + Environment.NewLine);
        }
    }

    /// <summary>Drains, compares the edge's lifetime counters with central's store, prints the verdict and asserts it.</summary>
    public async Task<Verdict> CheckAsync()
    {
        // Polling paused (the edge applies its edited file), the edge's counters stop and can be compared with central's once
        // it has drained: its status unchanged around central's answer. A lost batch would leave a hole in central's seqs, a
        // lost or doubled reading a difference in the counts, and they would never agree.
        await rig.SetPollingAsync(enabled: false);
        try
        {
            return await CheckPausedAsync();
        }
        finally
        {
            await rig.SetPollingAsync(enabled: true);
        }
    }

    private async Task<Verdict> CheckPausedAsync()
    {
        await rig.WaitForDrainedAsync();
        Cut? last = null;
        Cut? agreed = null;
        try
        {
            agreed = await Eventually.ReturnsAsync(async () =>
            {
                var before = await rig.City.EdgeStatusAsync();
                var gateway = await GatewayAsync();
                var after = await rig.City.EdgeStatusAsync();
                last = new Cut(before, gateway);
                var unchanged = before["buffer"].Long("readingsBuffered") == after["buffer"].Long("readingsBuffered");
                return unchanged && last.Received == last.Buffered && last.CommittedSeqs == $"1-{last.LastSeq}" ? last : null;
            }, TimeSpan.FromSeconds(30), "the edge's lifetime counters and central's store agreeing");
        }
        catch (TimeoutException e)
        {
            output.WriteLine(e.Message);
        }

        var cut = agreed ?? last!;
        var stats = await rig.City.GetJsonAsync("/api/v1/stats");

        // Reading by reading: every point's whole history, with the readings of any clock (1970 included).
        long stored = 0;
        long storedTwice = 0;
        foreach (var point in (await rig.City.GetJsonAsync($"/api/v1/points/latest?gateway={ChaosRig.GatewayId}")).AsArray())
        {
            var id = (string?)point!["id"] ?? ((uint)point["alias"]!).ToString(CultureInfo.InvariantCulture);
            var history = await rig.City.GetJsonAsync(
                $"/api/v1/points/history?gateway={ChaosRig.GatewayId}&point={Uri.EscapeDataString(id)}&from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&limit=1000000");
            var readings = history["readings"]!.AsArray();
            stored += readings.Count;
            // A clock set back may repeat timestamps legitimately: those readings are marked, and only the others must be unique.
            var trusted = readings.Where(r => (string?)r!["quality"] is not ("clock-unsynced" or "timestamp-out-of-window")).ToList();
            storedTwice += trusted.Count - trusted.Select(r => (string?)r!["timestamp"]).Distinct(StringComparer.Ordinal).Count();
        }

        // The edge's events (a configuration applied: the pauses of polling) are served as events, not as point history.
        var events = await rig.City.GetJsonAsync($"/api/v1/events?gateway={ChaosRig.GatewayId}&from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&limit=100000");
        stored += events["events"]!.AsArray().Count;

        // Central went on receiving during the walk: what it serves lies between what it had received before and after.
        var receivedAfter = (await GatewayAsync()).Long("readingsReceived");
        var verdict = new Verdict(
            scenario,
            Buffered: cut.Buffered,
            Dropped: cut.Dropped,
            Received: cut.Received,
            Stored: stored,
            ReceivedAfterWalk: receivedAfter,
            StoredTwice: storedTwice,
            LastSeq: cut.LastSeq,
            CommittedSeqs: cut.CommittedSeqs,
            DuplicateBatchesResent: stats.Long("duplicateBatches"),
            Faults: _faults,
            WorstRecoverySeconds: _recoveries.DefaultIfEmpty().Max(),
            WorstDrainSeconds: _drains.DefaultIfEmpty().Max());
        output.WriteLine(verdict.ToString());
        await AppendToVerdictFileAsync(verdict.ToString());
        Assert.True(verdict.Passed, verdict.ToString());
        return verdict;
    }

    private async Task<JsonNode> GatewayAsync() =>
        (await rig.City.GetJsonAsync("/api/v1/gateways")).AsArray().Single(g => (string?)g!["id"] == ChaosRig.GatewayId)!;

    /// <summary>The edge's status and central's gateway entry, read one after the other.</summary>
    private sealed class Cut(JsonNode status, JsonNode gateway)
    {
        public long Buffered { get; } = status["buffer"].Long("readingsBuffered");

        public long Dropped { get; } = status["buffer"].Long("readingsDropped");

        public long LastSeq { get; } = status["buffer"].Long("lastSeq");

        public long Received { get; } = gateway.Long("readingsReceived");

        public string CommittedSeqs { get; } = (string?)gateway["committedSeqs"] ?? "";
    }

    internal sealed record Verdict(
        string Scenario, long Buffered, long Dropped, long Received, long Stored, long ReceivedAfterWalk, long StoredTwice, long LastSeq, string CommittedSeqs,
        long DuplicateBatchesResent, int Faults, double WorstRecoverySeconds, double WorstDrainSeconds)
    {
        /// <summary>Readings the edge buffered (its lifetime counter) that central never received.</summary>
        public long Lost => Buffered - Received;

        public bool Passed => Lost == 0 && StoredTwice == 0 && Dropped == 0 && CommittedSeqs == $"1-{LastSeq}" && Stored >= Received && Stored <= ReceivedAfterWalk;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"VERDICT {Scenario}: {(Passed ? "PASS" : "FAIL")} lost {Lost}, stored twice {StoredTwice}, " +
            $"dropped {Dropped}; edge buffered {Buffered} readings in {LastSeq} batches, central received {Received} (seqs {CommittedSeqs}) and serves {Stored} " +
            $"(received {ReceivedAfterWalk} by the end of the walk); " +
            $"resent batches central dropped as duplicates {DuplicateBatchesResent} (all scenarios so far); {Faults} faults, worst first ack after {WorstRecoverySeconds:F1} s, worst drain {WorstDrainSeconds:F1} s");
    }
}
