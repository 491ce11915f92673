using City.Contract;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>The newest telemetry batch while it may still grow: never handed out since it was written.</summary>
internal sealed record GrowingTail(ulong Seq, long CreatedUnixMs, List<Reading> Readings);

/// <summary>
/// The meta document: identity, sequence counters and lifetime totals, always written with the batches.
/// <paramref name="BufferId"/> is the buffer's own identity (random, created with the file); seq and epoch count
/// within it. Empty only when read from a file written before buffer ids existed: one is assigned at open.
/// </summary>
internal sealed record BufferMeta(
    string GatewayId,
    ulong Epoch,
    ulong NextSeq,
    long NextAlias,
    long BatchCount,
    long PendingReadings,
    long BytesUsed,
    long ReadingsBuffered,
    long ReadingsDropped,
    long BatchesAcked,
    long ReadingsAcked,
    long BatchesRejected,
    long ReadingsRejected,
    string BufferId)
{
    public static BufferMeta New(string gatewayId) => new(gatewayId, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, BufferIds.New());

    public BufferMeta Added(int bytes, int readings) =>
        this with { BatchCount = BatchCount + 1, PendingReadings = PendingReadings + readings, BytesUsed = BytesUsed + bytes };

    public BufferMeta Removed(int bytes, int readings) =>
        this with { BatchCount = BatchCount - 1, PendingReadings = PendingReadings - readings, BytesUsed = BytesUsed - bytes };

    public BsonDocument ToDocument() => new()
    {
        ["_id"] = "state",
        ["gatewayId"] = GatewayId,
        ["epoch"] = (long)Epoch,
        ["nextSeq"] = (long)NextSeq,
        ["nextAlias"] = NextAlias,
        ["batchCount"] = BatchCount,
        ["pendingReadings"] = PendingReadings,
        ["bytesUsed"] = BytesUsed,
        ["readingsBuffered"] = ReadingsBuffered,
        ["readingsDropped"] = ReadingsDropped,
        ["batchesAcked"] = BatchesAcked,
        ["readingsAcked"] = ReadingsAcked,
        ["batchesRejected"] = BatchesRejected,
        ["readingsRejected"] = ReadingsRejected,
        ["bufferId"] = BufferId,
    };

    public static BufferMeta FromDocument(BsonDocument doc) => new(
        doc["gatewayId"].AsString,
        (ulong)doc["epoch"].AsInt64,
        (ulong)doc["nextSeq"].AsInt64,
        doc["nextAlias"].AsInt64,
        doc["batchCount"].AsInt64,
        doc["pendingReadings"].AsInt64,
        doc["bytesUsed"].AsInt64,
        doc["readingsBuffered"].AsInt64,
        doc["readingsDropped"].AsInt64,
        doc["batchesAcked"].AsInt64,
        doc["readingsAcked"].AsInt64,
        doc["batchesRejected"].AsInt64,
        doc["readingsRejected"].AsInt64,
        doc.TryGetValue("bufferId", out var bufferId) && bufferId.IsString ? bufferId.AsString : string.Empty);
}
