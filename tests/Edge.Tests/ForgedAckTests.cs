using City.TestSupport;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Edge.Tests;

/// <summary>
/// Acks that the edge did not ask for: whoever can publish on city/v1/gw-001/ack (a broker without topic rules) must not
/// be able to delete the backlog. Only the seqs published in this session and still awaiting their ack are settled.
/// </summary>
public sealed class ForgedAckTests : IAsyncLifetime
{
    private const int Window = 4;
    private readonly TempDir _dir = new();
    private FakeCentral _central = null!;

    public async Task InitializeAsync() => _central = await FakeCentral.StartAsync();

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_forged_ack_of_every_seq_deletes_nothing_that_was_not_published()
    {
        var (buffer, forwarder, state) = Create();
        using var _ = buffer;
        var seqs = buffer.Append(Enumerable.Range(0, 20).Select(_ => ForwarderRig.Readings(buffer)).ToList()).Seqs;
        Assert.Equal(20, seqs.Count);
        Assert.True(seqs.Max() < 100_000);

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => _central.Published.Count == Window, "the window filled");

        await _central.AckAsync(Enumerable.Range(1, 100_000).Select(i => (ulong)i));

        // The four published batches are settled (central may well have them); the next four go out, unacknowledged.
        await Eventually(() => _central.Published.Count == 2 * Window && state.Central.Snapshot().ForgedAckSeqs > 0, "the next window and the count");
        var stats = buffer.GetStats();
        Assert.Equal(Window, stats.BatchesAcked);
        Assert.Equal(20 - Window, stats.BatchesWaiting);
        Assert.Equal(100_000 - Window, state.Central.Snapshot().ForgedAckSeqs);

        // The rest is still there and goes out once truly acknowledged.
        _central.AutoAck = true;
        foreach (var batch in _central.Published.Skip(Window))
        {
            await _central.AckAsync([batch.Seq]);
        }

        await Eventually(() => buffer.GetStats().BatchesWaiting == 0, "the whole backlog sent and acknowledged");
        Assert.Equal(seqs, _central.Published.Select(b => b.Seq).Distinct().Order());
        await forwarder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_forged_rejection_of_unpublished_batches_deletes_nothing()
    {
        var (buffer, forwarder, state) = Create();
        using var _ = buffer;
        buffer.Append(Enumerable.Range(0, 10).Select(_ => ForwarderRig.Readings(buffer)).ToList());

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => _central.Published.Count == Window, "the window filled");
        var unpublished = Enumerable.Range(1, 10).Select(i => (ulong)i).Where(s => !_central.Published.Any(b => b.Seq == s)).ToList();

        await _central.AckAsync([], unpublished, "forged");

        await Eventually(() => state.Central.Snapshot().ForgedAckSeqs == unpublished.Count, "the forged seqs counted");
        Assert.Equal(0, buffer.GetStats().BatchesRejected);
        Assert.Equal(10, buffer.GetStats().BatchesWaiting);
        await forwarder.StopAsync(CancellationToken.None);
    }

    private (BatchBuffer Buffer, Forwarder Forwarder, EdgeState State) Create()
    {
        var time = TimeProvider.System;
        var options = new EdgeOptions
        {
            GatewayId = "gw-001",
            Central = new CentralOptions
            {
                Host = "127.0.0.1",
                Port = _central.Port,
                AllowPlain = true,
                AckTimeoutSeconds = 3600,
                MaxInFlightBatches = Window,
                ReconnectMinDelayMs = 20,
                ReconnectMaxDelayMs = 200,
            },
        };
        return ForwarderRig.Open(_dir.File("buffer.db"), options, time);
    }

    private static Task Eventually(Func<bool> condition, string what) => Until.TrueAsync(condition, what);
}
