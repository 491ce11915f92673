using System.Net;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;

namespace City.Central.Tests;

/// <summary>Central in-process with its embedded broker; MQTTnet clients play the gateways.</summary>
public sealed class IngestionTests
{
    private const string AdmitOnBirth = "--Central:AdmitOnBirth=true";

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task BirthThenData_AckCarriesSeq_ReadingsVisibleOverHttp(string store)
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(store, AdmitOnBirth));
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-001");
        await gateway.BirthAsync(epoch: 7);
        var readings = FakeGateway.SampleReadings(20);
        await gateway.DataAsync(seq: 1, readings, epoch: 7);

        var ack = await gateway.NextAckAsync();
        Assert.Equal([1UL], ack.CommittedSeqs);
        Assert.Empty(ack.RejectedSeqs);

        var gateways = await central.GetJsonAsync("/api/v1/gateways");
        var info = Assert.Single(gateways.EnumerateArray());
        Assert.Equal("cab-001", info.GetProperty("id").GetString());
        Assert.True(info.GetProperty("online").GetBoolean());
        Assert.Equal(7UL, info.GetProperty("epoch").GetUInt64());
        Assert.Equal(60, info.GetProperty("readingsReceived").GetInt64());
        Assert.Equal(1, info.GetProperty("batchesReceived").GetInt64());
        Assert.Equal("1", info.GetProperty("committedSeqs").GetString());
        Assert.Equal(3, info.GetProperty("points").GetInt32());
        Assert.EndsWith("Z", info.GetProperty("lastSeen").GetString(), StringComparison.Ordinal);

        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-001")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Assert.Equal(29.5, latest["meter1/power"].GetProperty("value").GetDouble());
        Assert.Equal("kW", latest["meter1/power"].GetProperty("unit").GetString());
        Assert.Equal("number", latest["meter1/power"].GetProperty("type").GetString());
        Assert.Equal("good", latest["meter1/power"].GetProperty("quality").GetString());
        Assert.Equal(JsonValueKind.False, latest["lamp1/on"].GetProperty("value").ValueKind);
        Assert.Equal("s19", latest["lamp1/status"].GetProperty("value").GetString());
        Assert.Equal("comm-loss", latest["lamp1/status"].GetProperty("quality").GetString());
        var newest = DateTimeOffset.FromUnixTimeMilliseconds(readings[^1].TimestampUnixMs);
        Assert.Equal(newest, DateTimeOffset.Parse(latest["meter1/power"].GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-001&point=meter1/power");
        Assert.Equal("cab-001", history.GetProperty("gateway").GetString());
        Assert.Equal("meter1/power", history.GetProperty("point").GetString());
        Assert.Equal("kW", history.GetProperty("unit").GetString());
        var values = history.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("value").GetDouble()).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 10.5 + i), values);

        // The alias number works as well as the id.
        var byAlias = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-001&point=3&limit=5");
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], byAlias.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("value").GetString()!));
        Assert.True(byAlias.GetProperty("truncated").GetBoolean());

        var stats = await central.StatsAsync();
        Assert.Equal(1, stats.GetProperty("batchesAccepted").GetInt64());
        Assert.Equal(60, stats.GetProperty("readingsAccepted").GetInt64());
        Assert.True(stats.GetProperty("acksSent").GetInt64() >= 1);
        Assert.True(stats.GetProperty("commits").GetInt64() >= 1);

        var health = await central.GetJsonAsync("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task SingleReadingsOfManyPoints_TravelInScatterBlocks_AndAreStoredAndServed(string store)
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(store, AdmitOnBirth));
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-scatter");
        await gateway.BirthAsync(epoch: 1);
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5000;

        // One reading each of three number points (alias 1 is meter1/power; 50 and 51 are not in the catalogue).
        List<Reading> readings =
        [
            new(1, t, PointValue.FromNumber(12.5)),
            new(50, t + 10, PointValue.FromNumber(7)),
            new(51, t + 20, PointValue.FromNumber(3.25), Quality.Stale),
        ];
        Assert.NotEmpty(BatchCodec.EncodeReadings(readings).Scatter);
        await gateway.DataAsync(seq: 1, readings, epoch: 1);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-scatter")).EnumerateArray().ToDictionary(p => p.GetProperty("alias").GetUInt32());
        Assert.Equal(12.5, latest[1].GetProperty("value").GetDouble());
        Assert.Equal(7, latest[50].GetProperty("value").GetDouble());
        Assert.Equal("stale", latest[51].GetProperty("quality").GetString());

        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-scatter&point=51");
        var only = Assert.Single(history.GetProperty("readings").EnumerateArray());
        Assert.Equal(3.25, only.GetProperty("value").GetDouble());
        var power = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-scatter&point=meter1/power");
        Assert.Equal(12.5, Assert.Single(power.GetProperty("readings").EnumerateArray()).GetProperty("value").GetDouble());
    }

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task DuplicateBatch_IsStoredOnce_AndAcknowledgedTwice(string store)
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(store, AdmitOnBirth));
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-dup");
        await gateway.BirthAsync(1);
        var payload = await gateway.DataAsync(5, FakeGateway.SampleReadings(10));
        Assert.Equal([5UL], (await gateway.NextAckAsync()).CommittedSeqs);

        await gateway.PublishAsync(Topics.Data(gateway.Id), payload);
        Assert.Equal([5UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var stats = await central.StatsAsync();
        Assert.Equal(1, stats.GetProperty("batchesAccepted").GetInt64());
        Assert.Equal(1, stats.GetProperty("duplicateBatches").GetInt64());
        Assert.Equal(30, stats.GetProperty("duplicateReadings").GetInt64());
        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-dup&point=meter1/power");
        Assert.Equal(10, history.GetProperty("readings").GetArrayLength());
        var info = Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray());
        Assert.Equal(30, info.GetProperty("readingsReceived").GetInt64());
        Assert.Equal("5", info.GetProperty("committedSeqs").GetString());
    }

    [Fact]
    public async Task GarbageOversizeAndWrongTopic_AreCountedByReason_WhileOtherGatewaysFlow()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth, "--Central:MaxPayloadBytes=4096");
        await using var bad = await FakeGateway.ConnectAsync(central.MqttPort, "x");
        await using var good = await FakeGateway.ConnectAsync(central.MqttPort, "cab-good");
        await good.BirthAsync(1);
        await bad.BirthAsync(1);

        await bad.PublishAsync("city/v1/x/data", [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        await bad.PublishAsync("city/v1/x/data", new byte[10_000]);

        // A topic outside the contract, and an ack, never get past the embedded broker (publish-not-authorized).
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await bad.TryPublishAsync("city/v1/x/foo", [1, 2, 3])).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await bad.TryPublishAsync("city/v1/x/ack", [1, 2, 3])).ReasonCode);
        await good.DataAsync(1, FakeGateway.SampleReadings(5));
        Assert.Equal([1UL], (await good.NextAckAsync()).CommittedSeqs);

        await central.WaitForRejectedAsync("malformed", 1);
        var stats = await central.StatsAsync();
        Assert.Equal(1, CentralHost.Rejected(stats, "malformed"));
        Assert.Equal(1, CentralHost.Rejected(stats, "oversize"));
        Assert.Equal(0, CentralHost.Rejected(stats, "wrong-topic"));
        Assert.Equal(2, CentralHost.Refused(stats, "publish-not-authorized"));
        Assert.Equal(2, stats.GetProperty("rejectedTotal").GetInt64());
        Assert.Equal(1, stats.GetProperty("batchesAccepted").GetInt64());
        Assert.False(bad.TryTakeAck(out _));
    }

    [Fact]
    public async Task GatewayIdInPayloadDifferentFromTopic_IsRejectedAsMismatch()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-a");
        await gateway.BirthAsync(1);
        var foreign = BatchCodec.EncodeToBytes(new BatchHeader("cab-b", 1, 1, 0), FakeGateway.SampleReadings(3));
        await gateway.PublishAsync(Topics.Data("cab-a"), foreign);
        await central.WaitForRejectedAsync("gateway-mismatch", 1);
        Assert.Equal(0, (await central.StatsAsync()).GetProperty("batchesAccepted").GetInt64());
        Assert.False(gateway.TryTakeAck(out _));
    }

    [Fact]
    public async Task UnknownGateway_WithoutAdmitOnBirth_IsRefusedAtConnect_AndIsCounted()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AllowedGateways:0=cab-listed");
        using (var stranger = new MqttClientFactory().CreateMqttClient())
        {
            var refused = await stranger.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", central.MqttPort)
                .WithClientId("cab-stranger")
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .Build());
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        }

        // A listed gateway needs no birth.
        await using var listed = await FakeGateway.ConnectAsync(central.MqttPort, "cab-listed");
        await listed.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await listed.NextAckAsync()).CommittedSeqs);

        var stats = await central.StatsAsync();
        Assert.Equal(1, CentralHost.Refused(stats, "unknown-gateway"));
        var (status, body) = await central.GetAsync("/api/v1/points/latest?gateway=cab-stranger");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("unknown", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmitOnBirth_DataBeforeAnyBirth_IsUnknownGateway()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-early");
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        await central.WaitForRejectedAsync("unknown-gateway", 1);
        await gateway.BirthAsync(1);
        await gateway.DataAsync(2, FakeGateway.SampleReadings(3));
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);
    }

    [Fact]
    public async Task InvalidBody_IsListedInRejectedSeqs_WithItsReason()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-body");
        await gateway.BirthAsync(1);
        var batch = BatchCodec.Encode(new BatchHeader(gateway.Id, 1, 3, 0), FakeGateway.SampleReadings(4));
        batch.ReadingCount += 1;
        await gateway.PublishAsync(Topics.Data(gateway.Id), batch.ToByteArray());

        var ack = await gateway.NextAckAsync();
        Assert.Empty(ack.CommittedSeqs);
        Assert.Equal([3UL], ack.RejectedSeqs);
        Assert.Equal("count-mismatch", ack.RejectReason);
        var stats = await central.StatsAsync();
        Assert.Equal(1, CentralHost.Rejected(stats, "count-mismatch"));
        Assert.Equal(0, stats.GetProperty("batchesAccepted").GetInt64());
    }

    [Fact]
    public async Task Death_WithCurrentEpoch_MarksOffline_ButALateWillDoesNot()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-life");
        await gateway.BirthAsync(4);
        await gateway.DeathAsync(3);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(1), epoch: 4);
        await gateway.NextAckAsync();
        Assert.True(Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray()).GetProperty("online").GetBoolean());

        await gateway.DeathAsync(4);
        await Wait.UntilAsync(
            async () => !Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray()).GetProperty("online").GetBoolean(),
            TimeSpan.FromSeconds(10),
            "the gateway to go offline");
    }

    [Theory]
    [InlineData(StoreKinds.LiteDb)]
    [InlineData(StoreKinds.Postgres)]
    public async Task Restart_OnSameDataPath_KeepsCatalogueCountersLatestAndDedup(string store)
    {
        var dataPath = CentralHost.NewDataPath();
        var args = await StoreKinds.ArgsAsync(store, AdmitOnBirth);
        var readings = FakeGateway.SampleReadings(10);
        byte[] first;
        await using (var central = await CentralHost.StartAsync(dataPath, args))
        {
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-persist");
            await gateway.BirthAsync(2);
            first = await gateway.DataAsync(1, readings);
            await gateway.NextAckAsync();
            await gateway.DataAsync(2, FakeGateway.SampleReadings(2, start: 100));
            await gateway.NextAckAsync();
        }

        await using (var central = await CentralHost.StartAsync(dataPath, args))
        {
            var info = Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray());
            Assert.Equal(2UL, info.GetProperty("epoch").GetUInt64());
            Assert.Equal(36, info.GetProperty("readingsReceived").GetInt64());
            Assert.Equal(2, info.GetProperty("batchesReceived").GetInt64());
            Assert.Equal("1-2", info.GetProperty("committedSeqs").GetString());
            Assert.Equal(3, info.GetProperty("points").GetInt32());
            var latest = (await central.GetJsonAsync("/api/v1/points/latest?gateway=cab-persist")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
            Assert.Equal(101.0, latest["meter1/power"].GetProperty("value").GetDouble());

            // No new birth after the restart: the stored one still admits the gateway.
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-persist");
            await gateway.PublishAsync(Topics.Data(gateway.Id), first);
            Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
            var stats = await central.StatsAsync();
            Assert.Equal(1, stats.GetProperty("duplicateBatches").GetInt64());
            Assert.Equal(0, stats.GetProperty("batchesAccepted").GetInt64());
            var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-persist&point=meter1/power");
            Assert.Equal(12, history.GetProperty("readings").GetArrayLength());
        }
    }

    [Fact]
    public async Task ManyBatchesFromSeveralGateways_AreAllAcked_InGroupCommits()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        var gateways = new List<FakeGateway>();
        for (var g = 0; g < 4; g++)
        {
            var gateway = await FakeGateway.ConnectAsync(central.MqttPort, $"cab-many-{g}");
            await gateway.BirthAsync(1);
            gateways.Add(gateway);
        }

        const int Batches = 100;
        await Task.WhenAll(gateways.Select(async gateway =>
        {
            for (ulong seq = 1; seq <= Batches; seq++)
            {
                await gateway.DataAsync(seq, FakeGateway.SampleReadings(5, start: seq));
            }
        }));
        foreach (var gateway in gateways)
        {
            var acked = new HashSet<ulong>();
            while (acked.Count < Batches)
            {
                acked.UnionWith((await gateway.NextAckAsync()).CommittedSeqs);
            }

            await gateway.DisposeAsync();
        }

        var stats = await central.StatsAsync();
        Assert.Equal(4 * Batches, stats.GetProperty("batchesAccepted").GetInt64());
        Assert.True(stats.GetProperty("commits").GetInt64() <= 4 * Batches);
        Assert.All((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray(), g => Assert.Equal("1-100", g.GetProperty("committedSeqs").GetString()));
    }
}
