using System.Globalization;
using System.Net;
using City.Central.Auth;
using City.Central.Live;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace City.Central.Tests;

/// <summary>One central for the stream tests: heartbeat every second, a resume buffer of 200 items, 16 messages per client.</summary>
public sealed class StreamFixture : IAsyncLifetime
{
    internal CentralHost Central { get; private set; } = null!;

    internal string Viewer { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true", "--Central:Stream:HeartbeatSeconds=1",
            "--Central:Stream:ResumeItems=200", "--Central:Stream:ClientBuffer=16");
        Viewer = Central.CreateToken("stream-viewer", ApiRole.Viewer);
    }

    public async Task DisposeAsync() => await Central.DisposeAsync();
}

/// <summary>
/// GET /api/v1/stream read by a real HTTP client (<see cref="SseClient"/>) while <see cref="FakeGateway"/>s publish to
/// the embedded broker: what is committed, filters, resuming with Last-Event-ID, heartbeats, and a slow client dropped
/// while ingest goes on.
/// </summary>
public sealed class StreamTests(StreamFixture fixture) : IClassFixture<StreamFixture>
{
    private CentralHost Central => fixture.Central;

    private Task<SseClient> OpenAsync(string query, string? lastEventId = null, int? receiveBufferBytes = null) =>
        SseClient.OpenAsync(Central.BaseUrl, fixture.Viewer, query, lastEventId, receiveBufferBytes);

    private static long SeqOf(SseMessage message) => LiveId.TryParse(message.Id, out var id) ? id.Seq : -1;

    [Fact]
    public async Task Stream_ShowsBirthValuesEventsAndDeath_AfterTheirCommit()
    {
        await using var stream = await OpenAsync("?gateway=gw-live-1");
        Assert.Equal(HttpStatusCode.OK, stream.Status);
        await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-live-1");

        await gateway.BirthAsync(1);
        var birth = await stream.NextAsync("gateway");
        Assert.Equal("birth", birth.Json.GetProperty("change").GetString());
        Assert.True(birth.Json.GetProperty("online").GetBoolean());

        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        var values = await stream.NextAsync("values");
        // Committed before it is streamed: the REST API already shows the same latest values.
        var latest = await Central.GetJsonAsync("/api/v1/points/latest?gateway=gw-live-1");
        Assert.Equal(12.5, latest[0].GetProperty("value").GetDouble());
        var points = values.Json.GetProperty("values").EnumerateArray().ToList();
        Assert.Equal("gw-live-1", values.Json.GetProperty("gateway").GetString());
        Assert.Equal(["meter1/power", "lamp1/on", "lamp1/status"], points.Select(p => p.GetProperty("point").GetString()));
        Assert.Equal(12.5, points[0].GetProperty("value").GetDouble());
        Assert.Equal("kW", points[0].GetProperty("unit").GetString());
        Assert.Equal("comm-loss", points[2].GetProperty("quality").GetString());

        var eventTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await gateway.DataAsync(2, [new Reading(3, eventTime, PointValue.FromText("lamp-failed: gear 7"))], kind: BatchKind.Events);
        var edgeEvent = await stream.NextAsync("event");
        Assert.Equal("lamp1/status", edgeEvent.Json.GetProperty("point").GetString());
        Assert.Equal("lamp-failed: gear 7", edgeEvent.Json.GetProperty("value").GetString());
        Assert.Equal("lamp1", edgeEvent.Json.GetProperty("device").GetString());

        await gateway.DeathAsync(1);
        var death = await stream.NextAsync("gateway");
        Assert.Equal("death", death.Json.GetProperty("change").GetString());
        Assert.False(death.Json.GetProperty("online").GetBoolean());
        Assert.True(SeqOf(birth) < SeqOf(values) && SeqOf(values) < SeqOf(edgeEvent) && SeqOf(edgeEvent) < SeqOf(death));
    }

    [Fact]
    public async Task Filters_ByGatewayPointPrefixTypesAndTown_LeaveTheRestOut()
    {
        var (imported, answer) = await AssetRig.ImportAsync(Central.Http, "gateway,lamp_id,town\ngw-f-2,lights/g1,Testville\n", "text/csv");
        Assert.True(imported == HttpStatusCode.OK, answer.ToString());
        await using var byGateway = await OpenAsync("?gateway=gw-f-1&gateway=gw-f-3&types=values&point=meter1");
        await using var byTown = await OpenAsync("?town=testville&types=values,gateways");
        await using var first = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-f-1");
        await using var second = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-f-2");

        await second.BirthAsync(1);
        await first.BirthAsync(1);
        await second.DataAsync(1, FakeGateway.SampleReadings(2));
        await second.NextAckAsync();
        await first.DataAsync(1, FakeGateway.SampleReadings(2, start: 40));
        await first.NextAckAsync();
        await second.DeathAsync(1);

        // gw-f-1's values only, and of them only meter1/...: no gateway message, nothing of gw-f-2.
        var onlyFirst = await byGateway.NextAsync() ?? throw new InvalidOperationException("stream ended");
        Assert.Equal("values", onlyFirst.Event);
        Assert.Equal("gw-f-1", onlyFirst.Json.GetProperty("gateway").GetString());
        var point = Assert.Single(onlyFirst.Json.GetProperty("values").EnumerateArray());
        Assert.Equal("meter1/power", point.GetProperty("point").GetString());
        Assert.Equal(41.0, point.GetProperty("value").GetDouble());

        // gw-f-2 lies in Testville (imported): its birth, values and death, never gw-f-1's values committed in between.
        string[] expected = ["gateway", "values", "gateway"];
        foreach (var name in expected)
        {
            var message = await byTown.NextAsync() ?? throw new InvalidOperationException("stream ended");
            Assert.Equal(name, message.Event);
            Assert.Equal("gw-f-2", message.Json.GetProperty("gateway").GetString());
            Assert.Equal("Testville", message.Json.GetProperty("town").GetString());
        }
    }

    [Theory]
    [InlineData("?types=values,bogus", "types:")]
    [InlineData("?gateway=not%20an%20id", "gateway:")]
    public async Task BadFilter_Gets400_NamingTheParameter(string query, string prefix)
    {
        await using var stream = await OpenAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, stream.Status);
        // The API's one error shape: error (= detail) names the parameter.
        Assert.StartsWith(prefix, System.Text.Json.JsonDocument.Parse(await stream.ReadToEndAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_NeedsAToken()
    {
        await using var anonymous = await SseClient.OpenAsync(Central.BaseUrl, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
    }

    [Fact]
    public async Task LastEventId_ResumesWithWhatCameMeanwhile_ThenGoesOnLive()
    {
        await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-r-1");
        string resumeFrom;
        await using (var stream = await OpenAsync("?gateway=gw-r-1&types=values"))
        {
            await gateway.BirthAsync(1);
            await gateway.DataAsync(1, FakeGateway.SampleReadings(1, start: 1));
            resumeFrom = (await stream.NextAsync("values")).Id!;
        }

        // One commit each (batches in one group commit make one values message).
        await AckedAsync(gateway, 1);
        await gateway.DataAsync(2, FakeGateway.SampleReadings(1, start: 2));
        await AckedAsync(gateway, 1);
        await gateway.DataAsync(3, FakeGateway.SampleReadings(1, start: 3));
        await AckedAsync(gateway, 1);

        await using var header = await OpenAsync("?gateway=gw-r-1&types=values", lastEventId: resumeFrom);
        await using var query = await OpenAsync($"?gateway=gw-r-1&types=values&last_event_id={resumeFrom}");
        foreach (var resumed in new[] { header, query })
        {
            Assert.Equal(2.0, MeterValue(await resumed.NextAsync("values")));
            Assert.Equal(3.0, MeterValue(await resumed.NextAsync("values")));
        }

        await gateway.DataAsync(4, FakeGateway.SampleReadings(1, start: 4));
        Assert.Equal(4.0, MeterValue(await header.NextAsync("values")));
        Assert.Equal(4.0, MeterValue(await query.NextAsync("values")));
    }

    [Fact]
    public async Task LastEventId_OlderThanTheBuffer_OrUnknown_GetsAResetFirst()
    {
        await using var unknown = await OpenAsync("?gateway=gw-g-1", lastEventId: "1-5");
        var reset = await unknown.NextAsync() ?? throw new InvalidOperationException("stream ended");
        Assert.Equal("reset", reset.Event);
        Assert.Equal("unknown-id", reset.Json.GetProperty("reason").GetString());

        await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-g-1");
        string old;
        await using (var stream = await OpenAsync("?gateway=gw-g-1&types=values"))
        {
            await gateway.BirthAsync(1);
            await gateway.DataAsync(1, FakeGateway.SampleReadings(1));
            old = (await stream.NextAsync("values")).Id!;
        }

        // 100 commits of 3 points: 300 items, more than the 200 the buffer keeps.
        await AckedAsync(gateway, 1);
        for (ulong seq = 2; seq <= 101; seq++)
        {
            await gateway.DataAsync(seq, FakeGateway.SampleReadings(1, start: seq));
            await AckedAsync(gateway, 1);
        }

        await using var late = await OpenAsync("?gateway=gw-g-1&types=values", lastEventId: old);
        var gap = await late.NextAsync() ?? throw new InvalidOperationException("stream ended");
        Assert.Equal("reset", gap.Event);
        Assert.Equal("gap", gap.Json.GetProperty("reason").GetString());

        // The reset carries the newest id: resuming from it goes on from there, without another reset.
        await using var again = await OpenAsync("?gateway=gw-g-1&types=values", lastEventId: gap.Id);
        await gateway.DataAsync(102, FakeGateway.SampleReadings(1, start: 102));
        var next = await again.NextAsync() ?? throw new InvalidOperationException("stream ended");
        Assert.Equal("values", next.Event);
        Assert.Equal(102.0, MeterValue(next));
    }

    [Fact]
    public async Task Heartbeat_IsACommentWhileNothingHappens()
    {
        await using var stream = await OpenAsync("?gateway=gw-quiet");
        await Assert.ThrowsAsync<TimeoutException>(() => stream.NextAsync(TimeSpan.FromSeconds(3)));
        Assert.Contains(": heartbeat", stream.Comments);
    }

    [Fact]
    public async Task CommandStatusChanges_AreStreamed()
    {
        await using var stream = await OpenAsync("?gateway=gw-c-1&types=commands");
        await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-c-1");
        await gateway.BirthAsync(1);
        await Wait.UntilAsync(async () => (await Central.GetAsync("/api/v1/points/latest?gateway=gw-c-1")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "gw-c-1's birth");

        var id = await CommandApi.IssueAsync(Central.Http, new { gateways = new[] { "gw-c-1" }, action = "dali", line = "l", target = "broadcast", command = "off" });

        var command = await stream.NextAsync("command");
        Assert.Equal(id, command.Json.GetProperty("command").GetString());
        Assert.Equal("gw-c-1", command.Json.GetProperty("gateway").GetString());
        Assert.Equal("pending", command.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SlowClient_IsDroppedWithAReset_WhileIngestGoesOn()
    {
        var hub = Central.App.Services.GetRequiredService<LiveHub>();
        var droppedBefore = hub.DroppedSlowClients;
        // Never read until the end: a 4 KiB receive buffer, and values messages of 1,024 points (~100 KB each).
        await using var slow = await OpenAsync("?gateway=gw-slow", receiveBufferBytes: 4096);
        await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, "gw-slow");
        var points = Enumerable.Range(1, 1024).Select(i => new PointInfo
        {
            Alias = (uint)i, Id = $"dev{i / 64}/p{i % 64}", Unit = "V", Type = PointType.Number, Device = $"dev{i / 64}",
        }).ToList();
        await gateway.BirthAsync(1, points);

        const int Batches = 60;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (ulong seq = 1; seq <= Batches; seq++)
        {
            // One commit each (a group would make one values message of several batches): each acknowledged while
            // the client reads nothing, so ingest is not held back.
            var readings = points.Select(p => new Reading(p.Alias, now - Batches + (long)seq, PointValue.FromNumber(seq + (p.Alias / 10_000.0)))).ToList();
            await gateway.DataAsync(seq, readings);
            await AckedAsync(gateway, 1);
        }

        await Wait.UntilAsync(() => Task.FromResult(hub.DroppedSlowClients > droppedBefore), TimeSpan.FromSeconds(10), "the slow client to be dropped");

        // What it reads now ends with the reset, then the stream ends.
        SseMessage? last = null;
        while (await slow.NextAsync(TimeSpan.FromSeconds(30)) is { } message)
        {
            last = message;
        }

        Assert.NotNull(last);
        Assert.Equal("reset", last.Event);
        Assert.Equal("slow-client", last.Json.GetProperty("reason").GetString());
    }

    /// <summary>Waits for acks committing <paramref name="seqs"/> seqs in all (one ack may commit several).</summary>
    private static async Task AckedAsync(FakeGateway gateway, int seqs)
    {
        var committed = 0;
        while (committed < seqs)
        {
            committed += (await gateway.NextAckAsync(TimeSpan.FromSeconds(30))).CommittedSeqs.Count;
        }
    }

    private static double MeterValue(SseMessage values) =>
        values.Json.GetProperty("values").EnumerateArray().First(v => v.GetProperty("point").GetString() == "meter1/power").GetProperty("value").GetDouble();
}
