using City.Contract;

namespace City.Edge.Commands;

/// <summary>One remote command as edgectl commands shows it (status: accepted, done, failed, rejected).</summary>
internal sealed record CommandEntry(
    string Id,
    string Issuer,
    string Action,
    DateTimeOffset ReceivedAt,
    string Status,
    string? Detail,
    string? Reason,
    string? ReadBack,
    DateTimeOffset UpdatedAt);

/// <summary>The counts of the status document: outcomes, rejections by reason, and the results waiting for central's ack.</summary>
internal sealed record CommandCounts(
    long Received,
    long Accepted,
    long Done,
    long Failed,
    long Rejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long Dropped,
    long ResultsLost);

/// <summary>The recent remote commands (the newest <see cref="Capacity"/>, in memory) and the lifetime counts of this run.</summary>
internal sealed class CommandLog
{
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly LinkedList<CommandEntry> _recent = new();
    private readonly Dictionary<string, LinkedListNode<CommandEntry>> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejectedByReason = CommandRejections.All.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);
    private long _received;
    private long _accepted;
    private long _done;
    private long _failed;
    private long _dropped;
    private long _resultsLost;

    public void CountReceived() => Interlocked.Increment(ref _received);

    /// <summary>A command the inbox had no room for (central sends it again at the next birth if it is still pending).</summary>
    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>A result that could not be kept in the outbox (the disk is full).</summary>
    public void CountResultLost() => Interlocked.Increment(ref _resultsLost);

    /// <summary>Records a new status of a command (the entry is created by the first one).</summary>
    public void Record(string id, string issuer, string action, DateTimeOffset receivedAt, string status, string? detail, string? reason, string? readBack, DateTimeOffset at)
    {
        lock (_gate)
        {
            switch (status)
            {
                case CommandStatuses.Accepted:
                    _accepted++;
                    break;
                case CommandStatuses.Done:
                    _done++;
                    break;
                case CommandStatuses.Failed:
                    _failed++;
                    break;
                case CommandStatuses.Rejected:
                    _rejectedByReason[reason ?? string.Empty] = _rejectedByReason.GetValueOrDefault(reason ?? string.Empty) + 1;
                    break;
            }

            // A rejected duplicate does not replace the entry of the command it repeats.
            if (_byId.TryGetValue(id, out var node))
            {
                if (reason == CommandRejections.Duplicate)
                {
                    return;
                }

                node.Value = node.Value with { Status = status, Detail = detail, Reason = reason, ReadBack = readBack ?? node.Value.ReadBack, UpdatedAt = at };
                return;
            }

            _byId[id] = _recent.AddFirst(new CommandEntry(id, issuer, action, receivedAt, status, detail, reason, readBack, at));
            if (_recent.Count > Capacity)
            {
                _byId.Remove(_recent.Last!.Value.Id);
                _recent.RemoveLast();
            }
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<CommandEntry> Recent()
    {
        lock (_gate)
        {
            return _recent.ToList();
        }
    }

    public CommandCounts Counts()
    {
        lock (_gate)
        {
            return new CommandCounts(Interlocked.Read(ref _received), _accepted, _done, _failed, _rejectedByReason.Values.Sum(),
                new Dictionary<string, long>(_rejectedByReason, StringComparer.Ordinal), Interlocked.Read(ref _dropped), Interlocked.Read(ref _resultsLost));
        }
    }
}

/// <summary>The statuses as the local API spells them.</summary>
internal static class CommandStatuses
{
    public const string Accepted = "accepted";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
}
