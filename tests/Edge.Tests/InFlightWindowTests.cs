using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

public sealed class InFlightWindowTests
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private static StoredBatch Batch(ulong seq) => new(seq, BatchKind.Telemetry, 0, 1, [(byte)seq]);

    [Fact]
    public void An_empty_window_has_every_slot_free_and_nothing_to_wait_for()
    {
        var window = new InFlightWindow(4, AckTimeout);

        Assert.Equal(0, window.Count);
        Assert.Equal(4, window.FreeSlots);
        Assert.Empty(window.TakeDueForResend(_time.GetUtcNow()));
        Assert.Equal(Timeout.InfiniteTimeSpan, window.TimeUntilNextResend(_time.GetUtcNow()));
    }

    [Fact]
    public void Sent_batches_take_slots_until_the_window_is_full()
    {
        var window = new InFlightWindow(2, AckTimeout);

        window.Sent(Batch(1), _time.GetUtcNow());
        Assert.Equal((1, 1), (window.Count, window.FreeSlots));
        window.Sent(Batch(2), _time.GetUtcNow());

        Assert.Equal((2, 0), (window.Count, window.FreeSlots));
        Assert.True(window.Contains(1) && window.Contains(2));
    }

    [Fact]
    public void A_batch_is_due_again_only_once_the_ack_timeout_has_passed()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(1), _time.GetUtcNow());

        _time.Advance(AckTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Empty(window.TakeDueForResend(_time.GetUtcNow()));
        Assert.Equal(TimeSpan.FromMilliseconds(1), window.TimeUntilNextResend(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1ul], window.TakeDueForResend(_time.GetUtcNow()).Select(b => b.Seq));
    }

    [Fact]
    public void A_resent_batch_gets_a_new_timer_and_is_not_due_twice()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(1), _time.GetUtcNow());
        _time.Advance(AckTimeout);

        Assert.Single(window.TakeDueForResend(_time.GetUtcNow()));
        Assert.Empty(window.TakeDueForResend(_time.GetUtcNow()));
        Assert.Equal(AckTimeout, window.TimeUntilNextResend(_time.GetUtcNow()));
        Assert.Equal(1, window.Count);

        _time.Advance(AckTimeout);
        Assert.Single(window.TakeDueForResend(_time.GetUtcNow()));
    }

    [Fact]
    public void Due_batches_come_in_seq_order_and_the_others_keep_their_timers()
    {
        var window = new InFlightWindow(8, AckTimeout);
        window.Sent(Batch(7), _time.GetUtcNow());
        window.Sent(Batch(3), _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(4));
        window.Sent(Batch(5), _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal([3ul, 7ul], window.TakeDueForResend(_time.GetUtcNow()).Select(b => b.Seq));

        // Batch 5, sent 6 s ago, is the next one due.
        Assert.Equal(TimeSpan.FromSeconds(4), window.TimeUntilNextResend(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal([5ul], window.TakeDueForResend(_time.GetUtcNow()).Select(b => b.Seq));
    }

    [Fact]
    public void An_overdue_batch_is_waited_for_zero_not_a_negative_time()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(1), _time.GetUtcNow());
        _time.Advance(AckTimeout * 3);

        Assert.Equal(TimeSpan.Zero, window.TimeUntilNextResend(_time.GetUtcNow()));
    }

    [Fact]
    public void Acknowledged_and_rejected_batches_leave_the_window_and_are_never_resent()
    {
        var window = new InFlightWindow(4, AckTimeout);
        foreach (var seq in new ulong[] { 1, 2, 3 })
        {
            window.Sent(Batch(seq), _time.GetUtcNow());
        }

        // 1 committed, 3 rejected, 9 not in flight (a duplicate ack of an earlier session).
        var settled = window.Settle([1, 3, 9]);

        Assert.Equal([1ul, 3ul], settled.InFlight);
        Assert.Equal((0, 1), (settled.Repeated, settled.Unknown));
        Assert.Equal((1, 3), (window.Count, window.FreeSlots));
        Assert.False(window.Contains(1) || window.Contains(3));
        _time.Advance(AckTimeout);
        Assert.Equal([2ul], window.TakeDueForResend(_time.GetUtcNow()).Select(b => b.Seq));
    }

    [Fact]
    public void Only_seqs_in_the_window_are_settled_a_second_ack_is_repeated_anything_else_unknown()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(5), _time.GetUtcNow());
        window.Sent(Batch(6), _time.GetUtcNow());

        var forged = window.Settle(Enumerable.Range(1, 100_000).Select(i => (ulong)i));
        var again = window.Settle([5, 6, 7]);

        Assert.Equal([5ul, 6ul], forged.InFlight);
        Assert.Equal((0, 99_998), (forged.Repeated, forged.Unknown));
        Assert.Empty(again.InFlight);
        Assert.Equal((2, 1), (again.Repeated, again.Unknown));
    }

    [Fact]
    public void Settled_seqs_are_remembered_for_a_bounded_while()
    {
        var window = new InFlightWindow(1, AckTimeout);
        for (ulong seq = 1; seq <= InFlightWindow.RememberedSettledSeqs + 1; seq++)
        {
            window.Sent(Batch(seq), _time.GetUtcNow());
            window.Settle([seq]);
        }

        var late = window.Settle([1, 2]);

        Assert.Equal((1, 1), (late.Repeated, late.Unknown));
    }

    [Fact]
    public void The_last_ack_leaves_nothing_to_wait_for()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(1), _time.GetUtcNow());

        window.Settle([1]);

        Assert.Equal(Timeout.InfiniteTimeSpan, window.TimeUntilNextResend(_time.GetUtcNow()));
    }

    [Fact]
    public void A_disconnection_empties_the_window()
    {
        var window = new InFlightWindow(4, AckTimeout);
        window.Sent(Batch(1), _time.GetUtcNow());
        window.Sent(Batch(2), _time.GetUtcNow());

        window.Clear();

        Assert.Equal((0, 4), (window.Count, window.FreeSlots));
        _time.Advance(AckTimeout);
        Assert.Empty(window.TakeDueForResend(_time.GetUtcNow()));
        Assert.Equal(Timeout.InfiniteTimeSpan, window.TimeUntilNextResend(_time.GetUtcNow()));
    }
}
