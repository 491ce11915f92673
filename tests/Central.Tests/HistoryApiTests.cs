using System.Net;
using System.Text.Json;

namespace City.Central.Tests;

/// <summary>/points/history with several series and /points/aggregate over HTTP.</summary>
public sealed class HistoryApiTests
{
    private const string Window = "from=2026-11-20T12:00:00Z&to=2026-11-20T12:10:00Z";
    private static readonly long T0 = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static async Task<CentralHost> StartWithTwoGatewaysAsync()
    {
        var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        foreach (var (id, start) in new[] { ("cab-a", 0.0), ("cab-b", 100.0) })
        {
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, id);
            await gateway.BirthAsync(1);

            // 120 readings per point, one per second from 12:00:00.
            await gateway.DataAsync(1, FakeGateway.SampleReadings(120, T0 + 119_000, start));
            await gateway.NextAckAsync();
        }

        return central;
    }

    [Theory]
    [InlineData("/api/v1/points/aggregate?point=meter1/power", HttpStatusCode.BadRequest, "gateway")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a", HttpStatusCode.BadRequest, "point")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=meter1/power&interval=5x", HttpStatusCode.BadRequest, "interval")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=meter1/power&interval=0m", HttpStatusCode.BadRequest, "interval")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=meter1/power&interval=1ms&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", HttpStatusCode.BadRequest, "interval")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=meter1/power&fn=avg,median", HttpStatusCode.BadRequest, "fn")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=meter1/power&from=noon", HttpStatusCode.BadRequest, "from")]
    [InlineData("/api/v1/points/aggregate?gateway=cab-a&point=nope", HttpStatusCode.NotFound, "nope")]
    [InlineData("/api/v1/points/history?gateway=cab-a,cab-zz&point=meter1/power", HttpStatusCode.NotFound, "cab-zz")]
    [InlineData("/api/v1/points/history?gateway=cab-a,cab-b&point=nope", HttpStatusCode.NotFound, "nope")]
    [InlineData("/api/v1/points/history?gateway=cab-a&point=meter1/power&cursor=xyz", HttpStatusCode.BadRequest, "cursor")]
    public async Task Bad_parameters_get_a_400_or_404_naming_them(string path, HttpStatusCode expected, string mentioned)
    {
        await using var central = await StartWithTwoGatewaysAsync();
        var (status, body) = await central.GetAsync(path);
        Assert.Equal(expected, status);
        Assert.Contains(mentioned, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_points_and_gateways_in_one_query_answer_grouped_by_series_and_page_with_a_cursor()
    {
        await using var central = await StartWithTwoGatewaysAsync();
        var all = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-a&gateway=cab-b&point=meter1/power,2&{Window}");
        var series = all.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["cab-a meter1/power", "cab-b meter1/power", "cab-a lamp1/on", "cab-b lamp1/on"], series.Select(s => s.GetProperty("gateway").GetString() + " " + s.GetProperty("point").GetString()));
        Assert.All(series, s => Assert.Equal(120, s.GetProperty("readings").GetArrayLength()));
        Assert.Equal(100.0, series[1].GetProperty("readings")[0].GetProperty("value").GetDouble());
        Assert.False(all.GetProperty("truncated").GetBoolean());

        // Pages of 50 across the four series give the same readings, each once.
        var paged = new Dictionary<string, List<string>>();
        string? cursor = null;
        do
        {
            var page = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-a,cab-b&point=meter1/power&point=2&{Window}&limit=50" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
            foreach (var s in page.GetProperty("series").EnumerateArray())
            {
                var key = s.GetProperty("gateway").GetString() + " " + s.GetProperty("point").GetString();
                paged.TryAdd(key, []);
                paged[key].AddRange(s.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("timestamp").GetString() + "=" + r.GetProperty("value").GetRawText()));
            }

            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        foreach (var s in series)
        {
            var key = s.GetProperty("gateway").GetString() + " " + s.GetProperty("point").GetString();
            Assert.Equal(s.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("timestamp").GetString() + "=" + r.GetProperty("value").GetRawText()), paged[key]);
        }

        // One gateway and one point keep the single-series shape.
        var one = await central.GetJsonAsync($"/api/v1/points/history?gateway=cab-b&point=meter1/power&{Window}");
        Assert.Equal("cab-b", one.GetProperty("gateway").GetString());
        Assert.Equal(120, one.GetProperty("readings").GetArrayLength());
    }

    [Fact]
    public async Task Aggregate_gives_the_requested_functions_per_interval_and_series()
    {
        await using var central = await StartWithTwoGatewaysAsync();
        var answer = await central.GetJsonAsync($"/api/v1/points/aggregate?gateway=cab-a,cab-b&point=meter1/power&{Window}&interval=1m&fn=avg,count,max");
        Assert.Equal(60_000, answer.GetProperty("intervalMs").GetInt64());
        var series = answer.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(2, series.Count);
        var buckets = series[0].GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(["2026-11-20T12:00:00.000Z", "2026-11-20T12:01:00.000Z"], buckets.Select(b => b.GetProperty("start").GetString()));

        // cab-a: 0 .. 119, 60 a minute.
        Assert.Equal(60, buckets[0].GetProperty("count").GetInt64());
        Assert.Equal(29.5, buckets[0].GetProperty("avg").GetDouble());
        Assert.Equal(119.0, buckets[1].GetProperty("max").GetDouble());
        Assert.False(buckets[0].TryGetProperty("sum", out _));
        Assert.Equal(129.5, series[1].GetProperty("buckets")[0].GetProperty("avg").GetDouble());

        // Booleans count as 0/1.
        var flags = await central.GetJsonAsync($"/api/v1/points/aggregate?gateway=cab-a&point=2&{Window}&interval=1h");
        Assert.Equal(60.0, flags.GetProperty("series")[0].GetProperty("buckets")[0].GetProperty("sum").GetDouble());
        Assert.Equal(JsonValueKind.Array, flags.GetProperty("functions").ValueKind);
    }
}
