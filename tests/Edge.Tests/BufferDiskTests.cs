using System.Diagnostics;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>Buffer:MaxBytes bounds the files on disk, and a full disk is survived, counted and reported.</summary>
public sealed class BufferDiskTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private static BatchBuffer Open(string path, long maxBytes, TimeProvider time, int growUpTo = 1)
    {
        var buffer = BatchBuffer.Open(path, maxBytes, "gw-001", time, growUpTo);
        buffer.SyncCatalogue([new PointInfo { Id = "meter1/voltage", Unit = "V", Device = "meter1" }]);
        return buffer;
    }

    private static List<Reading> RandomReadings(BatchBuffer buffer, Random rng, int count, long t0)
    {
        var alias = buffer.AliasOf("meter1/voltage");
        return Enumerable.Range(0, count).Select(j => new Reading(alias, t0 + j, PointValue.FromNumber(rng.NextDouble()))).ToList();
    }

    private static long DiskUse(string path)
    {
        var log = BatchBuffer.LogPathOf(path);
        return new FileInfo(path).Length + (File.Exists(log) ? new FileInfo(log).Length : 0);
    }

    [Fact]
    public void MaxBytes_bounds_data_file_plus_log_over_a_long_run()
    {
        var path = _dir.File("buffer.db");
        var cap = BatchBuffer.MinimumMaxBytes;
        var rng = new Random(7);
        long maxSeen = 0;
        using (var buffer = Open(path, cap, _time, growUpTo: 3000))
        {
            for (var i = 0; i < 400; i++)
            {
                // Groups of several sizes, a growing tail, acks of part of it and forwarder takes: the churn of a real outage.
                var groups = Enumerable.Range(0, 1 + (i % 3)).Select(_ => (IReadOnlyList<Reading>)RandomReadings(buffer, rng, 50 + rng.Next(600), i * 10_000L)).ToList();
                buffer.Append(groups);
                if (i % 10 == 0)
                {
                    var taken = buffer.TakePending(3, liveFromSeq: ulong.MaxValue);
                    buffer.Acknowledge(taken.Take(1).Select(b => b.Seq).ToList());
                    buffer.ReleaseAll();
                }

                maxSeen = Math.Max(maxSeen, DiskUse(path));
                Assert.True(DiskUse(path) <= cap, $"step {i}: {DiskUse(path)} bytes on disk > cap {cap}");
            }

            Assert.True(buffer.GetStats().ReadingsDropped > 0, "the run must reach the cap");
        }

        Assert.True(DiskUse(path) <= cap, $"after close: {DiskUse(path)} bytes on disk > cap {cap}");
        Assert.True(maxSeen > cap / 4, $"the disk use ({maxSeen}) should come near the cap ({cap})");
    }

    [Fact]
    public void MaxBytes_below_the_minimum_is_a_configuration_error_naming_the_key()
    {
        var (ok, _, errors) = TestConfig.Load(new Dictionary<string, string?> { ["Edge:Buffer:MaxBytes"] = "65536" });
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:Buffer:MaxBytes: must be at least " + BatchBuffer.MinimumMaxBytes, StringComparison.Ordinal));
    }

    [Fact]
    public void Full_disk_drops_and_counts_every_reading_reports_it_and_resumes_when_space_returns()
    {
        using var mount = new TmpfsMount(_dir.File("small"), "2m");
        var path = Path.Combine(mount.Path, "buffer.db");
        var rng = new Random(3);
        long produced = 0;
        using var buffer = Open(path, 1L << 30, _time);
        var log = new ListLogger();
        buffer.UseLogger(log);

        // Leave little space: the buffer fills it in a few appends.
        var filler = Path.Combine(mount.Path, "filler");
        TmpfsMount.FillUntilFree(filler, 300 * 1024);
        var dropped = 0L;
        for (var i = 0; i < 200 && dropped == 0; i++)
        {
            var readings = RandomReadings(buffer, rng, 500, i * 1000L);
            produced += readings.Count;
            dropped += buffer.Append([readings]).ReadingsDropped;
        }

        Assert.True(dropped > 0, "the disk never filled");
        Assert.True(buffer.IsDiskFull);

        // Still full: every reading is counted, nothing throws, stats answer.
        for (var i = 0; i < 20; i++)
        {
            var readings = RandomReadings(buffer, rng, 500, 1_000_000 + (i * 1000L));
            produced += readings.Count;
            buffer.Append([readings]);
            _time.Advance(TimeSpan.FromMilliseconds(300));
        }

        var full = buffer.GetStats();
        Assert.Equal(produced, full.ReadingsBuffered + full.ReadingsDropped);

        // Space returns: after the retry delay the next append is stored, with the disk-full event and the dropped total.
        File.Delete(filler);
        ulong stored = 0;
        for (var i = 0; i < 100 && stored == 0; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var readings = RandomReadings(buffer, rng, 100, 2_000_000 + (i * 1000L));
            produced += readings.Count;
            stored = (ulong)buffer.Append([readings]).ReadingsStored;
        }

        Assert.True(stored > 0, "the buffer did not resume:\n" + string.Join("\n", log.Lines));
        Assert.False(buffer.IsDiskFull);
        var stats = buffer.GetStats();
        Assert.Equal(produced, stats.ReadingsBuffered + stats.ReadingsDropped);

        var events = buffer.TakePending(1000, liveFromSeq: ulong.MaxValue).Where(b => b.Kind == BatchKind.Events).SelectMany(BatchBuffer.DecodeReadings).ToList();
        var diskFull = events.Where(r => r.Alias == buffer.AliasOf(BatchBuffer.DiskFullPointId)).ToList();
        Assert.NotEmpty(diskFull);
        Assert.Contains(diskFull, r => r.Value.Text!.Contains("full", StringComparison.OrdinalIgnoreCase));
        var counter = Assert.Single(events, r => r.Alias == buffer.AliasOf(BatchBuffer.DroppedReadingsPointId));
        Assert.Equal(stats.ReadingsDropped, counter.Value.Number);

        // What is on disk agrees after a reopen.
        buffer.Dispose();
        using var reopened = Open(path, 1L << 30, _time);
        var after = reopened.GetStats();
        Assert.Equal(stats.ReadingsDropped, after.ReadingsDropped);
        Assert.Equal(stats.ReadingsBuffered, after.ReadingsBuffered);
    }

    [Fact]
    public void The_catalogue_for_the_birth_is_complete_while_the_disk_is_full_and_the_store_closed()
    {
        using var mount = new TmpfsMount(_dir.File("small"), "2m");
        var path = Path.Combine(mount.Path, "buffer.db");
        var rng = new Random(5);
        using var buffer = Open(path, 1L << 30, _time);
        var expected = buffer.Catalogue().Select(p => (p.Id, p.Alias, p.Unit, p.Description)).ToList();
        Assert.Contains(expected, p => p.Id == "meter1/voltage");
        Assert.Contains(expected, p => p.Id == BatchBuffer.DiskFullPointId);

        TmpfsMount.FillUntilFree(Path.Combine(mount.Path, "filler"), 300 * 1024);
        for (var i = 0; i < 200 && !buffer.IsDiskFull; i++)
        {
            buffer.Append([RandomReadings(buffer, rng, 500, i * 1000L)]);
        }

        Assert.True(buffer.IsDiskFull, "the disk never filled");

        // The forwarder connects within the retry delay: its Birth must still name every alias the batches will carry.
        var duringFull = buffer.Catalogue().Select(p => (p.Id, p.Alias, p.Unit, p.Description)).ToList();
        Assert.Equal(expected, duringFull);
        Assert.True(buffer.IsDiskFull);
    }
}

/// <summary>Keeps what is logged, to show it when a test fails.</summary>
internal sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add($"{logLevel}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
        }
    }
}
