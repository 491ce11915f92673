namespace City.Edge.Devices;

/// <summary>The poll grid every protocol's poller follows: whole-millisecond slots, staggered starts, missed slots skipped.</summary>
internal static class PollSchedule
{
    /// <summary>
    /// The first slot of a poll grid: <paramref name="now"/> + <paramref name="stagger"/>, rounded up to a whole millisecond.
    /// Readings carry whole milliseconds; on a grid of whole milliseconds the next slot (always after the end of the
    /// previous poll, see <see cref="NextDue"/>) lies in a later millisecond than every reading of that poll. On a grid
    /// with a fraction, a poll woken late just before a slot and answered at once shared its millisecond with the next
    /// poll: two readings of each point with the same timestamp, which central cannot tell from a reading stored twice.
    /// </summary>
    public static DateTimeOffset FirstDue(DateTimeOffset now, TimeSpan stagger)
    {
        var start = now + stagger;
        var fraction = start.UtcTicks % TimeSpan.TicksPerMillisecond;
        return fraction == 0 ? start : start.AddTicks(TimeSpan.TicksPerMillisecond - fraction);
    }

    /// <summary>
    /// A wait rounded up to a whole millisecond: Task.Delay counts whole milliseconds and completes at once below one,
    /// which made the loop spin on the clock until the slot.
    /// </summary>
    public static TimeSpan RoundedUp(TimeSpan wait)
    {
        var fraction = wait.Ticks % TimeSpan.TicksPerMillisecond;
        return fraction == 0 ? wait : wait + TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond - fraction);
    }

    /// <summary>The next slot after <paramref name="now"/> on the grid of <paramref name="due"/>; missed slots are skipped, not caught up.</summary>
    public static DateTimeOffset NextDue(DateTimeOffset due, TimeSpan period, DateTimeOffset now)
    {
        var next = due + period;
        if (next > now)
        {
            return next;
        }

        var missed = (now - next).Ticks / period.Ticks + 1;
        return next + TimeSpan.FromTicks(missed * period.Ticks);
    }

    /// <summary>
    /// <paramref name="due"/>, or a new grid starting at <paramref name="now"/> when the slot lies more than one
    /// <paramref name="period"/> ahead: that happens only when the wall clock was set back (an NTP step, a technician),
    /// and waiting for the old slot would stop polling for as long as the clock went back. A clock set forward needs
    /// nothing: <see cref="NextDue"/> skips the slots it jumped over.
    /// </summary>
    public static DateTimeOffset AfterClockSetBack(DateTimeOffset due, TimeSpan period, DateTimeOffset now) =>
        due - now > period ? FirstDue(now, TimeSpan.Zero) : due;
}
