using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>The buffer's identity: created with the file, carried by every batch, assigned to a file that predates it.</summary>
public sealed class BufferIdentityTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private BatchBuffer Open(string name = "buffer.db", long maxBytes = 1 << 30)
    {
        var buffer = BatchBuffer.Open(_dir.File(name), maxBytes, "gw-001", _time, maxReadingsPerBatch: 1);
        buffer.SyncCatalogue([new PointInfo { Id = "meter1/voltage", Unit = "V", Device = "meter1" }]);
        return buffer;
    }

    private List<Reading> Readings(BatchBuffer buffer, int count)
    {
        var alias = buffer.AliasOf("meter1/voltage");
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Enumerable.Range(0, count).Select(i => new Reading(alias, t0 + (i * 1000), PointValue.FromNumber(230 + (i * 0.01)))).ToList();
    }

    [Fact]
    public void BufferId_IsCreatedWithTheFile_KeptAcrossReopens_AndDiffersForAnotherFile()
    {
        string id;
        using (var buffer = Open())
        {
            id = buffer.BufferId;
            Assert.Matches("^[0-9a-f]{32}$", id);
            Assert.Equal(id, buffer.GetStats().BufferId);
        }

        using (var reopened = Open())
        {
            Assert.Equal(id, reopened.BufferId);
        }

        using var other = Open("other.db");
        Assert.NotEqual(id, other.BufferId);
    }

    [Fact]
    public void EveryBatch_CarriesTheBufferId_AndTheBodyChecksum()
    {
        using var buffer = Open();
        buffer.SyncCatalogue([new PointInfo { Id = "meter1/voltage", Unit = "V", Device = "meter1" }, new PointInfo { Id = "line1/events", Type = PointType.Text, Device = "line1" }]);
        buffer.DeclareEventPoints(["line1/events"]);
        var lampFailed = new Reading(buffer.AliasOf("line1/events"), _time.GetUtcNow().ToUnixTimeMilliseconds(), PointValue.FromText("lamp-failed: gear 7"));
        buffer.Append([[.. Readings(buffer, 40), lampFailed]]);
        buffer.Append([Readings(buffer, 600)]);

        var batches = buffer.TakePending(100, liveFromSeq: buffer.NextSeq);
        Assert.Contains(batches, b => b.Kind == BatchKind.Events);
        Assert.Contains(batches, b => b.Kind == BatchKind.Telemetry);
        foreach (var stored in batches)
        {
            Assert.True(BatchCodec.TryParseEnvelope(stored.Payload, out var batch, out var error), error.Reason());
            Assert.Equal(buffer.BufferId, batch.BufferId);
            Assert.Equal(buffer.Epoch, batch.Epoch);
            Assert.True(batch.HasBodyCrc32C);
            Assert.True(BatchCodec.TryDecodeBody(batch, out _, out error), error.Reason());
        }
    }

    [Fact]
    public void AFileWrittenBeforeBufferIds_GetsOneAtOpen_PersistedAndKeptWithItsSeqs()
    {
        ulong nextSeq;
        using (var old = Open())
        {
            old.Append([Readings(old, 5)]);
            nextSeq = old.NextSeq;
        }

        // What an older edge wrote: the meta document without the field.
        using (var db = new LiteDatabase(new ConnectionString { Filename = _dir.File("buffer.db"), Connection = ConnectionType.Direct }))
        {
            var meta = db.GetCollection("meta");
            var doc = meta.FindById("state");
            Assert.True(doc.Remove("bufferId"));
            meta.Update(doc);
        }

        string assigned;
        using (var upgraded = Open())
        {
            assigned = upgraded.BufferId;
            Assert.True(BufferIds.IsValid(assigned));
            Assert.Equal(nextSeq, upgraded.NextSeq);
        }

        using var again = Open();
        Assert.Equal(assigned, again.BufferId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ABufferFileOlderThanItsMark_TakesANewId_KeepsItsSeqCounter_AndSaysSo(bool backupBeforeARestart)
    {
        var backup = _dir.File("backup");
        Directory.CreateDirectory(backup);
        string id;
        ulong backedUpNextSeq;
        var buffer = Open();
        buffer.Append([Readings(buffer, 3)]);
        if (backupBeforeARestart)
        {
            // A backup of the stopped service: later starts raise the epoch past it.
            buffer.Dispose();
            buffer = Open();
        }

        id = buffer.BufferId;
        backedUpNextSeq = buffer.NextSeq;
        CopyBuffer(_dir.Path, backup);
        buffer.Append([Readings(buffer, 3)]);
        buffer.Append([Readings(buffer, 3)]);
        Assert.True(buffer.NextSeq > backedUpNextSeq);
        buffer.Dispose();

        // The backup goes back over the buffer: its seqs from backedUpNextSeq on were already published with other readings.
        CopyBuffer(backup, _dir.Path);
        using var restored = Open();
        Assert.NotEqual(id, restored.BufferId);
        Assert.True(BufferIds.IsValid(restored.BufferId));
        Assert.InRange(restored.NextSeq, backedUpNextSeq, backedUpNextSeq + 1); // the counter goes on (the event may take one seq)

        restored.Append([Readings(restored, 2)]);
        var pending = restored.TakePending(100, liveFromSeq: 0);
        var events = pending.Where(b => b.Kind == BatchKind.Events).SelectMany(BatchBuffer.DecodeReadings).Select(r => r.Value.Text).ToList();
        Assert.Contains(events, e => e!.Contains("went back in time", StringComparison.Ordinal) && e.Contains(id, StringComparison.Ordinal));
        foreach (var stored in pending.Where(b => b.Seq >= backedUpNextSeq))
        {
            Assert.True(BatchCodec.TryParseEnvelope(stored.Payload, out var batch, out _));
            Assert.Equal(restored.BufferId, batch.BufferId);
        }
    }

    [Fact]
    public void ReopeningWithoutARestore_KeepsTheId_EvenWhenTheMarkIsGone()
    {
        string id;
        using (var buffer = Open())
        {
            id = buffer.BufferId;
            buffer.Append([Readings(buffer, 3)]);
        }

        for (var i = 0; i < 3; i++)
        {
            using var again = Open();
            Assert.Equal(id, again.BufferId);
            again.Append([Readings(again, 3)]);
        }

        File.Delete(_dir.File("buffer.db.mark"));
        using var withoutMark = Open();
        Assert.Equal(id, withoutMark.BufferId);
    }

    private static void CopyBuffer(string fromDirectory, string toDirectory)
    {
        foreach (var name in new[] { "buffer.db", "buffer-log.db" })
        {
            var source = System.IO.Path.Combine(fromDirectory, name);
            var target = System.IO.Path.Combine(toDirectory, name);
            if (File.Exists(source))
            {
                File.Copy(source, target, overwrite: true);
            }
            else if (File.Exists(target))
            {
                File.Delete(target);
            }
        }
    }
}
