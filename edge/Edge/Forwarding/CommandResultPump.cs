using System.Collections.Concurrent;
using City.Contract.Mqtt;
using City.Edge.Buffer;
using City.Edge.Commands;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace City.Edge.Forwarding;

/// <summary>
/// One session's publishing of command results, beside (never in the way of) the data pump: every result of the outbox goes
/// out at QoS 1 once per session, again when its ack is overdue, and leaves the outbox when an Ack lists its result_seq.
/// Only a result published in this session and still awaiting its ack may be settled, as for batches: a forged ack deletes
/// nothing else.
/// </summary>
internal sealed partial class CommandResultPump(CommandOutbox outbox, IMqttClient client, TimeSpan ackTimeout, TimeProvider time, ILogger logger)
{
    private readonly ConcurrentQueue<ulong> _acked = new();
    private readonly Dictionary<ulong, DateTimeOffset> _sentAt = [];
    private readonly AsyncSignal _wake = new();
    private readonly SteadyClock _steady = new(time);

    /// <summary>Results awaiting their ack in this session (tests).</summary>
    public int InFlight { get; private set; }

    /// <summary>An Ack listed these result seqs (from the receive handler).</summary>
    public void Acknowledged(IEnumerable<ulong> seqs)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        foreach (var seq in seqs)
        {
            _acked.Enqueue(seq);
        }

        _wake.Set();
    }

    public async Task RunAsync(CancellationToken token)
    {
        outbox.ResultsAdded += _wake.Set;
        try
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                Settle();
                var now = _steady.Now;
                var due = outbox.Pending().Where(r => !_sentAt.TryGetValue(r.ResultSeq, out var at) || now - at >= ackTimeout).ToList();
                foreach (var result in due)
                {
                    if (_sentAt.ContainsKey(result.ResultSeq))
                    {
                        LogResending(logger, result.ResultSeq, result.Id, ackTimeout.TotalSeconds);
                    }

                    _sentAt[result.ResultSeq] = now;
                }

                InFlight = _sentAt.Count;
                if (due.Count > 0)
                {
                    await Task.WhenAll(due.Select(r => client.PublishCheckedAsync(ContractMessages.CommandResult(r), token))).ConfigureAwait(false);
                    continue;
                }

                await _wake.WaitAsync(TimeUntilNextResend(_steady.Now), time, token).ConfigureAwait(false);
            }
        }
        finally
        {
            outbox.ResultsAdded -= _wake.Set;
        }
    }

    /// <summary>Until the oldest result's ack falls due: <see cref="Timeout.InfiniteTimeSpan"/> with nothing in flight, zero when overdue.</summary>
    public TimeSpan TimeUntilNextResend(DateTimeOffset now)
    {
        if (_sentAt.Count == 0)
        {
            // Not clamped below: InfiniteTimeSpan is negative (-1 ms), and a zero wait would make the idle pump spin.
            return Timeout.InfiniteTimeSpan;
        }

        var wait = _sentAt.Values.Min() + ackTimeout - now;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private void Settle()
    {
        var settled = new List<ulong>();
        while (_acked.TryDequeue(out var seq))
        {
            if (_sentAt.Remove(seq))
            {
                settled.Add(seq);
            }
        }

        if (settled.Count > 0)
        {
            outbox.Acknowledge(settled);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No ack for command result {Seq} (command {Id}) within {Seconds} s: publishing it again")]
    private static partial void LogResending(ILogger logger, ulong seq, string id, double seconds);
}
