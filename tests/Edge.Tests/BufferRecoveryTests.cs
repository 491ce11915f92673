using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>
/// A damaged buffer file never stops the edge: it is moved aside, what can be read is salvaged into a fresh buffer, an event
/// says what happened, and no seq is reused. The sweep damages every page of a realistic file in turn.
/// </summary>
public sealed class BufferRecoveryTests : IDisposable
{
    private const int PageSize = 8192;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 19, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private BatchBuffer Open(string path)
    {
        var buffer = BatchBuffer.Open(path, 1L << 30, "gw-001", _time, 1);
        buffer.SyncCatalogue([new PointInfo { Id = "meter1/voltage", Unit = "V", Device = "meter1" }]);
        return buffer;
    }

    /// <summary>A closed buffer file with small and multi-page batches, some acked, and an events batch. Returns seq -> payload.</summary>
    private Dictionary<ulong, byte[]> WriteRealisticBuffer(string path, out ulong nextSeq)
    {
        var rng = new Random(11);
        using var buffer = Open(path);
        var alias = buffer.AliasOf("meter1/voltage");
        for (var i = 0; i < 24; i++)
        {
            var count = i % 5 == 4 ? 2500 : 200;
            buffer.Append([Enumerable.Range(0, count).Select(j => new Reading(alias, (i * 100_000L) + j, PointValue.FromNumber(rng.NextDouble()))).ToList()]);
        }

        var first = buffer.TakePending(4, liveFromSeq: ulong.MaxValue);
        buffer.Acknowledge([first[0].Seq, first[1].Seq], [first[2].Seq]); // a rejected batch adds an events batch
        buffer.ReleaseAll();
        nextSeq = buffer.NextSeq;
        return buffer.TakePending(1000, liveFromSeq: ulong.MaxValue).ToDictionary(b => b.Seq, b => b.Payload);
    }

    public static TheoryData<string> Damages()
    {
        var data = new TheoryData<string> { "truncate-half", "truncate-0", "truncate-odd-1000", "truncate-odd-3-pages-123", "not-litedb", "random-whole-file" };
        for (var page = 0; page < 40; page++)
        {
            data.Add("page-" + page);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damaged_file_starts_reports_keeps_appending_and_never_reuses_a_seq(string damage)
    {
        var path = _dir.File("buffer.db");
        var original = WriteRealisticBuffer(path, out var originalNextSeq);
        var bytes = File.ReadAllBytes(path);
        var rng = new Random(damage.GetHashCode(StringComparison.Ordinal));
        switch (damage)
        {
            case "truncate-half": bytes = bytes[..(bytes.Length / 2)]; break;
            case "truncate-0": bytes = []; break;
            case "truncate-odd-1000": bytes = bytes[..1000]; break;
            case "truncate-odd-3-pages-123": bytes = bytes[..((3 * PageSize) + 123)]; break;
            case "not-litedb": bytes = "this is not a database\n"u8.ToArray(); break;
            case "random-whole-file": rng.NextBytes(bytes); break;
            default:
                var page = int.Parse(damage["page-".Length..], System.Globalization.CultureInfo.InvariantCulture);
                if ((page + 1) * PageSize > bytes.Length)
                {
                    return; // the file is smaller than this page: nothing to damage
                }

                rng.NextBytes(bytes.AsSpan((page * PageSize) + 2048, 4096));
                break;
        }

        File.WriteAllBytes(path, bytes);

        using var buffer = Open(path);
        var report = buffer.Recovery;
        var pending = buffer.TakePending(10_000, liveFromSeq: ulong.MaxValue);
        buffer.ReleaseAll();
        var telemetry = pending.Where(b => b.Kind == BatchKind.Telemetry).ToList();
        if (bytes.Length == 0)
        {
            // An empty file is a new buffer: nothing to salvage, nothing to report.
            Assert.Null(report);
            Assert.Empty(telemetry);
        }
        else if (report is null)
        {
            // The damage hit bytes nobody reads, or the inside of one payload that still decodes (only a body checksum in the
            // envelope could tell): every batch is still there, and at most the one(s) on the damaged page differ.
            Assert.All(original, kv => Assert.Contains(pending, b => b.Seq == kv.Key));
            Assert.True(original.Count(kv => !kv.Value.SequenceEqual(pending.Single(b => b.Seq == kv.Key).Payload)) <= 2);
        }
        else
        {
            Assert.True(File.Exists(report.MovedTo), $"the damaged file is kept at {report.MovedTo}");
            Assert.Contains(".damaged-20261204T190000Z", report.MovedTo, StringComparison.Ordinal);
            var recovered = pending.Where(b => b.Kind == BatchKind.Events).SelectMany(BatchBuffer.DecodeReadings)
                .Where(r => r.Alias == buffer.AliasOf(BatchBuffer.RecoveredPointId)).ToList();
            var evt = Assert.Single(recovered);
            Assert.Contains(report.MovedTo, evt.Value.Text!, StringComparison.Ordinal);
        }

        // Salvaged batches decode; they are the original payloads byte for byte, but for one or two on the damaged page.
        var kept = pending.Where(b => original.ContainsKey(b.Seq)).ToList();
        Assert.All(kept, b => Assert.NotEmpty(BatchBuffer.DecodeReadings(b)));
        Assert.True(kept.Count(b => !original[b.Seq].SequenceEqual(b.Payload)) <= 2);

        // Keeps appending, with seqs above every seq it still holds (and above the old counter when the meta survived).
        var alias = buffer.AliasOf("meter1/voltage");
        var result = buffer.Append([[new Reading(alias, 9_000_000, PointValue.FromNumber(1))]]);
        var newSeq = Assert.Single(result.Seqs);
        Assert.All(pending, b => Assert.True(newSeq > b.Seq, $"new seq {newSeq} <= kept seq {b.Seq}"));
        if (bytes.Length > 0 && (report is null || report.MetaKept))
        {
            Assert.True(newSeq >= originalNextSeq, $"new seq {newSeq} < old next seq {originalNextSeq}");
        }

        Assert.True(buffer.GetStats().ReadingsWaiting >= 1);
    }

    [Fact]
    public void Lost_alias_table_never_hands_out_an_alias_used_in_salvaged_batches()
    {
        var path = _dir.File("buffer.db");
        WriteRealisticBuffer(path, out _);
        File.WriteAllBytes(path, [.. File.ReadAllBytes(path).Select((b, i) => i < 2 * PageSize ? (byte)0xA5 : b)]);

        using var buffer = BatchBuffer.Open(path, 1L << 30, "gw-001", _time, 1);
        var aliases = buffer.SyncCatalogue([new PointInfo { Id = "other/point", Unit = "A", Device = "other" }]);
        var used = buffer.TakePending(10_000, liveFromSeq: ulong.MaxValue).Where(b => b.Kind == BatchKind.Telemetry)
            .SelectMany(BatchBuffer.DecodeReadings).Select(r => r.Alias).ToHashSet();
        Assert.NotNull(buffer.Recovery);
        Assert.DoesNotContain(aliases["other/point"], used);
    }
}
