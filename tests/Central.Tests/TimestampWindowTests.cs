using System.Globalization;
using System.Net;
using System.Text.Json;
using City.Central.Model;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace City.Central.Tests;

/// <summary>
/// Readings whose timestamps central cannot believe (far in the future, older than any buffer holds, outside what a
/// calendar date can show): flagged, counted, kept and served, but never the latest value or part of the stored span.
/// </summary>
public sealed class TimestampWindowTests
{
    private const string AdmitOnBirth = "--Central:AdmitOnBirth=true";
    private const string OutOfWindow = "timestamp-out-of-window";

    private static readonly long Year2036 = new DateTimeOffset(2036, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long Year1970 = 1_000;

    /// <summary>One day before 0001-01-01T00:00:00Z: no DateTime can hold it.</summary>
    private static readonly long BeforeYearOne = DateTimeOffset.MinValue.ToUnixTimeMilliseconds() - 86_400_000;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static long OutOfWindowCount(JsonElement stats, string reason) =>
        stats.TryGetProperty("timestampsOutOfWindow", out var counts) && counts.TryGetProperty(reason, out var count) ? count.GetInt64() : 0;

    private static string Iso(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ReadingDated2036_DoesNotPinLatest_IsFlaggedCountedAndKept()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-future");
        await gateway.BirthAsync(1);
        var now = Now;
        await gateway.DataAsync(1, [new Reading(1, Year2036, PointValue.FromNumber(99)), new Reading(1, now - 5000, PointValue.FromNumber(1))]);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.DataAsync(2, [new Reading(1, now - 1000, PointValue.FromNumber(2))]);
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-future")).EnumerateArray().Single(p => p.GetProperty("alias").GetUInt32() == 1);
        Assert.Equal(2, latest.GetProperty("value").GetDouble());
        Assert.Equal("good", latest.GetProperty("quality").GetString());

        var stats = await central.StatsAsync();
        Assert.Equal(1, OutOfWindowCount(stats, "future"));
        Assert.Equal(0, OutOfWindowCount(stats, "too-old"));
        Assert.Equal(3, stats.GetProperty("readingsAccepted").GetInt64());

        // Still stored, and visible with its quality where its timestamp says.
        var history = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-future&point=meter1/power&from=2036-01-01T00:00:00Z&to=2036-12-31T00:00:00Z");
        var reading = Assert.Single(history.GetProperty("readings").EnumerateArray());
        Assert.Equal(99, reading.GetProperty("value").GetDouble());
        Assert.Equal(OutOfWindow, reading.GetProperty("quality").GetString());
        Assert.Equal(Iso(Year2036), reading.GetProperty("timestamp").GetString());

        // The last hour holds the two believable readings, good.
        var recent = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-future&point=meter1/power");
        Assert.Equal(["good", "good"], recent.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("quality").GetString()));
    }

    [Fact]
    public async Task BatchSpanning1970ToNow_DoesNotWidenTheStoredSpan_AndThe1970ReadingIsKept()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-1970");
        await gateway.BirthAsync(1);
        var now = Now;
        List<Reading> readings = [new(1, Year1970, PointValue.FromNumber(7)), .. FakeGateway.SampleReadings(10, now)];
        await gateway.DataAsync(1, readings);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        // What a history query uses to pick batches: the gateway's largest batch span, and each batch's own span.
        var registry = central.App.Services.GetRequiredService<GatewayRegistry>();
        Assert.True(registry.TryGet("cab-1970", out var state));
        Assert.InRange(state.MaxBatchSpanMs, 0, 60_000);
        var store = central.App.Services.GetRequiredService<IReadingStore>();
        var stored = Assert.Single(store.FindBatches("cab-1970", now - 3_600_000, now, state.MaxBatchSpanMs).ToList());
        Assert.Equal(now - 9000, stored.TMinUnixMs);
        Assert.Equal(now, stored.TMaxUnixMs);

        var stats = await central.StatsAsync();
        Assert.Equal(1, OutOfWindowCount(stats, "too-old"));

        var old = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-1970&point=meter1/power&from=1970-01-01T00:00:00Z&to=1970-01-02T00:00:00Z");
        var reading = Assert.Single(old.GetProperty("readings").EnumerateArray());
        Assert.Equal(7, reading.GetProperty("value").GetDouble());
        Assert.Equal(OutOfWindow, reading.GetProperty("quality").GetString());
        Assert.Equal("1970-01-01T00:00:01.000Z", reading.GetProperty("timestamp").GetString());

        var recent = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-1970&point=meter1/power");
        Assert.Equal(10, recent.GetProperty("readings").GetArrayLength());
        Assert.All(recent.GetProperty("readings").EnumerateArray(), r => Assert.Equal("good", r.GetProperty("quality").GetString()));
    }

    [Fact]
    public async Task TimestampBeforeYearOne_IsKeptCountedAndVisibleWithItsRawValue()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-year0");
        await gateway.BirthAsync(1);
        var now = Now;
        await gateway.DataAsync(1, [new Reading(1, BeforeYearOne, PointValue.FromNumber(-3)), new Reading(1, now, PointValue.FromNumber(4))]);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var stats = await central.StatsAsync();
        Assert.Equal(1, OutOfWindowCount(stats, "invalid"));

        // from/to also take raw Unix milliseconds, so every stored timestamp can be asked for.
        var all = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-year0&point=meter1/power&from={long.MinValue}&to={now}");
        var readings = all.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal(2, readings.Count);
        Assert.Equal(-3, readings[0].GetProperty("value").GetDouble());
        Assert.Equal(OutOfWindow, readings[0].GetProperty("quality").GetString());
        Assert.Equal(JsonValueKind.Null, readings[0].GetProperty("timestamp").ValueKind);
        Assert.Equal(BeforeYearOne, readings[0].GetProperty("timestampMs").GetInt64());
        Assert.Equal(4, readings[1].GetProperty("value").GetDouble());
        Assert.Equal("good", readings[1].GetProperty("quality").GetString());
        Assert.False(readings[1].TryGetProperty("timestampMs", out _));

        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-year0")).EnumerateArray().Single(p => p.GetProperty("alias").GetUInt32() == 1);
        Assert.Equal(4, latest.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task BatchWithOnlyImplausibleTimestamps_IsStoredWithoutMovingLatest_AndItsEventsAreServed()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-allbad");
        await gateway.BirthAsync(1);
        var now = Now;
        await gateway.DataAsync(1, [new Reading(1, now - 2000, PointValue.FromNumber(5))]);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.DataAsync(2, [new Reading(1, Year2036, PointValue.FromNumber(6)), new Reading(1, Year2036 + 1000, PointValue.FromNumber(8))]);
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.DataAsync(3, [new Reading(3, Year1970, PointValue.FromText("lamp-failed: gear 7"))], kind: BatchKind.Events);
        Assert.Equal([3UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-allbad")).EnumerateArray().ToDictionary(p => p.GetProperty("alias").GetUInt32());
        Assert.Equal(5, latest[1].GetProperty("value").GetDouble());
        Assert.Equal(JsonValueKind.Null, latest[3].GetProperty("value").ValueKind);

        var registry = central.App.Services.GetRequiredService<GatewayRegistry>();
        Assert.True(registry.TryGet("cab-allbad", out var state));
        Assert.InRange(state.MaxBatchSpanMs, 0, 60_000);

        var future = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-allbad&point=1&from={Year2036}&to={Year2036 + 1000}");
        Assert.Equal([6.0, 8.0], future.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("value").GetDouble()));
        var events = await central.GetJsonAsync("/api/v1/events?gateway=cab-allbad&from=1970-01-01T00:00:00Z&to=1970-01-01T01:00:00Z");
        var only = Assert.Single(events.GetProperty("events").EnumerateArray());
        Assert.Equal("lamp-failed: gear 7", only.GetProperty("value").GetString());
        Assert.Equal(OutOfWindow, only.GetProperty("quality").GetString());

        var stats = await central.StatsAsync();
        Assert.Equal(2, OutOfWindowCount(stats, "future"));
        Assert.Equal(1, OutOfWindowCount(stats, "too-old"));
    }

    [Fact]
    public async Task WindowFollowsTheConfiguredLimits()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth, "--Central:Ingest:MaxFutureSkew=00:00:30", "--Central:Ingest:MaxAge=01:00:00");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-window");
        await gateway.BirthAsync(1);
        var now = Now;
        await gateway.DataAsync(1,
        [
            new Reading(1, now - 7_200_000, PointValue.FromNumber(1)),
            new Reading(1, now - 1000, PointValue.FromNumber(2)),
            new Reading(1, now + 120_000, PointValue.FromNumber(3)),
        ]);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var stats = await central.StatsAsync();
        Assert.Equal(1, OutOfWindowCount(stats, "future"));
        Assert.Equal(1, OutOfWindowCount(stats, "too-old"));
        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-window")).EnumerateArray().Single(p => p.GetProperty("alias").GetUInt32() == 1);
        Assert.Equal(2, latest.GetProperty("value").GetDouble());
        var history = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-window&point=1&from={now - 8_000_000}&to={now + 200_000}");
        Assert.Equal([OutOfWindow, "good", OutOfWindow], history.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("quality").GetString()));
    }

    [Theory]
    [InlineData("--Central:Ingest:MaxFutureSkew=-00:01:00", "Central:Ingest:MaxFutureSkew")]
    [InlineData("--Central:Ingest:MaxFutureSkew=10.00:00:00", "Central:Ingest:MaxFutureSkew")]
    [InlineData("--Central:Ingest:MaxAge=00:00:10", "Central:Ingest:MaxAge")]
    public void InvalidWindow_IsRefused_NamingTheKey(string argument, string key)
    {
        var app = CentralApp.Build([$"--Central:DataPath={CentralHost.NewDataPath()}", argument], out var errors);
        Assert.Null(app);
        Assert.Contains(errors, e => e.StartsWith(key, StringComparison.Ordinal) && !e.Contains("unknown key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HistoryWindow_RejectsAFromThatIsNeitherTimeNorMilliseconds()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-param");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(1));
        await gateway.NextAckAsync();
        var (status, body) = await central.GetAsync("/api/v1/points/history?gateway=cab-param&point=1&from=soon");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("from", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
