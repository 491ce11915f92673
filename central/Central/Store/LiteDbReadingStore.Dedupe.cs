using City.Central.Model;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// The store decides duplicates. A batch's document has an auto-incremented id, unique but not tied to the batch:
/// what makes (gateway, buffer id, seq) unique in this file is the gateway document's committed seq ranges, written in
/// the same transaction as the batches. So a commit reads, inside its transaction, the seq ranges the file holds for
/// each gateway it touches, skips the batches found there (they are listed as already stored), writes the gateway's
/// seq ranges as the union of the file's and the worker's, and its counters as the file's plus the batches written
/// now (its largest span and last-seen time as the larger of both): a worker whose memory missed a commit cannot store
/// a batch twice, drop a stored seq or set a counter back.
/// </summary>
internal sealed partial class LiteDbReadingStore
{
    private sealed class StoredDedupe(ILiteCollection<BsonDocument> gateways, IEnumerable<string> seqsCleared)
    {
        // A gateway reset in this commit: its stored seqs are forgotten, not checked.
        private readonly HashSet<string> _cleared = new(seqsCleared, StringComparer.Ordinal);
        private readonly Dictionary<string, List<(string Id, long Epoch, SeqRanges Seqs)>?> _stored = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (long Batches, long Readings)> _written = new(StringComparer.Ordinal);

        private readonly Dictionary<string, BsonDocument?> _documents = new(StringComparer.Ordinal);

        public HashSet<BatchKey> Skipped { get; } = [];

        /// <summary>The batches the file does not hold yet, in their order.</summary>
        public List<StoredBatch> SkipStored(List<StoredBatch> batches)
        {
            var fresh = new List<StoredBatch>(batches.Count);
            foreach (var batch in batches)
            {
                var stream = _cleared.Contains(batch.GatewayId) ? default : StreamsOf(batch.GatewayId)?.Find(s => s.Id == batch.BufferId);
                if (stream is { Seqs: { } seqs } && seqs.Contains(batch.Seq))
                {
                    Skipped.Add(BatchKey.Of(batch));
                    continue;
                }

                fresh.Add(batch);
                var (count, readings) = _written.GetValueOrDefault(batch.GatewayId);
                _written[batch.GatewayId] = (count + 1, readings + batch.ReadingCount);
            }

            return fresh;
        }

        /// <summary>The gateway document to write: counters added to the file's, seq ranges joined with the file's.</summary>
        public BsonDocument Merge(BsonDocument doc, GatewayChange change)
        {
            var id = change.State.Id;
            StreamsOf(id);
            if (_documents.GetValueOrDefault(id) is not { } file)
            {
                return doc;
            }

            var (batches, readings) = _written.GetValueOrDefault(id);
            doc["br"] = file["br"].AsInt64 + batches;
            doc["rr"] = file["rr"].AsInt64 + readings;
            doc["span"] = Math.Max(file["span"].AsInt64, doc["span"].AsInt64);
            doc["seen"] = Math.Max(file["seen"].AsInt64, doc["seen"].AsInt64);
            if (change.SeqsCleared || StreamsOf(id) is not { } stored)
            {
                return doc;
            }

            var streams = doc["streams"].AsArray;
            foreach (var (streamId, epoch, seqs) in stored)
            {
                var written = streams.FirstOrDefault(s => s["id"].AsString == streamId);
                if (written is null)
                {
                    streams.Add(new BsonDocument { ["id"] = streamId, ["ep"] = epoch, ["seqs"] = ToDocument(seqs) });
                    continue;
                }

                var union = SeqRanges.From(ReadSeqRanges(written["seqs"]).Ranges.Concat(seqs.Ranges));
                written["seqs"] = ToDocument(union);
                if (streamId.Length == 0)
                {
                    doc["seqs"] = ToDocument(union);
                }
            }

            return doc;
        }

        private List<(string Id, long Epoch, SeqRanges Seqs)>? StreamsOf(string gatewayId)
        {
            if (_stored.TryGetValue(gatewayId, out var streams))
            {
                return streams;
            }

            var doc = gateways.FindById(gatewayId);
            _documents[gatewayId] = doc;
            streams = doc is null ? null
                : doc["streams"].IsArray ? [.. doc["streams"].AsArray.Select(s => (s["id"].AsString, s["ep"].AsInt64, ReadSeqRanges(s["seqs"])))]
                : [(string.Empty, doc["ep"].AsInt64, ReadSeqRanges(doc["seqs"]))];
            _stored.Add(gatewayId, streams);
            return streams;
        }
    }
}
