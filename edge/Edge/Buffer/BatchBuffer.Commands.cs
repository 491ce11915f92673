using LiteDB;

namespace City.Edge.Buffer;

/// <summary>How claiming a command id went: first time (execute it), seen before (a resend), or not recorded (the disk is full).</summary>
internal enum CommandIdClaim
{
    New,
    Duplicate,
    NotRecorded,
}

/// <summary>
/// What the remote command path keeps in the buffer file, in collections of its own: the ids of the commands received (so a
/// resend never executes twice, kept until their expiry plus the clock-skew allowance), and the outbox of command results,
/// each under its result_seq until central acknowledges it. A salvaged (damaged) buffer keeps neither.
/// </summary>
internal sealed partial class BatchBuffer
{
    internal const string CommandIdsCollection = "command_ids";
    internal const string CommandResultsCollection = "command_results";
    internal const string CommandMetaCollection = "command_meta";

    private const string ResultSeqId = "next_result_seq";

    /// <summary>Records <paramref name="id"/> until <paramref name="keepUntilUnixMs"/>, unless it is known already.</summary>
    public CommandIdClaim ClaimCommandId(string id, long keepUntilUnixMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var duplicate = false;
            var written = TryWrite(() => InTransaction(() =>
            {
                var ids = _db!.GetCollection(CommandIdsCollection);
                duplicate = ids.FindById(id) is not null;
                if (!duplicate)
                {
                    ids.Insert(new BsonDocument { ["_id"] = id, ["until"] = keepUntilUnixMs });
                }
            }));
            return !written ? CommandIdClaim.NotRecorded : duplicate ? CommandIdClaim.Duplicate : CommandIdClaim.New;
        }
    }

    /// <summary>Forgets the ids whose time is up; returns how many.</summary>
    public int PruneCommandIds(long nowUnixMs)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var removed = 0;
            TryWrite(() => InTransaction(() =>
                removed = _db!.GetCollection(CommandIdsCollection).DeleteMany(Query.LT("until", nowUnixMs))));
            return removed;
        }
    }

    /// <summary>
    /// Puts a result into the outbox under the next result_seq (persisted, increasing); <paramref name="payloadFor"/> builds
    /// its bytes for that seq. Null when the disk is full and nothing could be written.
    /// </summary>
    public ulong? AddCommandResult(Func<ulong, byte[]> payloadFor)
    {
        ArgumentNullException.ThrowIfNull(payloadFor);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ulong seq = 0;
            var written = TryWrite(() => InTransaction(() =>
            {
                var meta = _db!.GetCollection(CommandMetaCollection);
                var next = meta.FindById(ResultSeqId) is { } doc ? (ulong)doc["next"].AsInt64 : 1UL;
                seq = next;
                _db.GetCollection(CommandResultsCollection).Insert(new BsonDocument { ["_id"] = (long)seq, ["payload"] = payloadFor(seq) });
                meta.Upsert(new BsonDocument { ["_id"] = ResultSeqId, ["next"] = (long)(seq + 1) });
            }));
            return written ? seq : null;
        }
    }

    /// <summary>The results in the outbox, in result_seq order (empty while the store is closed).</summary>
    public IReadOnlyList<(ulong Seq, byte[] Payload)> PendingCommandResults()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_db is null)
            {
                return [];
            }

            return _db.GetCollection(CommandResultsCollection).Query().OrderBy("_id").ToList()
                .ConvertAll(d => ((ulong)d["_id"].AsInt64, d["payload"].AsBinary));
        }
    }

    /// <summary>How many results wait for central's ack.</summary>
    public int CommandResultsWaiting
    {
        get
        {
            lock (_gate)
            {
                return _db is null || _disposed ? 0 : _db.GetCollection(CommandResultsCollection).Count();
            }
        }
    }

    /// <summary>Central committed these results: they leave the outbox. Returns how many were there.</summary>
    public int AcknowledgeCommandResults(IReadOnlyCollection<ulong> seqs)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        if (seqs.Count == 0)
        {
            return 0;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var removed = 0;
            TryWrite(() => InTransaction(() =>
            {
                removed = 0;
                var results = _db!.GetCollection(CommandResultsCollection);
                foreach (var seq in seqs)
                {
                    removed += results.Delete((long)seq) ? 1 : 0;
                }
            }));
            return removed;
        }
    }
}
