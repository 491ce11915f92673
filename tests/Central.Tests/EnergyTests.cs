using System.Net;
using System.Text.Json;
using City.Contract;

namespace City.Central.Tests;

/// <summary>The energy aggregates through the whole path: births with assets and lamp readings over MQTT, GET /api/v1/energy.</summary>
public sealed class EnergyTests
{
    private const string AdmitOnBirth = "--Central:AdmitOnBirth=true";
    private const long Hour = EnergyRig.Hour;

    [Fact]
    public async Task LampLitAtKnownPowerForFourHours_ExactKwhLitHoursAndSavings()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-e1");
        await EnergyRig.BirthAsync(gateway, 1, lamps: 1, ratedW: 50, replacedW: 150);

        // Lit from T0 to T0+4h at 25 W (dimmed to half of its 50 W), readings every 15 minutes from T0-1h to T0+5h.
        var t0 = EnergyRig.DaysAgoUtc(3) + (18 * Hour);
        await EnergyRig.SendAsync(gateway, EnergyRig.Night(1, t0 - Hour, t0 + (5 * Hour), Hour / 4, t0, t0 + (4 * Hour), 25), 1);

        var report = await EnergyRig.EnergyAsync(central, $"by=lamp&interval=hour&from={EnergyRig.Iso(t0)}&to={EnergyRig.Iso(t0 + (4 * Hour))}");
        var buckets = report.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(4, buckets.Count);
        foreach (var bucket in buckets)
        {
            Assert.Equal("gw-e1/lights-a/g1", bucket.GetProperty("key").GetString());
            Assert.Equal(0.025, EnergyRig.Number(bucket, "measuredKwh"), 9);
            Assert.Equal(0.05, EnergyRig.Number(bucket, "fullPowerKwh"), 9);
            Assert.Equal(0.15, EnergyRig.Number(bucket, "baselineKwh"), 9);
            Assert.Equal(1, EnergyRig.Number(bucket, "litHours"), 9);
            Assert.Equal(50, EnergyRig.Number(bucket, "savingsVsFullPercent"), 6);
            Assert.Equal(83.33, EnergyRig.Number(bucket, "savingsVsBaselinePercent"), 6);
            Assert.Equal(1, bucket.GetProperty("lamps").GetInt32());
            Assert.Equal(0, bucket.GetProperty("counterResets").GetInt32());
        }

        var total = Assert.Single(report.GetProperty("totals").EnumerateArray());
        Assert.Equal(0.1, EnergyRig.Number(total, "measuredKwh"), 9);
        Assert.Equal(4, EnergyRig.Number(total, "litHours"), 9);
        Assert.Equal(0.6, EnergyRig.Number(total, "baselineKwh"), 9);

        // The hour before and after: off, nothing used, no savings to speak of.
        var before = await EnergyRig.EnergyAsync(central, $"by=lamp&interval=hour&from={EnergyRig.Iso(t0 - Hour)}&to={EnergyRig.Iso(t0)}");
        var off = Assert.Single(before.GetProperty("buckets").EnumerateArray());
        Assert.Equal(0, EnergyRig.Number(off, "measuredKwh"));
        Assert.Equal(0, EnergyRig.Number(off, "litHours"));
        Assert.Equal(JsonValueKind.Null, off.GetProperty("savingsVsFullPercent").ValueKind);
    }

    [Fact]
    public async Task CounterGoesDown_CountedAsResetAndTheNewValueCountsFromZero()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-e2");
        await EnergyRig.BirthAsync(gateway, 1, lamps: 1);

        var t0 = EnergyRig.DaysAgoUtc(2);
        double[] counter = [1000, 1025, 1050, 10, 35];
        var readings = counter.Select((v, i) => new Reading(EnergyRig.EnergyAlias(1), t0 + (i * Hour), PointValue.FromNumber(v))).ToList();
        await EnergyRig.SendAsync(gateway, readings, 1, perBatch: 2);

        var report = await EnergyRig.EnergyAsync(central, $"by=lamp&interval=day&from={EnergyRig.Iso(t0)}&to={EnergyRig.Iso(t0 + (4 * Hour))}");
        var total = Assert.Single(report.GetProperty("totals").EnumerateArray());
        Assert.Equal(0.085, EnergyRig.Number(total, "measuredKwh"), 9);
        Assert.Equal(1, total.GetProperty("counterResets").GetInt32());
    }

    [Fact]
    public async Task OutOfOrderAndDuplicateBatches_SameFiguresAsInOrder()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var inOrder = await FakeGateway.ConnectAsync(central.MqttPort, "gw-order");
        await using var shuffled = await FakeGateway.ConnectAsync(central.MqttPort, "gw-shuffle");
        await EnergyRig.BirthAsync(inOrder, 1, lamps: 2);
        await EnergyRig.BirthAsync(shuffled, 1, lamps: 2);

        var t0 = EnergyRig.DaysAgoUtc(4) + (17 * Hour);
        var night = EnergyRig.Night(1, t0, t0 + (8 * Hour), Hour / 6, t0 + (Hour / 3), t0 + (6 * Hour), 40)
            .Concat(EnergyRig.Night(2, t0, t0 + (8 * Hour), Hour / 6, t0 + Hour, t0 + (7 * Hour), 30, counterStart: 99_000))
            .ToList();
        await EnergyRig.SendAsync(inOrder, night, 1);

        // The live data first, then the backlog of an outage backwards, some batches twice (same seq: a duplicate; a new
        // seq: the same readings again).
        var chunks = night.Chunk(40).ToList();
        var order = Enumerable.Range(0, chunks.Count).Reverse().ToList();
        (order[0], order[^1]) = (order[^1], order[0]);
        var seq = 1UL;
        foreach (var index in order)
        {
            await EnergyRig.SendAsync(shuffled, chunks[index], seq);
            if (index % 3 == 0)
            {
                await EnergyRig.SendAsync(shuffled, chunks[index], seq);
                await EnergyRig.SendAsync(shuffled, chunks[index], seq + 1000);
            }

            seq++;
        }

        var range = $"from={EnergyRig.Iso(t0 - Hour)}&to={EnergyRig.Iso(t0 + (10 * Hour))}";
        var a = await EnergyRig.EnergyAsync(central, $"by=lamp&interval=hour&gateway=gw-order&{range}");
        var b = await EnergyRig.EnergyAsync(central, $"by=lamp&interval=hour&gateway=gw-shuffle&{range}");
        var aBuckets = a.GetProperty("buckets").EnumerateArray().ToList();
        var bBuckets = b.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(22, aBuckets.Count);
        Assert.Equal(aBuckets.Count, bBuckets.Count);
        for (var i = 0; i < aBuckets.Count; i++)
        {
            Assert.Equal(aBuckets[i].GetProperty("key").GetString()!.Replace("gw-order", "gw-shuffle", StringComparison.Ordinal), bBuckets[i].GetProperty("key").GetString());
            foreach (var name in new[] { "measuredKwh", "fullPowerKwh", "baselineKwh", "litHours" })
            {
                Assert.Equal(EnergyRig.Number(aBuckets[i], name), EnergyRig.Number(bBuckets[i], name), 6);
            }
        }

        var gateways = await EnergyRig.EnergyAsync(central, $"by=gateway&interval=day&{range}");
        var totals = gateways.GetProperty("totals").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!);
        Assert.Equal(EnergyRig.Number(totals["gw-order"], "measuredKwh"), EnergyRig.Number(totals["gw-shuffle"], "measuredKwh"), 6);
        Assert.Equal(EnergyRig.Number(totals["gw-order"], "litHours"), EnergyRig.Number(totals["gw-shuffle"], "litHours"), 6);
        Assert.Equal(((40 * (6 - (1.0 / 3))) + (30 * 6)) / 1000, EnergyRig.Number(totals["gw-shuffle"], "measuredKwh"), 6);
    }

    [Fact]
    public async Task ByTownAndGateway_DaysInParisAcrossMidnight()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var north = await FakeGateway.ConnectAsync(central.MqttPort, "gw-north");
        await using var south = await FakeGateway.ConnectAsync(central.MqttPort, "gw-south");
        await using var lyon = await FakeGateway.ConnectAsync(central.MqttPort, "gw-lyon");
        await EnergyRig.BirthAsync(north, 1, lamps: 1);
        await EnergyRig.BirthAsync(south, 1, lamps: 1, ratedW: 100, replacedW: 250);
        await EnergyRig.BirthAsync(lyon, 1, lamps: 1, town: "Lyon");

        // Local Paris day D: lamps lit from 22:00 to 02:00 local (4 h, 2 on each side of midnight).
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-5));
        var midnight = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), paris.GetUtcOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue))).ToUnixTimeMilliseconds();
        var (on, off) = (midnight - (2 * Hour), midnight + (2 * Hour));
        await EnergyRig.SendAsync(north, EnergyRig.Night(1, on - Hour, off + Hour, Hour / 4, on, off, 50), 1);
        await EnergyRig.SendAsync(south, EnergyRig.Night(1, on - Hour, off + Hour, Hour / 4, on, off, 40), 1);
        await EnergyRig.SendAsync(lyon, EnergyRig.Night(1, on - Hour, off + Hour, Hour / 4, on, off, 10), 1);

        var dates = $"from={day:yyyy-MM-dd}&to={day.AddDays(2):yyyy-MM-dd}";
        var town = await EnergyRig.EnergyAsync(central, $"by=town&interval=day&town=dijon&{dates}");
        var days = town.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(2, days.Count);
        Assert.All(days, d => Assert.Equal("Dijon", d.GetProperty("key").GetString()));
        var offset = paris.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue));
        Assert.Equal($"{day:yyyy-MM-dd}T00:00:00{(offset < TimeSpan.Zero ? "-" : "+")}{offset:hh\\:mm}", days[0].GetProperty("start").GetString());
        Assert.Equal(days[0].GetProperty("end").GetString(), days[1].GetProperty("start").GetString());
        foreach (var bucket in days)
        {
            // Two lamps for 2 h each side of midnight: 50 W and 40 W measured, 50 W and 100 W rated, 150 W and 250 W replaced.
            Assert.Equal(4, EnergyRig.Number(bucket, "litHours"), 9);
            Assert.Equal(0.18, EnergyRig.Number(bucket, "measuredKwh"), 9);
            Assert.Equal(0.3, EnergyRig.Number(bucket, "fullPowerKwh"), 9);
            Assert.Equal(0.8, EnergyRig.Number(bucket, "baselineKwh"), 9);
            Assert.Equal(40, EnergyRig.Number(bucket, "savingsVsFullPercent"), 6);
            Assert.Equal(77.5, EnergyRig.Number(bucket, "savingsVsBaselinePercent"), 6);
            Assert.Equal(2, bucket.GetProperty("lamps").GetInt32());
        }

        var gateways = await EnergyRig.EnergyAsync(central, $"by=gateway&interval=day&town=Dijon&{dates}");
        var totals = gateways.GetProperty("totals").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!);
        Assert.Equal(["gw-north", "gw-south"], totals.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.2, EnergyRig.Number(totals["gw-north"], "measuredKwh"), 9);
        Assert.Equal(0.16, EnergyRig.Number(totals["gw-south"], "measuredKwh"), 9);

        var all = await EnergyRig.EnergyAsync(central, $"by=town&interval=day&{dates}");
        Assert.Equal(["Dijon", "Lyon"], all.GetProperty("totals").EnumerateArray().Select(t => t.GetProperty("key").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(0.4, EnergyRig.Number(all.GetProperty("total"), "measuredKwh"), 9);
    }

    [Fact]
    public async Task Restart_AggregatesAndReadingsKept_LaterReadingsContinueTheSeries()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            var t0 = EnergyRig.DaysAgoUtc(1);
            var night = EnergyRig.Night(1, t0, t0 + (4 * Hour), Hour / 4, t0, t0 + (4 * Hour), 20);
            string query = $"by=lamp&interval=day&from={EnergyRig.Iso(t0)}&to={EnergyRig.Iso(t0 + (4 * Hour))}";
            await using (var central = await CentralHost.StartAsync(dataPath, AdmitOnBirth))
            {
                await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-e5");
                await EnergyRig.BirthAsync(gateway, 1, lamps: 1);
                await EnergyRig.SendAsync(gateway, night.Where(r => r.TimestampUnixMs <= t0 + (2 * Hour)), 1);
                var first = await EnergyRig.EnergyAsync(central, query);
                Assert.Equal(0.04, EnergyRig.Number(Assert.Single(first.GetProperty("totals").EnumerateArray()), "measuredKwh"), 9);
            }

            await using (var central = await CentralHost.StartAsync(dataPath, AdmitOnBirth))
            {
                var kept = await EnergyRig.EnergyAsync(central, query);
                Assert.Equal(0.04, EnergyRig.Number(Assert.Single(kept.GetProperty("totals").EnumerateArray()), "measuredKwh"), 9);

                await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-e5");
                await EnergyRig.SendAsync(gateway, night.Where(r => r.TimestampUnixMs > t0 + (2 * Hour)), 100);
                var whole = await EnergyRig.EnergyAsync(central, query);
                var total = Assert.Single(whole.GetProperty("totals").EnumerateArray());
                Assert.Equal(0.08, EnergyRig.Number(total, "measuredKwh"), 9);
                Assert.Equal(4, EnergyRig.Number(total, "litHours"), 9);
            }
        }
        finally
        {
            if (Directory.Exists(dataPath))
            {
                Directory.Delete(dataPath, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Viewer_MayReadTheReport_WithoutToken_401()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        using var viewer = central.NewClient(central.CreateToken("energy-viewer", City.Central.Auth.ApiRole.Viewer));
        using var anonymous = central.NewClient(token: null);
        const string Path = "/api/v1/energy?by=town&from=2026-01-01&to=2026-01-02";

        using var allowed = await viewer.GetAsync(new Uri(Path, UriKind.Relative));
        using var refused = await anonymous.GetAsync(new Uri(Path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var body = JsonDocument.Parse(await allowed.Content.ReadAsStringAsync()).RootElement;
        Assert.Empty(body.GetProperty("buckets").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("total").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("interval=day&from=2026-01-01&to=2026-01-02", "by: required")]
    [InlineData("by=street&from=2026-01-01&to=2026-01-02", "by: 'street'")]
    [InlineData("by=town&interval=week&from=2026-01-01&to=2026-01-02", "interval: 'week'")]
    [InlineData("by=town&to=2026-01-02", "from: required")]
    [InlineData("by=town&from=yesterday&to=2026-01-02", "from: 'yesterday'")]
    [InlineData("by=town&from=2026-01-01T00:00:00&to=2026-01-02", "from: '2026-01-01T00:00:00'")]
    [InlineData("by=town&from=2026-01-02&to=2026-01-01", "to (2026-01-01) is not after from")]
    [InlineData("by=town&gateway=gw-1&from=2026-01-01&to=2026-01-02", "gateway: only with")]
    [InlineData("by=lamp&gateway=bad/id&from=2026-01-01&to=2026-01-02", "gateway: 'bad/id'")]
    [InlineData("by=town&from=2026-01-01&to=2026-01-02&limit=4", "limit: unknown parameter")]
    public async Task BadParameters_400NamingTheParameter(string query, string expected)
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        var (status, body) = await central.GetAsync("/api/v1/energy?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
