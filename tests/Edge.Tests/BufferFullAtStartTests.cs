using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>
/// A disk already full when the edge starts: the buffer opens in its disk-full state (counting what it cannot keep), its
/// bumped epoch stays in memory until it can be written (the forwarder waits for that), and it resumes by itself.
/// </summary>
public sealed class BufferFullAtStartTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private static readonly PointInfo Voltage = new() { Id = "meter1/voltage", Unit = "V", Device = "meter1" };

    private static List<Reading> Readings(uint alias, Random rng, int count, long t0) =>
        Enumerable.Range(0, count).Select(j => new Reading(alias, t0 + j, PointValue.FromNumber(rng.NextDouble()))).ToList();

    [Theory]
    [InlineData("existing buffer")]
    [InlineData("no buffer yet")]
    public void Full_disk_at_start_opens_counts_every_reading_persists_the_epoch_before_use_and_resumes(string kind)
    {
        using var mount = new TmpfsMount(_dir.File("small"), "2m");
        var path = Path.Combine(mount.Path, "buffer.db");
        var rng = new Random(5);
        ulong epochBefore = 0;
        long accountedBefore = 0;
        uint voltageAlias = 0;
        if (kind == "existing buffer")
        {
            using var first = BatchBuffer.Open(path, 1L << 30, "gw-001", _time, 1);
            first.SyncCatalogue([Voltage]);
            voltageAlias = first.AliasOf(Voltage.Id);
            first.Append([Readings(voltageAlias, rng, 500, 0)]);
            epochBefore = first.Epoch;
            var before = first.GetStats();
            accountedBefore = before.ReadingsBuffered + before.ReadingsDropped;
        }

        var filler = Path.Combine(mount.Path, "filler");
        TmpfsMount.FillUntilFree(filler, 0);

        // Opens without a single byte of free space, with a point that has no alias yet.
        using var buffer = BatchBuffer.Open(path, 1L << 30, "gw-001", _time, 1);
        var log = new ListLogger();
        buffer.UseLogger(log);
        var current = new PointInfo { Id = "meter1/current", Unit = "A", Device = "meter1" };
        var aliases = buffer.SyncCatalogue([Voltage, current]);
        Assert.True(buffer.IsDiskFull);
        Assert.Equal(epochBefore + 1, buffer.Epoch);
        Assert.False(buffer.EnsureEpochPersisted(), "the epoch cannot be on a full disk");
        if (kind == "existing buffer")
        {
            Assert.Equal(voltageAlias, aliases[Voltage.Id]);
        }

        Assert.NotEqual(aliases[Voltage.Id], aliases[current.Id]);

        long produced = 0;
        for (var i = 0; i < 10; i++)
        {
            var readings = Readings(aliases[current.Id], rng, 100, 10_000 + (i * 1000L));
            produced += readings.Count;
            var result = buffer.Append([readings]);
            Assert.Equal(readings.Count, result.ReadingsDropped);
            _time.Advance(TimeSpan.FromMilliseconds(200));
        }

        var full = buffer.GetStats();
        Assert.Equal(accountedBefore + produced, full.ReadingsBuffered + full.ReadingsDropped);
        Assert.Equal(epochBefore + 1, full.Epoch);

        // Space returns: the buffer writes its epoch by itself (the forwarder asks), then keeps readings again.
        File.Delete(filler);
        var persisted = false;
        for (var i = 0; i < 30 && !persisted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            persisted = buffer.EnsureEpochPersisted();
        }

        Assert.True(persisted, "the epoch was never written:\n" + string.Join("\n", log.Lines));
        Assert.False(buffer.IsDiskFull);
        var stored = buffer.Append([Readings(aliases[current.Id], rng, 100, 50_000)]);
        produced += 100;
        Assert.Equal(100, stored.ReadingsStored);
        var stats = buffer.GetStats();
        Assert.Equal(accountedBefore + produced, stats.ReadingsBuffered + stats.ReadingsDropped);

        var events = buffer.TakePending(1000, liveFromSeq: ulong.MaxValue).Where(b => b.Kind == BatchKind.Events).ToList();
        Assert.All(events, b => Assert.True(BatchCodec.TryParseEnvelope(b.Payload, out var envelope, out _) && envelope.Epoch == epochBefore + 1));
        var eventReadings = events.SelectMany(BatchBuffer.DecodeReadings).ToList();
        Assert.Contains(eventReadings, r => r.Alias == buffer.AliasOf(BatchBuffer.DiskFullPointId) && r.Value.Text!.Contains("disk full", StringComparison.Ordinal));
        Assert.Contains(eventReadings, r => r.Alias == buffer.AliasOf(BatchBuffer.DroppedReadingsPointId) && r.Value.Number == stats.ReadingsDropped);
        buffer.Dispose();

        // On disk: the epoch that was used, the alias given while full, and the counters. The next run takes a new epoch.
        using var reopened = BatchBuffer.Open(path, 1L << 30, "gw-001", _time, 1);
        Assert.Equal(epochBefore + 2, reopened.Epoch);
        Assert.Equal(aliases[current.Id], reopened.AliasOf(current.Id));
        var after = reopened.GetStats();
        Assert.Equal(stats.ReadingsDropped, after.ReadingsDropped);
        Assert.Equal(stats.ReadingsBuffered, after.ReadingsBuffered);
    }
}
