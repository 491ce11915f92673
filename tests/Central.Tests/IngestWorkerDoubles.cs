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

namespace City.Central.Tests;

/// <summary>
/// A store double for the ingest worker: it loads the gateways it is given (one may carry latest values that cannot be
/// read), can be made to fail every commit or the commits of one gateway, and records what it commits.
/// </summary>
internal sealed class FlakyStore(IReadOnlyList<GatewayState>? loaded = null) : IReadingStore
{
    public bool Fail { get; set; }

    /// <summary>A commit that holds this gateway fails, as one touching a damaged page would.</summary>
    public string? FailingGateway { get; set; }

    public List<CommitSet> Commits { get; } = [];

    public bool IsHealthy { get; private set; } = true;

    public string? Problem { get; private set; }

    public IReadOnlyList<GatewayState> LoadGateways() => loaded ?? [];

    /// <summary>As the real store: the whole set, or else each gateway's part on its own.</summary>
    public CommitResult Commit(CommitSet commit)
    {
        if (Fail)
        {
            IsHealthy = false;
            throw new IOException("disk full");
        }

        var failed = commit.SplitByGateway().Where(p => p.GatewayId == FailingGateway).Select(p => p.GatewayId).ToHashSet();
        if (failed.Count > 0)
        {
            Problem = "page 7 of test.db is damaged";
            var rest = commit.SplitByGateway().Where(p => p.GatewayId != FailingGateway).ToList();
            if (rest.Count == 0)
            {
                IsHealthy = false;
                throw new IOException(Problem);
            }

            Commits.AddRange(rest.Select(p => p.Part));
            IsHealthy = true;
            return new CommitResult(failed, new HashSet<BatchKey>());
        }

        IsHealthy = true;
        Commits.Add(commit);
        return CommitResult.Empty;
    }

    public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

    public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

    public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs) => [];

    public void Dispose()
    {
    }
}

/// <summary>A broker link that records the acks the worker publishes.</summary>
internal sealed class AckRecordingLink : IBrokerLink
{
    public List<(string Topic, Ack Ack)> Published { get; } = [];

    public bool IsConnected => true;

    public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        lock (Published)
        {
            Published.Add((topic, Ack.Parser.ParseFrom(payload)));
        }

        return Task.CompletedTask;
    }

    public Task StopIntakeAsync() => Task.CompletedTask;
}

/// <summary>The worker over a store double and a recording link, and the data messages fed to it.</summary>
internal static class IngestWorkerRig
{
    public static IngestWorker Worker(IReadingStore store, AckRecordingLink link, GatewayRegistry registry, IngestStats stats, params string[] allowedGateways) =>
        new(new IngestQueue(10), link, link, store, registry, stats, new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
            Options.Create(new CentralOptions { AllowedGateways = [.. allowedGateways] }), TimeProvider.System, NullLogger<IngestWorker>.Instance);

    public static IncomingMessage Data(string gateway, ulong seq)
    {
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(gateway, 1, seq, 0), FakeGateway.SampleReadings(3));
        return new IncomingMessage(Topics.Data(gateway), payload, payload.Length, false);
    }
}
