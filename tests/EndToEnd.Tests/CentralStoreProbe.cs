using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.EndToEnd.Tests;

/// <summary>
/// Reads central's store file directly (central must be stopped): which batches it holds for a gateway, by seq,
/// and their readings. The HTTP API shows readings, not the batches they came in; this says where each one came from.
/// </summary>
internal sealed class CentralStoreProbe : IDisposable
{
    private readonly LiteDatabase _database;

    public CentralStoreProbe(string centralDataDirectory)
    {
        var file = Path.Combine(centralDataDirectory, "central.db");
        _database = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct, ReadOnly = true });
    }

    /// <summary>Every stored batch of the gateway, with its readings decoded (an empty list when the body no longer decodes).</summary>
    public List<ProbedBatch> Batches(string gatewayId)
    {
        var result = new List<ProbedBatch>();
        foreach (var doc in _database.GetCollection("batches").Find(Query.EQ("gw", gatewayId)))
        {
            var seq = unchecked((ulong)doc["seq"].AsInt64);
            var count = doc["n"].AsInt32;
            var envelope = new Batch
            {
                GatewayId = gatewayId,
                Seq = seq,
                Compression = (Compression)doc["c"].AsInt32,
                ReadingCount = (uint)count,
                Body = Google.Protobuf.ByteString.CopyFrom(doc["body"].AsBinary),
            };
            var readings = new List<Reading>();
            var decodes = BatchCodec.TryDecodeBody(envelope, out var body, out _) && BatchCodec.TryAppendReadings(body, readings, out _);
            result.Add(new ProbedBatch(
                doc["_id"].AsInt64,
                seq,
                unchecked((ulong)doc["ep"].AsInt64),
                (BatchKind)doc["kind"].AsInt32,
                doc["t0"].AsInt64,
                doc["t1"].AsInt64,
                count,
                doc["rx"].AsInt64,
                decodes ? readings : []));
        }

        return result;
    }

    public void Dispose() => _database.Dispose();
}

/// <summary>One batch as central stored it: document id, the envelope's identity, span, reading count, receive time and readings.</summary>
internal sealed record ProbedBatch(long DocumentId, ulong Seq, ulong Epoch, BatchKind Kind, long T0, long T1, int Count, long ReceivedUnixMs, List<Reading> Readings)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"doc {DocumentId} seq {Seq} epoch {Epoch} {Kind} n={Count} (decoded {Readings.Count}) span {Time(T0)}..{Time(T1)} received {Time(ReceivedUnixMs)}");

    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
}
