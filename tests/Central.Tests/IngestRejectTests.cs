using System.Net;
using System.Text.Json;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.TestSupport;
using Google.Protobuf;
using Xunit.Abstractions;

namespace City.Central.Tests;

/// <summary>
/// A running central (embedded broker) taking births and deaths it must refuse: an invalid catalogue, a stale birth,
/// births and deaths that do not decode or name another gateway; and a store that cannot write (a full disk), which
/// withholds every ack and turns /healthz to 503 until space returns.
/// </summary>
public sealed class IngestRejectTests(ITestOutputHelper output)
{
    /// <summary>A length-delimited field 1 announcing 127 bytes and holding 1: no protobuf message decodes from it.</summary>
    private static readonly byte[] Undecodable = [0x0A, 0x7F, 0x01];

    private static async Task<JsonElement> GatewayAsync(CentralHost central, string id) =>
        (await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray().Single(g => g.GetProperty("id").GetString() == id);

    private static async Task WaitForStatsAsync(CentralHost central, Func<JsonElement, bool> condition, string what) =>
        await Until.TrueAsync(async () => condition(await central.StatsAsync()), what);

    [Fact]
    public async Task Births_and_deaths_central_must_refuse_are_counted_by_reason_and_change_nothing()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-r");
        var points = FakeGateway.DefaultPoints;

        // invalid-catalogue: two points under one alias. The gateway is not admitted by it.
        PointInfo[] sameAliasTwice = [points[0], new PointInfo(points[1]) { Alias = points[0].Alias }];
        await gateway.BirthAsync(3, sameAliasTwice);
        await central.WaitForRejectedAsync("invalid-catalogue", 1);
        Assert.DoesNotContain((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray(), g => g.GetProperty("id").GetString() == "cab-r");

        // A valid birth at epoch 5, then a stale one at epoch 4: the catalogue and the epoch stay those of epoch 5.
        await gateway.BirthAsync(5);
        await WaitForStatsAsync(central, s => s.GetProperty("births").GetInt64() == 1, "the birth of epoch 5");
        await gateway.BirthAsync(4, [points[0]]);
        await central.WaitForRejectedAsync("stale-birth", 1);
        var state = await GatewayAsync(central, "cab-r");
        Assert.Equal((5UL, 3, true), (state.GetProperty("epoch").GetUInt64(), state.GetProperty("points").GetInt32(), state.GetProperty("online").GetBoolean()));

        // Births and deaths that do not decode, or that name another gateway than their topic's.
        await gateway.PublishAsync(Topics.Birth("cab-r"), Undecodable);
        await gateway.PublishAsync(Topics.Death("cab-r"), Undecodable);
        await central.WaitForRejectedAsync("malformed", 2);
        var othersBirth = new Birth { GatewayId = "cab-other", Epoch = 9 };
        othersBirth.Points.AddRange(points);
        await gateway.PublishAsync(Topics.Birth("cab-r"), othersBirth.ToByteArray());
        await gateway.PublishAsync(Topics.Death("cab-r"), new Death { GatewayId = "cab-other", Epoch = 5 }.ToByteArray());
        await central.WaitForRejectedAsync("gateway-mismatch", 2);

        // A death of an older epoch (a late will) is ignored, not counted as a rejection; the current one takes it offline.
        await gateway.DeathAsync(4);
        await gateway.DeathAsync(5);
        await WaitForStatsAsync(central, s => s.GetProperty("deaths").GetInt64() == 1, "the death of epoch 5");
        var stats = await central.StatsAsync();
        output.WriteLine(stats.ToString());
        Assert.Equal(1, CentralHost.Rejected(stats, "invalid-catalogue"));
        Assert.Equal(1, CentralHost.Rejected(stats, "stale-birth"));
        Assert.Equal(2, CentralHost.Rejected(stats, "malformed"));
        Assert.Equal(2, CentralHost.Rejected(stats, "gateway-mismatch"));
        Assert.Equal(6, stats.GetProperty("rejectedTotal").GetInt64());
        Assert.Equal(1, stats.GetProperty("births").GetInt64());
        state = await GatewayAsync(central, "cab-r");
        Assert.Equal((5UL, 3, false), (state.GetProperty("epoch").GetUInt64(), state.GetProperty("points").GetInt32(), state.GetProperty("online").GetBoolean()));
    }

    [Fact]
    public async Task A_store_that_cannot_write_withholds_the_acks_and_healthz_is_503_until_space_returns()
    {
        var root = Path.Combine(Path.GetTempPath(), "central-full-" + Guid.NewGuid().ToString("N")[..8]);
        using var disk = new TmpfsMount(root, "24m");
        var dataPath = Path.Combine(root, "central");
        await using var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-f");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(50));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var filler = Path.Combine(root, "filler");
        TmpfsMount.FillUntilFree(filler, 0);
        var big = FakeGateway.SampleReadings(2000);
        await gateway.DataAsync(2, big);
        await Until.TrueAsync(async () => (await central.GetAsync("/healthz")).Status == HttpStatusCode.ServiceUnavailable, "/healthz 503 on the full disk");
        var (_, health) = await central.GetAsync("/healthz");
        output.WriteLine(health.ToString());
        Assert.Equal("unavailable", health.GetProperty("status").GetString());
        Assert.False(health.GetProperty("store").GetBoolean());
        Assert.False(gateway.TryTakeAck(out var unexpected), $"an ack while nothing could be written: {unexpected}");

        // Space returns; the edge resends after its ack timeout: stored once, acknowledged, healthy again.
        File.Delete(filler);
        await gateway.DataAsync(2, big);
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);
        var (status, _) = await central.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        var stats = await central.StatsAsync();
        Assert.Equal((2L, 0L), (stats.GetProperty("batchesAccepted").GetInt64(), stats.GetProperty("duplicateBatches").GetInt64()));
        Assert.Equal("1-2", (await GatewayAsync(central, "cab-f")).GetProperty("committedSeqs").GetString());
    }
}
