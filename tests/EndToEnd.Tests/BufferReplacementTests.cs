using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>An edge whose buffer file is deleted (a damaged file, an SD-card swap, a reinstall) starts again at seq 1.</summary>
[Collection("processes")]
public sealed class BufferReplacementTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_new_buffer_is_a_new_stream_stored_at_central_its_birth_accepted_and_an_event_names_the_old_last_seq()
    {
        await using var city = new CityStack(log, "gw-swap");
        await city.StartCentralAsync();
        await city.StartMeterAsync();

        // Two runs on the first buffer: epoch 2, and enough batches that the new buffer's first seqs were all used.
        city.StartEdge(periodMs: 100);
        await WaitForStatusAsync(city, s => s["central"].Long("readingsAcked") > 0, "the first run acknowledged");
        Assert.Equal(0, await city.Edge!.StopAsync());
        city.StartEdge(periodMs: 100);
        var oldStatus = await WaitForStatusAsync(city, s => s["buffer"].Long("lastSeq") >= 12, "12 batches on the first buffer");
        Assert.Equal(0, await city.Edge!.StopAsync());
        var oldGateway = await Eventually.ReturnsAsync(async () =>
        {
            var g = await city.GatewayAsync();
            return g is not null && !(bool)g["online"]! ? g : null;
        }, Patience, "the gateway offline after the clean stop");
        var oldCommitted = (string)oldGateway["committedSeqs"]!;
        var oldLastSeq = long.Parse(oldCommitted.Split(',', '-')[^1], System.Globalization.CultureInfo.InvariantCulture);
        var readingsBefore = oldGateway.Long("readingsReceived");
        var historyBefore = await HistoryCountAsync(city);
        log.WriteLine($"old buffer {oldStatus["buffer"]?["bufferId"]}: central {oldGateway.ToJsonString()}, {historyBefore} meter1/power readings");

        foreach (var file in Directory.GetFiles(Path.Combine(city.DataDirectory, "edge"), "buffer*"))
        {
            File.Delete(file);
        }

        city.StartEdge(periodMs: 100);
        var newStatus = await WaitForStatusAsync(city, s => s["central"].Long("readingsAcked") > 0, "the new buffer's first batches acknowledged");
        var newLastSeq = newStatus["buffer"].Long("lastSeq");
        var acked = newStatus["central"].Long("readingsAcked");
        Assert.True(newLastSeq < oldLastSeq, $"the new buffer reached seq {newLastSeq}, past the old {oldLastSeq}: nothing proven");

        // Every reading central acknowledged to the new buffer was stored, not dropped as a duplicate.
        var gateway = (await city.GatewayAsync())!;
        log.WriteLine($"new buffer {newStatus["buffer"]?["bufferId"]} at seq {newLastSeq}, {acked} readings acked; central {gateway.ToJsonString()}");
        Assert.True(gateway.Long("readingsReceived") >= readingsBefore + acked, $"central holds {gateway.Long("readingsReceived")} readings, expected at least {readingsBefore} + {acked}");
        Assert.True(await HistoryCountAsync(city) > historyBefore, "meter1/power history did not grow");

        Assert.True((bool)gateway["online"]!, "the new buffer's birth did not bring the gateway online");
        var stats = await city.GetJsonAsync("/api/v1/stats");
        Assert.Null(stats["rejected"]?["stale-birth"]);
        var events = (await city.GetJsonAsync($"/api/v1/events?gateway={city.GatewayId}&from=2000-01-01T00:00:00Z")).AsObject()["events"]!.AsArray();
        var started = Assert.Single(events, e => (string?)e!["point"] == "$central/new-buffer")!;
        Assert.Contains($"started a new buffer {(string?)newStatus["buffer"]!["bufferId"]}", (string)started["value"]!, StringComparison.Ordinal);
        Assert.EndsWith($"last seq {oldLastSeq}", (string)started["value"]!, StringComparison.Ordinal);
        Assert.NotEqual((string?)oldStatus["buffer"]!["bufferId"], (string?)newStatus["buffer"]!["bufferId"]);
    }

    private static Task<JsonNode> WaitForStatusAsync(CityStack city, Func<JsonNode, bool> condition, string what) =>
        Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && condition(s) ? s : null;
        }, Patience, what);

    private static async Task<int> HistoryCountAsync(CityStack city)
    {
        var history = await city.GetJsonAsync($"/api/v1/points/history?gateway={city.GatewayId}&point=meter1/power&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000000");
        return history["readings"]!.AsArray().Count;
    }
}
