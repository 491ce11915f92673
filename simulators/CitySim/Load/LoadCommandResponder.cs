using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;

namespace City.Sim.Load;

/// <summary>
/// How one simulated gateway answers commands (docs/contract.md, "Commands"): it verifies the signature with the pinned
/// key, checks the gateway and <c>not_after</c>, then answers ACCEPTED and DONE at once (nothing is executed), or
/// REJECTED with its reason. Every result gets the next <c>result_seq</c> and stays in an outbox until central's Ack lists
/// it in <c>committed_result_seqs</c>; results older than the ack timeout are due again. An id already answered is not
/// answered again. Thread-safe; no I/O: the gateway publishes what this returns.
/// </summary>
internal sealed class LoadCommandResponder(string gatewayId, ECDsa? signingKey, LoadCommandStats stats, TimeProvider time)
{
    /// <summary>The clock skew the edge allows on <c>not_after</c>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Entry> _outbox = [];
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private ulong _lastSeq;

    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _outbox.Count;
            }
        }
    }

    /// <summary>The results to publish for <paramref name="command"/>: ACCEPTED then DONE, one REJECTED, or none (a duplicate).</summary>
    public IReadOnlyList<CommandResult> Answer(SignedCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        stats.Received();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var (body, reason, detail) = Check(command, now);
        var id = body?.Id ?? string.Empty;
        if (string.IsNullOrEmpty(id) && reason == CommandRejections.Signature)
        {
            // Without a trusted body the id is read from the unverified body, only to address the rejection.
            id = BatchCodec.TryParse(CommandBody.Parser, command.Body.Span, out var unverified) ? unverified.Id : string.Empty;
        }

        if (string.IsNullOrEmpty(id))
        {
            stats.Malformed();
            return [];
        }

        lock (_gate)
        {
            if (!_answered.Add(id))
            {
                stats.Duplicate();
                return [];
            }

            if (reason is not null)
            {
                stats.Rejected(reason);
                return [Add(Result(id, CommandStatus.Rejected, detail, now, reason))];
            }

            stats.Done();
            return [Add(Result(id, CommandStatus.Accepted, "accepted", now, string.Empty)), Add(Result(id, CommandStatus.Done, "simulated", now, string.Empty))];
        }
    }

    /// <summary>Drops what central acknowledged; returns how many of them were still in the outbox.</summary>
    public int Acknowledge(IEnumerable<ulong> resultSeqs)
    {
        ArgumentNullException.ThrowIfNull(resultSeqs);
        var removed = 0;
        lock (_gate)
        {
            foreach (var seq in resultSeqs)
            {
                removed += _outbox.Remove(seq) ? 1 : 0;
            }
        }

        stats.ResultsAcked(removed);
        return removed;
    }

    /// <summary>The unacknowledged results published at least <paramref name="ackTimeout"/> ago (all of them with zero), oldest first; they count as published again now.</summary>
    public IReadOnlyList<CommandResult> DueForResend(TimeSpan ackTimeout)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            var due = _outbox
                .Where(e => time.GetElapsedTime(e.Value.PublishedAt, now) >= ackTimeout)
                .OrderBy(e => e.Key)
                .Select(e => e.Value.Result)
                .ToArray();
            foreach (var result in due)
            {
                _outbox[result.ResultSeq] = new Entry(result, now);
            }

            return due;
        }
    }

    private (CommandBody? Body, string? Reason, string Detail) Check(SignedCommand command, long nowUnixMs)
    {
        if (signingKey is null)
        {
            return (null, CommandRejections.Signature, "no command-signing key pinned (citysim load --signing-key)");
        }

        if (!CommandSigning.TryVerify(command, signingKey, out var body, out var why))
        {
            return (null, CommandRejections.Signature, why ?? "signature");
        }

        if (!string.Equals(body.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            return (body, CommandRejections.WrongGateway, $"the command is for {body.GatewayId}");
        }

        return nowUnixMs > body.NotAfterUnixMs + (long)ClockSkew.TotalMilliseconds
            ? (body, CommandRejections.Expired, "not_after has passed")
            : (body, null, string.Empty);
    }

    private CommandResult Add(CommandResult result)
    {
        result.ResultSeq = ++_lastSeq;
        _outbox[result.ResultSeq] = new Entry(result, time.GetTimestamp());
        return result;
    }

    private CommandResult Result(string id, CommandStatus status, string detail, long nowUnixMs, string reason) => new()
    {
        Id = id,
        GatewayId = gatewayId,
        Status = status,
        Detail = detail,
        TimeUnixMs = nowUnixMs,
        Reason = reason,
    };

    private readonly record struct Entry(CommandResult Result, long PublishedAt);
}
