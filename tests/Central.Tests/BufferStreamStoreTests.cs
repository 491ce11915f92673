using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using LiteDB;

namespace City.Central.Tests;

/// <summary>Per-buffer dedupe state and central's own events in the store and through the API.</summary>
public sealed class BufferStreamStoreTests
{
    private const string BufferA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string BufferB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public void Streams_CurrentBufferId_AndCentralEvents_SurviveAReopen()
    {
        var path = CentralHost.NewDataPath();
        try
        {
            using (var store = new LiteDbReadingStore(path, syncCommits: true))
            {
                var state = new GatewayState("gw") { HasBirth = true };
                state.CommittedSeqs.Add(1);
                state.SwitchTo(BufferA, epoch: 7);
                state.CommittedSeqs.Add(1);
                state.CommittedSeqs.Add(2);
                state.SwitchTo(BufferB, epoch: 1);
                state.CommittedSeqs.Add(1);
                var commit = new CommitSet();
                commit.Gateways.Add(new GatewayChange(state, CatalogueChanged: false, LatestChanged: false));
                commit.Events.Add(new CentralEvent("gw", 5_000, "$central/new-buffer", "started"));
                commit.Events.Add(new CentralEvent("gw-other", 5_000, "$central/new-buffer", "other"));
                store.Commit(commit);
            }

            using (var store = new LiteDbReadingStore(path, syncCommits: true))
            {
                var state = Assert.Single(store.LoadGateways());
                Assert.Equal(BufferB, state.BufferId);
                Assert.Equal(1UL, state.Epoch);
                Assert.Equal("1", state.CommittedSeqs.ToString());
                Assert.Equal("1", state.Streams[string.Empty].Seqs.ToString());
                Assert.Equal("1-2", state.Streams[BufferA].Seqs.ToString());
                Assert.Equal(7UL, state.Streams[BufferA].Epoch);
                Assert.Equal(["started"], store.FindCentralEvents("gw", 0, 10_000).Select(e => e.Text));
                Assert.Empty(store.FindCentralEvents("gw", 5_001, 10_000));
            }
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void AGatewayDocumentWrittenBeforeBufferIds_LoadsAsTheLegacyStream()
    {
        var path = CentralHost.NewDataPath();
        try
        {
            Directory.CreateDirectory(path);
            using (var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(path, LiteDbReadingStore.FileName), Connection = ConnectionType.Direct }))
            {
                db.GetCollection("gateways").Insert(new BsonDocument
                {
                    ["_id"] = "gw",
                    ["ep"] = 4L,
                    ["on"] = true,
                    ["birth"] = true,
                    ["seen"] = 1L,
                    ["rr"] = 9L,
                    ["br"] = 3L,
                    ["span"] = 0L,
                    ["sw"] = "old",
                    ["seqs"] = new BsonArray(new BsonValue[] { new BsonArray(new BsonValue(1L), new BsonValue(3L)) }),
                });
            }

            using var store = new LiteDbReadingStore(path, syncCommits: true);
            var state = Assert.Single(store.LoadGateways());
            Assert.Equal(string.Empty, state.BufferId);
            Assert.Equal(4UL, state.Epoch);
            Assert.Equal("1-3", state.CommittedSeqs.ToString());
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public async Task ANewBuffer_IsStored_TheGatewayStaysOnline_AndTheEventIsServed()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-swap");

        Task Birth(string bufferId, ulong epoch)
        {
            var birth = new Birth { GatewayId = gateway.Id, Epoch = epoch, BufferId = bufferId, SoftwareVersion = "t" };
            birth.Points.AddRange(FakeGateway.DefaultPoints);
            return gateway.PublishAsync(Topics.Birth(gateway.Id), birth.ToByteArray(), retain: true);
        }

        Task Data(string bufferId, ulong epoch, ulong seq) => gateway.PublishAsync(
            Topics.Data(gateway.Id),
            BatchCodec.EncodeToBytes(new BatchHeader(gateway.Id, epoch, seq, 0, BatchKind.Telemetry, bufferId), FakeGateway.SampleReadings(2)));

        await Birth(BufferA, 9);
        await Data(BufferA, 9, 1);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await Data(BufferA, 9, 2);
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);

        await Birth(BufferB, 1);
        await Data(BufferB, 1, 1);
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var info = Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray());
        Assert.True(info.GetProperty("online").GetBoolean());
        Assert.Equal(BufferB, info.GetProperty("bufferId").GetString());
        Assert.Equal(18, info.GetProperty("readingsReceived").GetInt64());
        var stats = await central.StatsAsync();
        Assert.Equal(0, CentralHost.Rejected(stats, "stale-birth"));
        Assert.Equal(0, stats.GetProperty("duplicateBatches").GetInt64());

        var events = (await central.GetJsonAsync("/api/v1/events?gateway=cab-swap")).GetProperty("events").EnumerateArray().ToList();
        var started = Assert.Single(events);
        Assert.Equal("$central/new-buffer", started.GetProperty("point").GetString());
        Assert.Equal($"gateway cab-swap started a new buffer {BufferB}; previous buffer {BufferA}, last seq 2", started.GetProperty("value").GetString());
    }
}
