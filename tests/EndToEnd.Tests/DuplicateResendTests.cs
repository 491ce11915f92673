using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// A batch central committed but whose ack never reached the edge (the link died on the way back) is resent by the edge
/// and taken by central as a duplicate: counted as one, acknowledged, stored once.
/// </summary>
[Collection("processes")]
public sealed class DuplicateResendTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_committed_batch_whose_ack_was_lost_is_resent_counted_as_a_duplicate_and_stored_once()
    {
        await using var city = new CityStack(log, "gw-dup");
        await city.StartCentralAsync();
        await city.StartMeterAsync();
        await using var proxy = new ChaosProxy(new IPEndPoint(IPAddress.Loopback, city.MqttPort));
        var edge = city.MeterEdgeSection(periodMs: 200);
        edge["Central"]!["Port"] = proxy.Port;
        edge["Central"]!["AckTimeoutSeconds"] = 60; // the resend comes from the reconnection, not from a timeout
        city.StartEdge(edge);
        await Eventually.ReturnsAsync(async () => (await city.EdgeStatusAsync())["central"].Long("readingsAcked") > 0 ? "acked" : null, Patience, "the edge acknowledged through the proxy");

        // From here central's acks are held back: whatever central commits after the freeze is committed but unacknowledged
        // (the stats are read after the freeze, so a batch committed in between cannot count). One such batch is enough:
        // the forwarder's send round awaits every publish's PUBACK, which the freeze holds back too, so only that round's
        // batches arrive, sometimes just one.
        proxy.FreezeServerToClient();
        var before = await city.GetJsonAsync("/api/v1/stats");
        var committedBefore = before.Long("batchesAccepted");
        var frozen = await Eventually.ReturnsAsync(
            async () =>
            {
                var stats = await city.GetJsonAsync("/api/v1/stats");
                return stats.Long("batchesAccepted") >= committedBefore + 1 ? stats : null;
            },
            Patience,
            "central to commit batches whose acks cannot reach the edge");
        Assert.Equal(0, frozen.Long("duplicateBatches"));

        // The link dies with the acks in it; the edge reconnects and resends every batch it has no ack for.
        proxy.ResetAll();
        var after = await Eventually.ReturnsAsync(
            async () =>
            {
                var stats = await city.GetJsonAsync("/api/v1/stats");
                return stats.Long("duplicateBatches") >= 1 ? stats : null;
            },
            Patience,
            "the resent batches counted as duplicates at central");
        log.WriteLine($"before the freeze: {before.ToJsonString()}\nfrozen: {frozen.ToJsonString()}\nafter the cut: {after.ToJsonString()}");
        Assert.True(after.Long("duplicateReadings") >= after.Long("duplicateBatches"), after.ToJsonString());
        await Eventually.ReturnsAsync(
            async () =>
            {
                var status = await city.EdgeStatusAsync();
                return (bool?)status["central"]?["connected"] == true && status["central"].Long("readingsAcked") > 0 ? status : null;
            },
            Patience,
            "the edge connected again");

        // Stored once: every point's history holds each polling instant once.
        foreach (var point in new[] { "voltage", "current", "power", "power-factor", "energy" })
        {
            var history = await city.GetJsonAsync($"/api/v1/points/history?gateway={city.GatewayId}&point=meter1/{point}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000000");
            var timestamps = history["readings"]!.AsArray().Select(r => (string)r!["timestamp"]!).ToList();
            Assert.NotEmpty(timestamps);
            Assert.True(timestamps.Distinct().Count() == timestamps.Count, $"meter1/{point}: {timestamps.Count - timestamps.Distinct().Count()} readings stored twice");
        }
    }
}
