using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

[Collection("processes")]
public sealed class PipelineTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int PeriodMs = 50;

    // Sixty periods without a reading: more than a poll delayed on a busy machine (up to 3 s were seen at a load of 80 on
    // 2 cores; below 1 s on a quiet one), less than an edge's restart.
    private const long LongestGapMs = 60 * PeriodMs;

    // At a kill, what was read and not yet committed is gone: the writer's group (Buffer:FlushIntervalMs, 200) and its commit.
    private const long LostBeforeKillMs = 2000;

    [Fact]
    public async Task Meter_readings_flow_through_the_edge_to_central_and_garbage_is_rejected_without_harm()
    {
        await using var city = new CityStack(log);
        await city.StartCentralAsync();
        await city.StartMeterAsync();
        var edge = city.MeterEdgeSection(periodMs: 250);
        edge["Metrics"] = new JsonObject { ["ForwardPeriodSeconds"] = 1 };
        city.StartEdge(edge);

        var latest = await Eventually.ReturnsAsync(async () =>
        {
            var points = (await city.GetJsonAsync($"/api/v1/points/latest?gateway={city.GatewayId}")).AsArray();
            return points.Count(p => ((string?)p!["id"])?.StartsWith("meter1/", StringComparison.Ordinal) == true && p["value"] is not null) >= 5 ? points : null;
        }, Patience, "the meter's five points in central's latest values");
        var voltage = latest.Single(p => (string?)p!["id"] == "meter1/voltage")!;
        Assert.InRange((double)voltage["value"]!, 200, 260);
        Assert.Equal("V", (string?)voltage["unit"]);
        Assert.Equal("good", (string?)voltage["quality"]);

        var history = await city.GetJsonAsync($"/api/v1/points/history?gateway={city.GatewayId}&point=meter1/power");
        Assert.NotEmpty(history["readings"]!.AsArray());

        var gateway = await city.GatewayAsync();
        Assert.True((bool)gateway!["online"]!);

        var status = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["central"].Long("readingsAcked") > 0 ? s : null;
        }, Patience, "edgectl status showing a connected gateway with acknowledged readings");
        Assert.Equal(city.GatewayId, (string?)status["gatewayId"]);
        Assert.True((bool)status["devices"]![0]!["lastPollOk"]!);

        Assert.True((bool)status["central"]!["tls"]!);

        // The edge's own figures reach central as $edge/metrics/... points, served by the latest values like any reading.
        var withMetrics = await Eventually.ReturnsAsync(async () =>
        {
            var points = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(points, "$edge/metrics/device/meter1/polls") > 0 && CentralPoints.NumberOf(points, "$edge/metrics/central/connected") == 1
                ? points : null;
        }, Patience, "the edge's metrics ($edge/metrics/device/meter1/polls above 0, central/connected 1) in central's latest values");
        var errors = withMetrics.Single(p => (string?)p!["id"] == "$edge/metrics/device/meter1/poll-errors/timeout")!;
        Assert.Equal("polls", (string?)errors["unit"]);
        Assert.Equal("good", (string?)errors["quality"]);
        Assert.NotNull(CentralPoints.NumberOf(withMetrics, "$edge/metrics/buffer/oldest-unsent-age"));

        // A peer nobody here wrote, holding the gateway's certificate (a technician's tool beside the edge), publishes
        // garbage on the gateway's data topic.
        var before = await city.GetJsonAsync("/api/v1/stats");
        await PublishGarbageAsync(city.MqttPort, city.GatewayId);
        var after = await Eventually.ReturnsAsync(async () =>
        {
            var stats = await city.GetJsonAsync("/api/v1/stats");
            return stats["rejected"]?["malformed"] is JsonNode malformed && (long)malformed >= 1
                && stats.Long("readingsAccepted") > before.Long("readingsAccepted") ? stats : null;
        }, Patience, "the garbage counted as malformed while readings keep being accepted");
        Assert.True(after.Long("rejectedTotal") >= 1);
        // The console logger writes asynchronously: the line may arrive a little after the counter moved.
        await city.Central!.WaitForOutputAsync("(malformed)", Patience);
        Assert.False(city.Central.HasExited);
    }

    [Fact]
    public async Task Killing_the_edge_and_restarting_central_under_load_loses_nothing_and_stores_nothing_twice()
    {
        await using var city = new CityStack(log, "gw-crash");

        // The store probe below reads central's raw batches: none may be folded into per-point chunks during the test.
        string[] keepRawBatches = ["--Central:Retention:FoldAfterSeconds=86400"];
        await city.StartCentralAsync(keepRawBatches);
        await city.StartMeterAsync();
        using var edgeApi = new EdgeLocalApi(city.SocketPath);
        var kills = new List<DateTimeOffset>();
        city.StartEdge(periodMs: PeriodMs);

        // Five other gateways publish to central for the whole test and reconnect through its restarts.
        var load = city.StartBackgroundLoad(seconds: 600, intervalSeconds: 0.5);
        await WaitForAcknowledgedAsync(edgeApi, "the first edge");
        for (var round = 0; round < 3; round++)
        {
            await KillEdgeAsync(city, kills);
            city.StartEdge(periodMs: PeriodMs);
            await WaitForAcknowledgedAsync(edgeApi, $"edge {round + 2}");
        }

        // Central goes away under load, once cleanly and once hard; the edge buffers meanwhile.
        var noise = await NoiseReadingsAsync(city);
        Assert.Equal(0, await city.Central!.StopAsync());
        await WaitForBufferingAsync(edgeApi, "while central is stopped");
        await city.StartCentralAsync(keepRawBatches);
        await WaitForAcknowledgedAsync(edgeApi, "the edge after central's restart");
        noise = await WaitForNoiseAsync(city, noise, "after central's restart");
        await city.Central!.KillHardAsync();
        await WaitForBufferingAsync(edgeApi, "after central's kill -9");
        await KillEdgeAsync(city, kills);
        await city.StartCentralAsync(keepRawBatches);
        await WaitForNoiseAsync(city, noise, "after central's second restart");

        // The last restart polls nothing, so the buffer can drain to a final count.
        city.StartEdge(periodMs: PeriodMs, pollingEnabled: false);
        var status = await Eventually.ReturnsAsync(async () =>
        {
            var s = await edgeApi.StatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["buffer"].Long("batchesWaiting") == 0 && s["central"].Long("inFlightBatches") == 0 ? s : null;
        }, TimeSpan.FromSeconds(120), "the edge buffer drained to central");

        // The load ran through both restarts: every simulated gateway connected again each time.
        Assert.Equal(130, await load.StopAsync());
        var reconnections = ReportFigure(load.Output, "reconnections");
        Assert.True(reconnections >= 10, $"citysim load reconnected {reconnections} times, expected 5 gateways x 2 restarts");

        var buffered = status["buffer"].Long("readingsBuffered");
        var lastSeq = status["buffer"].Long("lastSeq");
        Assert.Equal(0, status["buffer"].Long("readingsDropped"));
        Assert.True(buffered > 500, $"only {buffered} readings were buffered: the load was too light to prove anything");

        var gateway = await city.GatewayAsync();
        log.WriteLine($"edge buffered {buffered} readings in {lastSeq} batches; central: {gateway!.ToJsonString()}");
        Assert.Equal($"1-{lastSeq}", (string?)gateway["committedSeqs"]);

        // Reading by reading: every point's history holds each timestamp once, and they add up.
        long stored = 0;
        var meterPoints = 0;
        var timelineProblems = new List<string>();
        var perPoint = new List<string>();
        var duplicates = new List<(string Id, uint Alias, string Timestamp, List<JsonNode> Copies, string Neighbours)>();
        var latest = (await city.GetJsonAsync($"/api/v1/points/latest?gateway={city.GatewayId}")).AsArray();
        foreach (var point in latest)
        {
            var alias = (uint)point!["alias"]!;
            var id = (string?)point["id"] ?? alias.ToString(CultureInfo.InvariantCulture);
            var history = await city.GetJsonAsync($"/api/v1/points/history?gateway={city.GatewayId}&point={Uri.EscapeDataString(id)}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000000");
            var readings = history["readings"]!.AsArray().Select(r => r!).ToList();
            foreach (var copies in readings.GroupBy(r => (string)r["timestamp"]!, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var at = readings.FindIndex(r => (string)r["timestamp"]! == copies.Key);
                var neighbours = string.Join(", ", readings.Skip(Math.Max(0, at - 2)).Take(copies.Count() + 4).Select(r => r.ToJsonString()));
                duplicates.Add((id, alias, copies.Key, [.. copies], neighbours));
            }

            stored += readings.Count;
            perPoint.Add($"{id} {readings.Count}");
            if (id.StartsWith("meter1/", StringComparison.Ordinal))
            {
                // Independent of the edge's own counters: a reading every period, from the first poll to the final kill,
                // with gaps only where the edge was killed.
                var times = readings.Select(r => DateTimeOffset.Parse((string)r["timestamp"]!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()).Order().ToList();
                var gaps = times.Skip(1).Zip(times, (later, earlier) => later - earlier).Order().ToList();
                log.WriteLine($"{id}: {readings.Count} readings, median gap {PollingTimeline.MedianGapMs(times)} ms, smallest {string.Join(", ", gaps.Take(3))}, largest {string.Join(", ", gaps.TakeLast(5))} ms");
                Assert.InRange(PollingTimeline.MedianGapMs(times), PeriodMs / 2, PeriodMs * 2);
                timelineProblems.AddRange(PollingTimeline.UnexplainedGaps(times, kills, LongestGapMs, LostBeforeKillMs).Select(p => $"{id}: {p}"));
                if (PollingTimeline.TailLost(times, kills[^1], LostBeforeKillMs) is { } tail)
                {
                    timelineProblems.Add($"{id}: {tail}");
                }

                meterPoints++;
            }
        }

        log.WriteLine($"kills: {string.Join(", ", kills.Select(k => k.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");
        Assert.Equal(5, meterPoints);

        var stats = await city.GetJsonAsync("/api/v1/stats");
        log.WriteLine($"central stats after the last restart: {stats.ToJsonString()}");

        // Batch by batch, in central's store file: every seq stored once, the readings adding up to what the edge buffered.
        Assert.Equal(0, await city.Central!.StopAsync());
        using var store = new CentralStoreProbe(Path.Combine(city.DataDirectory, "central"));
        var batches = store.Batches(city.GatewayId);
        var storedTwice = batches.GroupBy(b => b.Seq).Where(g => g.Count() > 1).ToList();
        var report = new StringBuilder();
        foreach (var (id, alias, timestamp, copies, neighbours) in duplicates)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"point {id} (alias {alias}) has {copies.Count} readings at {timestamp}: {string.Join(", ", copies.Select(c => c.ToJsonString()))}");
            report.AppendLine(CultureInfo.InvariantCulture, $"  around them: {neighbours}");
            var unixMs = DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            foreach (var batch in batches.Where(b => b.Readings.Exists(r => r.Alias == alias && r.TimestampUnixMs == unixMs)))
            {
                var inBatch = batch.Readings.Where(r => r.Alias == alias && r.TimestampUnixMs == unixMs).ToList();
                report.AppendLine(CultureInfo.InvariantCulture, $"  in {batch}: {inBatch.Count}x {string.Join(", ", inBatch.Select(r => $"{r.Value.Number}/{r.Quality}"))}");
            }
        }

        foreach (var seq in storedTwice)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"seq {seq.Key} stored {seq.Count()} times: {string.Join("; ", seq)}");
        }

        if (report.Length > 0)
        {
            log.WriteLine(report.ToString());
        }

        // The edge's own events ($edge/config, $edge/buffer/...: EVENTS batches of reserved points) are not in its readings
        // counter (a superseded one is never sent); central receives them with the rest.
        var idByAlias = latest.ToDictionary(p => (uint)p!["alias"]!, p => (string?)p!["id"] ?? string.Empty);
        var edgeEvents = batches.Where(b => b.Kind == City.Contract.Wire.BatchKind.Events)
            .Sum(b => b.Readings.Count(r => idByAlias.GetValueOrDefault(r.Alias, string.Empty).StartsWith("$edge/", StringComparison.Ordinal)));
        if (buffered + edgeEvents != gateway.Long("readingsReceived") || buffered != stored)
        {
            log.WriteLine($"readings per point at central: {string.Join(", ", perPoint)}");
            log.WriteLine($"batches in central's store:{Environment.NewLine}{string.Join(Environment.NewLine, batches.OrderBy(b => b.Seq))}");
        }

        Assert.True(timelineProblems.Count == 0, "readings missing at central:" + Environment.NewLine + string.Join(Environment.NewLine, timelineProblems));
        Assert.Equal(buffered + edgeEvents, gateway.Long("readingsReceived"));

        Assert.True(duplicates.Count == 0 && storedTwice.Count == 0, "stored twice:" + Environment.NewLine + report);
        Assert.Equal(Enumerable.Range(1, (int)lastSeq).Select(s => (ulong)s), batches.Select(b => b.Seq).Order());
        Assert.Equal(buffered + edgeEvents, batches.Sum(b => (long)b.Count));
        Assert.Equal(buffered, stored);
    }

    /// <summary>
    /// The running edge connected and acknowledged by central: its persisted acked counter moved past the value its first
    /// status showed (an ack this process received; the counter itself survives restarts).
    /// </summary>
    private static async Task WaitForAcknowledgedAsync(EdgeLocalApi edge, string who)
    {
        var first = await Eventually.ReturnsAsync<JsonNode>(async () => await edge.StatusAsync(), Patience, $"{who}: its local API");
        var epoch = first.Long("epoch");
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await edge.StatusAsync();
            return s.Long("epoch") == epoch && (bool?)s["central"]?["connected"] == true && s["central"].Long("batchesAcked") > first["central"].Long("batchesAcked") ? s : null;
        }, Patience, $"{who}: connected and acknowledged");
    }

    /// <summary>Central away: the edge has noticed and committed new readings (four polls) to its buffer.</summary>
    private static async Task WaitForBufferingAsync(EdgeLocalApi edge, string when)
    {
        var first = await Eventually.ReturnsAsync(async () =>
        {
            var s = await edge.StatusAsync();
            return (bool?)s["central"]?["connected"] == false ? s : null;
        }, Patience, $"the edge disconnected {when}");
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await edge.StatusAsync();
            return s["buffer"].Long("readingsBuffered") >= first["buffer"].Long("readingsBuffered") + 20 ? s : null;
        }, Patience, $"the edge buffering {when}");
    }

    /// <summary>SIGKILL; the instant kept is when the process is gone (finding its process tree first can take a second on a busy machine).</summary>
    private static async Task KillEdgeAsync(CityStack city, List<DateTimeOffset> kills)
    {
        await city.KillEdgeAsync();
        kills.Add(DateTimeOffset.UtcNow);
    }

    /// <summary>Readings central has stored from citysim load's gateways (noise-*), all together.</summary>
    private static async Task<long> NoiseReadingsAsync(CityStack city) =>
        (await city.GetJsonAsync("/api/v1/gateways")).AsArray()
            .Where(g => ((string?)g!["id"])?.StartsWith("noise-", StringComparison.Ordinal) == true)
            .Sum(g => g!.Long("readingsReceived"));

    /// <summary>Central under load again: citysim load's gateways reconnected and central stores their readings.</summary>
    private static async Task<long> WaitForNoiseAsync(CityStack city, long before, string when) =>
        await Eventually.ReturnsAsync<long?>(async () => await NoiseReadingsAsync(city) is var now && now > before ? now : null, Patience, $"citysim load's readings stored {when}") ?? 0;

    /// <summary>A figure of citysim load's table ("reconnections   10").</summary>
    private static long ReportFigure(string output, string label)
    {
        var line = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"citysim load printed no '{label}' line:\n{output}");
        return long.Parse(line.Trim()[label.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task PublishGarbageAsync(int port, string gatewayId)
    {
        var mosquittoPub = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients (./test.sh does this)");
        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), mosquittoPub,
            "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--cafile", StackCredentials.CaFile,
            "--cert", StackCredentials.CertFile(gatewayId), "--key", StackCredentials.KeyFile(gatewayId), "-i", gatewayId + ":tool",
            "-V", "mqttv5", "-q", "1", "-t", $"city/v1/{gatewayId}/data", "-m", "garbage");
        Assert.True(exitCode == 0, $"mosquitto_pub failed: {output}");
    }
}
