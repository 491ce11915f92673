using System.Globalization;

namespace City.EndToEnd.Tests;

/// <summary>
/// One point's reading timestamps as central stores them, checked against the edge's polling period: a point polled every
/// period has a reading every period, so a gap of many periods is readings lost, unless the edge was not running then (it
/// was killed: what it had read and not yet committed dies with it, and nothing is read until it runs again).
/// </summary>
internal static class PollingTimeline
{
    /// <summary>
    /// The gaps of <paramref name="timestampsUnixMs"/> longer than <paramref name="longestGapMs"/> that no kill explains. A kill
    /// explains a gap that spans it when the last reading before it came at most <paramref name="lostBeforeKillMs"/> before
    /// the kill (the readings still in memory then: the polling queue and the writer's group not yet committed).
    /// </summary>
    public static List<string> UnexplainedGaps(IReadOnlyList<long> timestampsUnixMs, IReadOnlyList<DateTimeOffset> kills, long longestGapMs, long lostBeforeKillMs)
    {
        var problems = new List<string>();
        for (var i = 1; i < timestampsUnixMs.Count; i++)
        {
            var (before, after) = (timestampsUnixMs[i - 1], timestampsUnixMs[i]);
            if (after - before <= longestGapMs)
            {
                continue;
            }

            var kill = kills.Select(k => k.ToUnixTimeMilliseconds()).Where(k => k > before && k < after).Cast<long?>().FirstOrDefault();
            if (kill is null)
            {
                problems.Add($"{Time(before)} -> {Time(after)}: {after - before} ms without a reading, and no kill then");
            }
            else if (kill.Value - before > lostBeforeKillMs)
            {
                problems.Add($"{Time(before)} -> {Time(after)}: the kill at {Time(kill.Value)} came {kill.Value - before} ms after the last stored reading (more than {lostBeforeKillMs} ms lost)");
            }
        }

        return problems;
    }

    /// <summary>The last reading before the final kill must be that close to it: the readings committed until then are all stored.</summary>
    public static string? TailLost(IReadOnlyList<long> timestampsUnixMs, DateTimeOffset finalKill, long lostBeforeKillMs)
    {
        var kill = finalKill.ToUnixTimeMilliseconds();
        var last = timestampsUnixMs.Where(t => t < kill).DefaultIfEmpty(long.MinValue).Max();
        return kill - last > lostBeforeKillMs ? $"the last reading before the final kill at {Time(kill)} is from {(last == long.MinValue ? "never" : Time(last))}" : null;
    }

    /// <summary>The median interval between readings (ms).</summary>
    public static long MedianGapMs(IReadOnlyList<long> timestampsUnixMs)
    {
        var gaps = timestampsUnixMs.Skip(1).Zip(timestampsUnixMs, (later, earlier) => later - earlier).Order().ToList();
        return gaps.Count == 0 ? 0 : gaps[gaps.Count / 2];
    }

    private static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("HH':'mm':'ss'.'fff", CultureInfo.InvariantCulture);
}
