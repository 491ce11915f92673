using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The edge's buffer under real faults, with real processes: a damaged buffer file after kill -9, and a full disk (a small
/// tmpfs mounted by the test). The edge keeps running and polling, and what happened reaches central.
/// </summary>
[Collection("processes")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BufferFaultTests(ITestOutputHelper log)
{
    private const int PageSize = 8192;
    private const int PointsPerCycle = 5; // the meter's five points, read in one request per cycle
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_buffer_damaged_after_kill_9_is_moved_aside_and_salvaged_and_central_gets_the_event_and_nothing_twice()
    {
        await using var city = new CityStack(log, "gw-damaged");
        await city.StartCentralAsync();
        await city.StartMeterAsync();
        var section = city.MeterEdgeSection(periodMs: 50);

        // Small batches and frequent checkpoints (a 2 MiB cap folds the log at 128 KiB): the backlog lands in the data file.
        section["Buffer"]!["MaxBytes"] = 2 * 1024 * 1024;
        section["Buffer"]!["MaxReadingsPerBatch"] = 50;
        city.StartEdge((JsonObject)section.DeepClone());
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["central"].Long("readingsAcked") > 0 ? s : null;
        }, Patience, "the edge delivering to central");

        // Central away: a backlog builds up in the buffer file.
        Assert.Equal(0, await city.Central!.StopAsync());
        var bufferPath = Path.Combine(city.DataDirectory, "edge", "buffer.db");
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("batchesWaiting") >= 6 && BatchPageInMiddle(bufferPath) is not null ? s : null;
        }, Patience, "a backlog with batch pages in the data file");

        await city.KillEdgeAsync();
        var page = BatchPageInMiddle(bufferPath) ?? throw new InvalidOperationException("no batch page left after kill -9");
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        garbage[4] = 0xEE; // not a valid page type: the page cannot be taken for an intact one
        using (var file = File.OpenHandle(bufferPath, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(file, garbage, (long)page * PageSize);
        }

        log.WriteLine($"wrote 4 KiB of random bytes at page {page} of {new FileInfo(bufferPath).Length / PageSize}");

        await city.StartCentralAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        city.StartEdge((JsonObject)section.DeepClone());
        var first = await Eventually.ReturnsAsync(async () => await city.EdgeStatusAsync(), TimeSpan.FromSeconds(10), "edgectl status within 10 s of the start");
        Assert.False(city.Edge!.HasExited);
        Assert.NotEmpty(Directory.GetFiles(Path.GetDirectoryName(bufferPath)!, "buffer.db.damaged-*"));

        await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("readingsBuffered") > first["buffer"].Long("readingsBuffered") ? s : null;
        }, Patience, "the edge still polling into its new buffer");

        var recovered = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, "$edge/buffer/recovered");
            return texts.Count > 0 ? texts : null;
        }, Patience, "the $edge/buffer/recovered event at central");
        Assert.Contains("damaged buffer moved to", recovered[0], StringComparison.Ordinal);

        // New batches are stored, not taken for duplicates of old seqs: the meter's latest value at central moves past the restart.
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            var voltage = latest.FirstOrDefault(p => (string?)p!["id"] == "meter1/voltage");
            return voltage?["timestamp"] is JsonNode t && DateTimeOffset.Parse((string)t!, System.Globalization.CultureInfo.InvariantCulture) > restartedAt ? voltage : null;
        }, Patience, "readings taken after the restart stored at central");

        var stats = await city.GetJsonAsync("/api/v1/stats");
        log.WriteLine($"central stats: {stats.ToJsonString()}; gateway: {(await city.GatewayAsync())?.ToJsonString()}");
        Assert.Equal(0, stats.Long("rejectedTotal"));
        Assert.Equal(0, (await city.EdgeStatusAsync())["central"].Long("batchesRejected"));
        await AssertNoTimestampTwiceAsync(city);
    }

    [Fact]
    public async Task On_a_full_disk_the_edge_keeps_polling_and_answering_counts_every_reading_and_reports_to_central_when_space_returns()
    {
        await using var city = new CityStack(log, "gw-diskfull");
        var edgeDirectory = Path.Combine(city.DataDirectory, "edge");
        using var mount = new TmpfsMount(edgeDirectory, "2m");
        await city.StartMeterAsync();

        // Little space left, central away (nothing drains). As an operator would set it, the cap is one the disk holds once the
        // filler is gone (the default, 1 GiB, would fill the disk again after space returns, as LiteDB's log grows to 8 MB).
        var filler = Path.Combine(edgeDirectory, "filler");
        TmpfsMount.FillUntilFree(filler, 256 * 1024);
        var section = city.MeterEdgeSection(periodMs: 50);
        section["Buffer"]!["MaxBytes"] = 1024 * 1024;
        city.StartEdge((JsonObject)section.DeepClone());
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("readingsBuffered") > 0 ? s : null;
        }, Patience, "the edge buffering");

        // Then the filler takes the rest: the disk is full, whatever the buffer's cap.
        TopUp(filler);
        var full = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return (bool?)s["buffer"]?["diskFull"] == true && s["buffer"].Long("readingsDropped") > 0 ? s : null;
        }, Patience, "the edge reporting a full disk in its status");
        var stillFull = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("readingsDropped") > full["buffer"].Long("readingsDropped") ? s : null;
        }, Patience, "the edge still polling and counting while the disk is full");
        Assert.True((bool)stillFull["devices"]![0]!["lastPollOk"]!);
        Assert.False(city.Edge!.HasExited);

        // Space returns, central comes back: the disk-full events and the dropped total reach central.
        File.Delete(filler);
        await city.StartCentralAsync();
        var events = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, "$edge/buffer/disk-full");
            return texts.Count >= 2 ? texts : null;
        }, Patience, "both $edge/buffer/disk-full events (full, space back) at central");
        Assert.Contains(events, t => t.Contains("disk full", StringComparison.Ordinal));
        Assert.Contains(events, t => t.Contains("disk space back", StringComparison.Ordinal));

        // A clean stop commits what was polled; a restart without polling then shows the final counters.
        var beforeStop = await city.EdgeStatusAsync();
        var device = beforeStop["devices"]![0]!;
        var produced = PointsPerCycle * (device.Long("pollsOk") + device.Long("pollsFailed"));
        Assert.Equal(0, await city.Edge.StopAsync());
        ((JsonObject)section["Devices"]![0]!)["Enabled"] = false;
        city.StartEdge((JsonObject)section.DeepClone());
        var final = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["buffer"].Long("batchesWaiting") == 0 && s["central"].Long("inFlightBatches") == 0 ? s : null;
        }, Patience, "the restarted edge drained to central");
        var buffered = final["buffer"].Long("readingsBuffered");
        var dropped = final["buffer"].Long("readingsDropped");
        log.WriteLine($"produced at least {produced}; buffered {buffered}, dropped {dropped}");
        Assert.False((bool)final["buffer"]!["diskFull"]!);
        Assert.True(buffered + dropped >= produced, $"buffered {buffered} + dropped {dropped} < produced {produced}: readings lost silently");
        Assert.Equal(0, (buffered + dropped) % PointsPerCycle);
        Assert.True(dropped >= stillFull["buffer"].Long("readingsDropped"));

        var centralDropped = await Eventually.ReturnsAsync(async () =>
        {
            var value = CentralPoints.NumberOf(await CentralPoints.LatestAsync(city), "$edge/buffer/dropped-readings");
            return value == dropped ? value : null;
        }, Patience, $"central's $edge/buffer/dropped-readings at the edge's total {dropped}");
        Assert.Equal(dropped, centralDropped);
        await AssertNoTimestampTwiceAsync(city);
    }

    /// <summary>The page nearest the middle of the data file holding batches, and not superseded by a page in LiteDB's log.</summary>
    private static int? BatchPageInMiddle(string bufferPath)
    {
        var data = ReadShared(bufferPath);
        var logPath = Path.ChangeExtension(bufferPath, null) + "-log" + Path.GetExtension(bufferPath);
        var log = File.Exists(logPath) ? ReadShared(logPath) : [];
        var inLog = new HashSet<uint>();
        for (var offset = 0; offset + PageSize <= log.Length; offset += PageSize)
        {
            inLog.Add(BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(offset)));
        }

        var pages = data.Length / PageSize;
        const byte dataPageType = 4;
        return Enumerable.Range(1, Math.Max(0, pages - 1))
            .Where(p => data[(p * PageSize) + 4] == dataPageType && data[(p * PageSize) + 23] > 1 // several items: batches, not the meta
                && BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan((p * PageSize) + 24)) > 2048 && !inLog.Contains((uint)p))
            .OrderBy(p => Math.Abs(p - (pages / 2)))
            .Select(p => (int?)p)
            .FirstOrDefault();
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Every point's history at central holds each timestamp once.</summary>
    private static async Task AssertNoTimestampTwiceAsync(CityStack city)
    {
        foreach (var point in await CentralPoints.LatestAsync(city))
        {
            var id = (string?)point!["id"];
            if (id is null)
            {
                continue;
            }

            var history = await city.GetJsonAsync($"/api/v1/points/history?gateway={city.GatewayId}&point={Uri.EscapeDataString(id)}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000000");
            var timestamps = history["readings"]!.AsArray().Select(r => (string)r!["timestamp"]!).ToList();
            Assert.True(timestamps.Count == timestamps.Distinct(StringComparer.Ordinal).Count(), $"{id}: a timestamp stored twice");
        }
    }

    private static void TopUp(string filler)
    {
        var chunk = new byte[4096];
        Random.Shared.NextBytes(chunk);
        using var stream = new FileStream(filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1);
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException ex) when (ex.HResult == 28)
        {
            // Full.
        }
    }
}
