using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>
/// Central acknowledging only some of the batches in flight (a broker that lost the others, or a central that committed
/// only part of a group): the acknowledged ones leave the buffer, the others stay and are resent, nothing is lost.
/// </summary>
public sealed class PartialAckTests : IAsyncLifetime
{
    private const int AckTimeoutSeconds = 10;
    private readonly TempDir _dir = new();
    private FakeCentral _central = null!;

    public async Task InitializeAsync() => _central = await FakeCentral.StartAsync();

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private static List<Reading> ReadingsOfBatch(BatchBuffer buffer, int batch) =>
        [.. Enumerable.Range(0, 3).Select(i => new Reading(buffer.AliasOf(ForwarderRig.Point), 1_700_000_000_000 + (batch * 10_000) + (i * 1000), PointValue.FromNumber((batch * 10) + i)))];

    private static List<(long Timestamp, double Value)> Decode(Batch batch)
    {
        Assert.True(BatchCodec.TryDecodeBody(batch, out var body, out var error), $"seq {batch.Seq}: {error}");
        var readings = new List<Reading>();
        Assert.True(BatchCodec.TryAppendReadings(body, readings, out var problem), problem);
        return [.. readings.Select(r => (r.TimestampUnixMs, r.Value.Number)).Order()];
    }

    [Fact]
    public async Task Only_some_batches_in_flight_acknowledged_the_others_stay_buffered_and_are_resent_nothing_lost()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new EdgeOptions
        {
            GatewayId = "gw-001",
            Central = new CentralOptions
            {
                Host = "127.0.0.1",
                Port = _central.Port,
                AckTimeoutSeconds = AckTimeoutSeconds,
                MaxInFlightBatches = 4,
                ReconnectMinDelayMs = 20,
                ReconnectMaxDelayMs = 200,
            },
        };
        var (buffer, forwarder, _) = ForwarderRig.Open(_dir.File("buffer.db"), options, time);
        using var _ = buffer;
        var appended = new Dictionary<ulong, List<(long, double)>>();
        for (var batch = 0; batch < 6; batch++)
        {
            var readings = ReadingsOfBatch(buffer, batch);
            appended.Add(buffer.Append([readings]).Seqs.Single(), [.. readings.Select(r => (r.TimestampUnixMs, r.Value.Number)).Order()]);
        }

        await forwarder.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => _central.Published.Count == 4, "a full window of 4 batches published");
        var firstWindow = _central.Published.Select(b => b.Seq).ToList();

        // Central acknowledges the first and the third only.
        ulong[] acked = [firstWindow[0], firstWindow[2]];
        ulong[] notAcked = [firstWindow[1], firstWindow[3]];
        await _central.AckAsync(acked);

        // The two freed slots take the two batches still waiting; the unacknowledged ones stay in the buffer.
        await Until.TrueAsync(() => _central.Published.Count == 6 && buffer.GetStats().BatchesWaiting == 4, "the window refilled after a partial ack");
        var refill = _central.Published.Skip(4).Select(b => b.Seq).ToList();
        Assert.Empty(refill.Intersect(firstWindow));
        Assert.Equal(appended.Keys.Order(), firstWindow.Concat(refill).Order());
        Assert.Equal(2, buffer.GetStats().BatchesAcked);

        await _central.AckAsync(refill);
        await Until.TrueAsync(() => buffer.GetStats().BatchesWaiting == 2, "the refill acknowledged");
        Assert.Equal(6, _central.Published.Count); // nothing resent before its ack timeout

        // Past the ack timeout the two unacknowledged batches, and only they, are sent again, with the same readings.
        time.Advance(TimeSpan.FromSeconds(AckTimeoutSeconds + 1));
        await Until.TrueAsync(
            () =>
            {
                if (_central.Published.Count < 8)
                {
                    time.Advance(TimeSpan.FromMilliseconds(200)); // the forwarder may arm its timer only after the advance above
                }

                return _central.Published.Count >= 8;
            },
            "the unacknowledged batches resent");
        var resent = _central.Published.Skip(6).ToList();
        Assert.Equal(notAcked.Order(), resent.Select(b => b.Seq).Distinct().Order());
        Assert.All(resent, b => Assert.Equal(appended[b.Seq], Decode(b)));

        await _central.AckAsync(notAcked);
        await Until.TrueAsync(() => buffer.GetStats().BatchesWaiting == 0, "the resent batches acknowledged");
        var stats = buffer.GetStats();
        Assert.Equal((6L, 18L), (stats.BatchesAcked, stats.ReadingsAcked));

        // Every reading appended reached central in a batch it acknowledged, under the seq it was appended with.
        var received = _central.Published.GroupBy(b => b.Seq).ToDictionary(g => g.Key, g => Decode(g.First()));
        Assert.Equal(appended.Keys.Order(), received.Keys.Order());
        Assert.All(appended, a => Assert.Equal(a.Value, received[a.Key]));
        await forwarder.StopAsync(CancellationToken.None);
    }
}
