using City.Contract;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>The read side (<see cref="IHistoryStore"/>) on LiteDB.</summary>
internal sealed partial class LiteDbReadingStore : IHistoryStore
{
    public HistoryPage ReadHistory(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return HistoryPaging.Page(query, ReadSeries);
    }

    public EventPage ReadEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var start = HistoryPaging.StartOf(query.FromUnixMs, query.Cursor);
        var gateways = query.Gateways ?? Read("listing gateways", h => h.Gateways.FindAll().Select(d => d["_id"].AsString).ToList());
        var perGateway = new List<(string, List<StoredEvent>)>();
        if (start <= query.ToUnixMs)
        {
            foreach (var gatewayId in gateways)
            {
                perGateway.Add((gatewayId, EventsOf(gatewayId, start, query.ToUnixMs)));
            }
        }

        return HistoryPaging.Page(query, perGateway);
    }

    public IReadOnlyList<AggregateBucket> ReadAggregates(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.IntervalMs, 1);
        var result = new List<AggregateBucket>();
        for (var i = 0; i < query.Series.Count; i++)
        {
            var (readings, _) = ReadSeries(query.Series[i], query.FromUnixMs, query.ToUnixMs, int.MaxValue);
            result.AddRange(Merge(Aggregates.Buckets(i, readings, query.IntervalMs), ReadHourlyOf(query.Series[i], i, query.FromUnixMs, query.ToUnixMs), query.IntervalMs));
        }

        return result;
    }

    /// <summary>A gateway's edge events then central's own, in [start, to], ordered by ts (edge first at one ts).</summary>
    private List<StoredEvent> EventsOf(string gatewayId, long startUnixMs, long toUnixMs)
    {
        var maxSpan = Read("reading gateway " + gatewayId, h => h.Gateways.FindById(gatewayId)?["span"].AsInt64 ?? 0);
        var events = new List<(long Ts, int Source, StoredEvent Event)>();
        var scratch = new List<Reading>();
        foreach (var stored in FindEventBatches(gatewayId, startUnixMs, toUnixMs, maxSpan))
        {
            scratch.Clear();
            if (!stored.TryReadReadings(scratch))
            {
                continue;
            }

            foreach (var r in scratch)
            {
                if (r.TimestampUnixMs >= startUnixMs && r.TimestampUnixMs <= toUnixMs)
                {
                    var quality = stored.IsOutOfWindow(r.TimestampUnixMs) ? Quality.TimestampOutOfWindow : r.Quality;
                    events.Add((r.TimestampUnixMs, 0, new StoredEvent(gatewayId, r.TimestampUnixMs, r.Alias, null, r.Value, quality, false)));
                }
            }
        }

        foreach (var e in FindCentralEvents(gatewayId, startUnixMs, toUnixMs))
        {
            events.Add((e.TimestampUnixMs, 1, new StoredEvent(gatewayId, e.TimestampUnixMs, 0, e.Point, PointValue.FromText(e.Text), Quality.Good, true)));
        }

        return [.. events.OrderBy(e => e.Ts).ThenBy(e => e.Source).Select(e => e.Event)];
    }
}
