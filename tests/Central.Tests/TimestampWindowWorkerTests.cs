using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>The ingest worker and a real store on a fake clock: the timestamp window follows central's clock.</summary>
public sealed class TimestampWindowWorkerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dataPath = CentralHost.NewDataPath();

    private sealed class NullLink : IBrokerLink
    {
        public bool IsConnected => true;

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopIntakeAsync() => Task.CompletedTask;
    }

    private static IncomingMessage Data(ulong seq, params Reading[] readings)
    {
        var payload = BatchCodec.EncodeToBytes(new BatchHeader("gw", 1, seq, Start.ToUnixTimeMilliseconds()), readings);
        return new IncomingMessage(Topics.Data("gw"), payload, payload.Length, false);
    }

    private static Reading At(DateTimeOffset time, double value) => new(1, time.ToUnixTimeMilliseconds(), PointValue.FromNumber(value));

    [Fact]
    public async Task Window_IsTakenAroundTheInjectedClock()
    {
        var clock = new FakeTimeProvider(Start);
        using var store = new LiteDbReadingStore(_dataPath, syncCommits: false);
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(clock);
        using var worker = new IngestWorker(
            new IngestQueue(10), new NullLink(), new NullLink(), store, registry, stats,
            new RejectLog(NullLogger<RejectLog>.Instance, clock),
            Options.Create(new CentralOptions { AllowedGateways = ["gw"] }), clock, NullLogger<IngestWorker>.Instance);

        await worker.ProcessGroupAsync([Data(1,
            At(Start.AddDays(-401), 1),
            At(Start.AddDays(-399), 2),
            At(Start.AddMinutes(5), 3),
            At(Start.AddMinutes(11), 4))]);

        Assert.True(registry.TryGet("gw", out var state));
        Assert.Equal(3, state.Latest[1].Value.Number);
        var counts = stats.TimestampsOutOfWindow();
        Assert.Equal(1, counts[TimestampWindow.ReasonFuture]);
        Assert.Equal(1, counts[TimestampWindow.ReasonTooOld]);
        Assert.Equal(0, counts[TimestampWindow.ReasonInvalid]);
        var stored = Assert.Single(store.FindBatches("gw", Start.AddMinutes(-1).ToUnixTimeMilliseconds(), Start.ToUnixTimeMilliseconds(), state.MaxBatchSpanMs));
        Assert.Equal(Start.AddDays(-399).ToUnixTimeMilliseconds(), stored.TMinUnixMs);
        Assert.Equal(Start.AddMinutes(5).ToUnixTimeMilliseconds(), stored.TMaxUnixMs);
        Assert.True(stored.IsOutOfWindow(Start.AddMinutes(11).ToUnixTimeMilliseconds()));

        // A day later the same time is believable, and becomes the latest value.
        clock.Advance(TimeSpan.FromDays(1));
        await worker.ProcessGroupAsync([Data(2, At(Start.AddMinutes(11), 5))]);
        Assert.True(registry.TryGet("gw", out state));
        Assert.Equal(5, state.Latest[1].Value.Number);
        Assert.Equal(1, stats.TimestampsOutOfWindow()[TimestampWindow.ReasonFuture]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }
}
