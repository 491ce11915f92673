using System.Net;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

public sealed class HttpApiTests
{
    [Theory]
    [InlineData("/api/v1/points/history?point=meter1/power", HttpStatusCode.BadRequest, "gateway")]
    [InlineData("/api/v1/points/history?gateway=bad%20id&point=1", HttpStatusCode.BadRequest, "gateway")]
    [InlineData("/api/v1/points/history?gateway=cab-http", HttpStatusCode.BadRequest, "point")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=meter1/power&from=yesterday", HttpStatusCode.BadRequest, "from")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=meter1/power&to=2026-13-45", HttpStatusCode.BadRequest, "to")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=meter1/power&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest, "after")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=meter1/power&limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=meter1/power&limit=abc", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/points/history?gateway=cab-http&point=nope/nothing", HttpStatusCode.NotFound, "nope/nothing")]
    [InlineData("/api/v1/points/history?gateway=cab-unknown&point=1", HttpStatusCode.NotFound, "cab-unknown")]
    [InlineData("/api/v1/points/latest?gateway=cab-unknown", HttpStatusCode.NotFound, "cab-unknown")]
    [InlineData("/api/v1/points/latest", HttpStatusCode.BadRequest, "gateway")]
    [InlineData("/api/v1/events?gateway=cab-unknown", HttpStatusCode.NotFound, "cab-unknown")]
    [InlineData("/api/v1/events?from=noon", HttpStatusCode.BadRequest, "from")]
    [InlineData("/api/v1/events?limit=0", HttpStatusCode.BadRequest, "limit")]
    public async Task BadParameters_GetAClearJsonError(string path, HttpStatusCode expected, string mentioned)
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-http");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(2));
        await gateway.NextAckAsync();

        var (status, body) = await central.GetAsync(path);
        Assert.Equal(expected, status);
        Assert.Contains(mentioned, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task History_FromAndTo_SelectTheRange_InTimestampOrder_AcrossBatches(string store)
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(store, "--Central:AdmitOnBirth=true"));
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-range");
        await gateway.BirthAsync(1);
        var t0 = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

        // The later period arrives first (live data before backlog).
        await gateway.DataAsync(2, FakeGateway.SampleReadings(10, t0 + 20_000, start: 100));
        await gateway.DataAsync(1, FakeGateway.SampleReadings(10, t0 + 9_000, start: 0));
        await gateway.NextAckAsync();

        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-range&point=meter1/power&from=2026-11-20T12:00:05Z&to=2026-11-20T12:00:14.000Z&limit=100");
        var readings = history.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal([5.0, 6, 7, 8, 9, 100, 101, 102, 103], readings.Select(r => r.GetProperty("value").GetDouble()));
        Assert.Equal("2026-11-20T12:00:05.000Z", readings[0].GetProperty("timestamp").GetString());
        Assert.Equal("good", readings[0].GetProperty("quality").GetString());
    }

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task Events_lists_the_events_batches_of_every_gateway_with_point_ids_and_leaves_telemetry_out(string store)
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(store, "--Central:AdmitOnBirth=true"));
        await using var north = await FakeGateway.ConnectAsync(central.MqttPort, "cab-north");
        await using var south = await FakeGateway.ConnectAsync(central.MqttPort, "cab-south");
        await north.BirthAsync(1);
        await south.BirthAsync(1);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        Reading Status(long at, string text) => new(3, at, PointValue.FromText(text));

        await north.DataAsync(1, FakeGateway.SampleReadings(10, t0));
        await north.DataAsync(2, [Status(t0 + 2_000, "lamp-failed: gear 7")], kind: BatchKind.Events);
        await south.DataAsync(1, [Status(t0 + 1_000, "alarm: detector fault")], kind: BatchKind.Events);
        var northAcked = new HashSet<ulong>();
        while (northAcked.Count < 2)
        {
            northAcked.UnionWith((await north.NextAckAsync()).CommittedSeqs);
        }

        await south.NextAckAsync();

        var all = await central.GetJsonAsync("/api/v1/events");
        var events = all.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["cab-south", "cab-north"], events.Select(e => e.GetProperty("gateway").GetString()));
        Assert.Equal(["alarm: detector fault", "lamp-failed: gear 7"], events.Select(e => e.GetProperty("value").GetString()));
        Assert.All(events, e => Assert.Equal("lamp1/status", e.GetProperty("point").GetString()));
        Assert.All(events, e => Assert.Equal("lamp1", e.GetProperty("device").GetString()));
        Assert.False(all.GetProperty("truncated").GetBoolean());

        var north1 = await central.GetJsonAsync("/api/v1/events?gateway=cab-north&limit=1");
        var only = Assert.Single(north1.GetProperty("events").EnumerateArray().ToList());
        Assert.Equal("lamp-failed: gear 7", only.GetProperty("value").GetString());

        var later = await central.GetJsonAsync($"/api/v1/events?from={Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(t0 + 1_500).ToString("O"))}");
        Assert.Equal("cab-north", Assert.Single(later.GetProperty("events").EnumerateArray().ToList()).GetProperty("gateway").GetString());

        var limited = await central.GetJsonAsync("/api/v1/events?limit=1");
        Assert.True(limited.GetProperty("truncated").GetBoolean());
        Assert.Equal("cab-south", Assert.Single(limited.GetProperty("events").EnumerateArray().ToList()).GetProperty("gateway").GetString());
    }

    [Fact]
    public async Task Stats_And_Health_HaveTheDocumentedShape()
    {
        await using var central = await CentralHost.StartAsync();
        var stats = await central.StatsAsync();
        foreach (var name in new[] { "batchesAccepted", "readingsAccepted", "duplicateBatches", "duplicateReadings", "rejected", "rejectedTotal", "acksSent", "queueDepth", "commits", "startedAt" })
        {
            Assert.True(stats.TryGetProperty(name, out _), $"stats lacks {name}");
        }

        Assert.Equal("ok", (await central.GetJsonAsync("/healthz")).GetProperty("status").GetString());
        Assert.Empty((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray());
    }
}
