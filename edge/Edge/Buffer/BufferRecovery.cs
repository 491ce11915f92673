using System.Globalization;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>What a recovery of a damaged buffer did: where the damaged file went and what was kept or lost.</summary>
internal sealed record BufferRecoveryReport(
    string Reason,
    string MovedTo,
    bool MetaKept,
    int BatchesSalvaged,
    long ReadingsSalvaged,
    long? ReadingsLost,
    int UnreadableDocuments)
{
    /// <summary>The text of the $edge/buffer/recovered event (the contract cuts texts at 256 characters: the path goes first).</summary>
    public string Describe()
    {
        var lost = ReadingsLost is { } l ? l.ToString(CultureInfo.InvariantCulture) : "unknown";
        var reason = Reason.Length > 60 ? Reason[..60] : Reason;
        return $"damaged buffer moved to {MovedTo}; salvaged {BatchesSalvaged} batches ({ReadingsSalvaged} readings), lost {lost} readings, " +
            $"{UnreadableDocuments} unreadable records; {(MetaKept ? "counters kept" : "counters lost: new meta")}; cause: {reason}";
    }
}

/// <summary>
/// Moves a damaged buffer file (and its -log) aside, named with the UTC time, and writes what <see cref="BufferPageScanner"/>
/// salvaged into a fresh file at the same path: batches byte for byte under their seqs, the alias table, and a meta whose
/// counters never go back (next seq above every seq kept, next alias above every alias seen).
/// </summary>
internal static class BufferRecovery
{
    private const int DocumentsPerTransaction = 64;

    public static (BufferRecoveryReport Report, BufferMeta Meta) Salvage(string path, string gatewayId, BufferMeta? knownMeta, string reason, DateTimeOffset now)
    {
        var logPath = BatchBuffer.LogPathOf(path);
        var scan = BufferPageScanner.Scan(path, logPath, gatewayId);
        var baseMeta = knownMeta ?? scan.Meta;
        if (baseMeta is not null && !string.Equals(baseMeta.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            throw new BufferOwnershipException(
                $"The damaged buffer file '{path}' belongs to gateway '{baseMeta.GatewayId}', not '{gatewayId}'. Move the file away before changing Edge:GatewayId.");
        }

        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var movedTo = FreeName($"{path}.damaged-{stamp}");
        var logMovedTo = $"{logPath}.damaged-{stamp}" + movedTo[$"{path}.damaged-{stamp}".Length..];
        MoveIfExists(path, movedTo);
        MoveIfExists(logPath, logMovedTo);

        long readings = scan.Batches.Sum(b => (long)b["count"].AsInt32);
        long bytes = scan.Batches.Sum(b => (long)b["size"].AsInt32);
        var maxSeq = scan.Batches.Count == 0 ? 0UL : (ulong)scan.Batches.Max(b => b["_id"].AsInt64);
        var maxAlias = Math.Max(scan.MaxAliasInBatches, scan.Aliases.Count == 0 ? 0 : scan.Aliases.Max(a => a["alias"].AsInt64));
        long? lost = baseMeta is null ? null : Math.Max(0, baseMeta.PendingReadings - readings);
        var meta = (baseMeta ?? BufferMeta.New(gatewayId)) with
        {
            Epoch = Math.Max(baseMeta?.Epoch ?? 0, scan.MaxEpochInBatches),
            NextSeq = Math.Max(baseMeta?.NextSeq ?? 1, maxSeq + 1),
            NextAlias = Math.Max(baseMeta?.NextAlias ?? 1, maxAlias + 1),
            BatchCount = scan.Batches.Count,
            PendingReadings = readings,
            BytesUsed = bytes,
            ReadingsDropped = (baseMeta?.ReadingsDropped ?? 0) + (lost ?? 0),
        };

        try
        {
            WriteFresh(path, scan, meta);
        }
        catch
        {
            // Most likely a full disk: put the damaged file back, so that nothing is lost; the caller retries later.
            DeleteIfExists(path);
            DeleteIfExists(logPath);
            MoveIfExists(movedTo, path);
            MoveIfExists(logMovedTo, logPath);
            throw;
        }

        var report = new BufferRecoveryReport(reason, movedTo, baseMeta is not null, scan.Batches.Count, readings, lost, scan.UnreadableDocuments);
        return (report, meta);
    }

    private static void WriteFresh(string path, SalvageScan scan, BufferMeta meta)
    {
        using var db = new LiteDatabase(BatchBuffer.ConnectionFor(path));
        db.CheckpointSize = 0;
        var batches = db.GetCollection(BatchBuffer.BatchesCollection);
        batches.EnsureIndex("kind");
        foreach (var chunk in scan.Batches.Chunk(DocumentsPerTransaction))
        {
            db.BeginTrans();
            batches.Insert(chunk);
            db.Commit();
            db.Checkpoint();
        }

        db.BeginTrans();
        db.GetCollection(BatchBuffer.AliasesCollection).Upsert(scan.Aliases);
        db.GetCollection(BatchBuffer.MetaCollection).Upsert(meta.ToDocument());
        db.Commit();
        db.Checkpoint();
    }

    private static string FreeName(string candidate)
    {
        var name = candidate;
        for (var i = 2; File.Exists(name); i++)
        {
            name = $"{candidate}-{i}";
        }

        return name;
    }

    private static void MoveIfExists(string from, string to)
    {
        if (File.Exists(from))
        {
            File.Move(from, to);
        }
    }

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
