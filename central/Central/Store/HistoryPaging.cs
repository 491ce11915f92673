using City.Contract;

namespace City.Central.Store;

/// <summary>
/// Assembles a page of several series' readings in the total order of <see cref="HistoryPage"/> from per-series reads,
/// and the events of several gateways likewise. Stores supply the series reader.
/// </summary>
internal static class HistoryPaging
{
    /// <summary>
    /// Readings of one series with start &lt;= ts &lt;= to, in (ts, received) order. It returns every reading at ts == start
    /// and at least <c>needed</c> readings after start (or all there are); <c>Complete</c> false means more may follow the
    /// last one returned (never before it).
    /// </summary>
    public delegate (List<Reading> Readings, bool Complete) SeriesReader(SeriesKey series, long startUnixMs, long toUnixMs, int needed);

    public static HistoryPage Page(HistoryQuery query, SeriesReader read)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var cursor = HistoryCursor.Decode(query.Cursor);
        var start = cursor is { } c ? Math.Max(query.FromUnixMs, c.TimestampUnixMs) : query.FromUnixMs;
        var items = new List<(long Ts, int Series, long Ordinal, Reading Reading)>();
        if (start <= query.ToUnixMs)
        {
            for (var i = 0; i < query.Series.Count; i++)
            {
                var series = query.Series[i];
                var (readings, _) = read(series, start, query.ToUnixMs, query.Limit + 1);
                long ordinal = 0;
                for (var r = 0; r < readings.Count; r++)
                {
                    var ts = readings[r].TimestampUnixMs;
                    ordinal = r > 0 && readings[r - 1].TimestampUnixMs == ts ? ordinal + 1 : 0;
                    if (ts < start || ts > query.ToUnixMs || (cursor is { } at && !at.IsBefore(ts, series.GatewayId, series.Point, ordinal)))
                    {
                        continue;
                    }

                    items.Add((ts, i, ordinal, readings[r]));
                }
            }
        }

        items.Sort((a, b) =>
        {
            var byTime = a.Ts.CompareTo(b.Ts);
            if (byTime != 0)
            {
                return byTime;
            }

            var x = query.Series[a.Series];
            var y = query.Series[b.Series];
            var bySeries = HistoryCursor.CompareSeries(x.GatewayId, x.Point, y.GatewayId, y.Point);
            return bySeries != 0 ? bySeries : a.Ordinal.CompareTo(b.Ordinal);
        });

        if (items.Count <= query.Limit)
        {
            return new HistoryPage([.. items.Select(i => new SeriesReading(i.Series, i.Reading))], null);
        }

        var last = items[query.Limit - 1];
        var lastSeries = query.Series[last.Series];
        var next = new HistoryCursor(last.Ts, lastSeries.GatewayId, lastSeries.Point, last.Ordinal).Encode();
        return new HistoryPage([.. items.Take(query.Limit).Select(i => new SeriesReading(i.Series, i.Reading))], next);
    }

    /// <summary>
    /// A page of events: every gateway's events (each list in (ts, received) order, edge events before central's at one
    /// ts), merged by (ts, gateway); the cursor's point is empty.
    /// </summary>
    public static EventPage Page(EventQuery query, IEnumerable<(string GatewayId, List<StoredEvent> Events)> perGateway)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(perGateway);
        var cursor = HistoryCursor.Decode(query.Cursor);
        var items = new List<(long Ts, string Gateway, long Ordinal, StoredEvent Event)>();
        foreach (var (gatewayId, events) in perGateway)
        {
            long ordinal = 0;
            for (var i = 0; i < events.Count; i++)
            {
                var ts = events[i].TimestampUnixMs;
                ordinal = i > 0 && events[i - 1].TimestampUnixMs == ts ? ordinal + 1 : 0;
                if (ts < query.FromUnixMs || ts > query.ToUnixMs || (cursor is { } at && !at.IsBefore(ts, gatewayId, string.Empty, ordinal)))
                {
                    continue;
                }

                items.Add((ts, gatewayId, ordinal, events[i]));
            }
        }

        items.Sort((a, b) =>
        {
            var byTime = a.Ts.CompareTo(b.Ts);
            if (byTime != 0)
            {
                return byTime;
            }

            var byGateway = string.CompareOrdinal(a.Gateway, b.Gateway);
            return byGateway != 0 ? byGateway : a.Ordinal.CompareTo(b.Ordinal);
        });

        if (items.Count <= query.Limit)
        {
            return new EventPage([.. items.Select(i => i.Event)], null);
        }

        var last = items[query.Limit - 1];
        return new EventPage([.. items.Take(query.Limit).Select(i => i.Event)], new HistoryCursor(last.Ts, last.Gateway, string.Empty, last.Ordinal).Encode());
    }

    /// <summary>The first timestamp a resumed query needs to read from.</summary>
    public static long StartOf(long fromUnixMs, string? cursorText) =>
        HistoryCursor.Decode(cursorText) is { } c ? Math.Max(fromUnixMs, c.TimestampUnixMs) : fromUnixMs;
}
