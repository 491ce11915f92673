using City.Contract;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>
/// One point of one gateway as a history or aggregate query names it. <see cref="Point"/> is the catalogue's point id
/// (or the alias number as text when the catalogue does not describe it); <see cref="Alias"/> the alias the API resolved
/// it to. A store keyed by alias (LiteDB) uses the alias, a store keyed by name (PostgreSQL) the point id.
/// </summary>
internal readonly record struct SeriesKey(string GatewayId, string Point, uint Alias);

/// <summary>
/// Readings of <see cref="Series"/> with from &lt;= timestamp &lt;= to, at most <see cref="Limit"/>, resuming strictly after
/// <see cref="Cursor"/> (a <see cref="HistoryPage.NextCursor"/> of the same query; null = from the start).
/// </summary>
internal sealed record HistoryQuery(IReadOnlyList<SeriesKey> Series, long FromUnixMs, long ToUnixMs, int Limit, string? Cursor = null);

/// <summary>A reading of the query's series number <see cref="Series"/> (an index into <see cref="HistoryQuery.Series"/>).</summary>
internal readonly record struct SeriesReading(int Series, Reading Reading);

/// <summary>
/// Readings in a total order: timestamp, then gateway id, then point id (ordinal), then the order the store received
/// them in. <see cref="NextCursor"/> is non-null when more readings follow (opaque text: the store encodes it).
/// </summary>
internal sealed record HistoryPage(IReadOnlyList<SeriesReading> Readings, string? NextCursor)
{
    public bool Truncated => NextCursor is not null;
}

/// <summary>Events of the given gateways (null: every gateway) in [from, to], at most <see cref="Limit"/>, after <see cref="Cursor"/>.</summary>
internal sealed record EventQuery(IReadOnlyList<string>? Gateways, long FromUnixMs, long ToUnixMs, int Limit, string? Cursor = null);

/// <summary>
/// An event: an edge's EVENTS reading (<see cref="IsCentral"/> false; <see cref="Point"/> null when the store keeps only
/// the alias: the API resolves it against the catalogue) or one central recorded itself (alias 0, a text value).
/// </summary>
internal sealed record StoredEvent(string GatewayId, long TimestampUnixMs, uint Alias, string? Point, PointValue Value, Quality Quality, bool IsCentral);

/// <summary>Events in a total order: timestamp, gateway id, edge events before central's, then the order received.</summary>
internal sealed record EventPage(IReadOnlyList<StoredEvent> Events, string? NextCursor)
{
    public bool Truncated => NextCursor is not null;
}

/// <summary>
/// Buckets of <see cref="IntervalMs"/> (aligned on multiples of the interval since the Unix epoch, UTC) over
/// [from, to] for each series. Numeric and boolean (0/1) readings of good quality count; text is skipped. Where raw
/// readings were dropped by retention, the hourly aggregates stand in (an hour falls into the bucket holding its start).
/// </summary>
internal sealed record AggregateQuery(IReadOnlyList<SeriesKey> Series, long FromUnixMs, long ToUnixMs, long IntervalMs);

/// <summary>One bucket of one series (index into <see cref="AggregateQuery.Series"/>); only buckets with Count &gt; 0 are returned.</summary>
internal sealed record AggregateBucket(int Series, long StartUnixMs, double Min, double Max, double Sum, long Count)
{
    public double Avg => Sum / Count;
}

/// <summary>
/// Retention (<c>Central:Retention</c>): raw readings older than <see cref="RawDays"/> days are folded into hourly aggregates and
/// dropped; hourly aggregates older than <see cref="AggregateDays"/> days dropped; 0 keeps them forever. The hosted service
/// applies it every <see cref="CheckMinutes"/>.
/// </summary>
internal sealed class RetentionSettings
{
    public int RawDays { get; set; }

    public int AggregateDays { get; set; }

    public int CheckMinutes { get; set; } = 60;

    /// <summary>Problems, each naming its key (prefix such as "Central:Retention:").</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (RawDays < 0)
        {
            yield return $"{prefix}RawDays: {RawDays} is negative (0 keeps raw readings forever).";
        }

        if (AggregateDays < 0)
        {
            yield return $"{prefix}AggregateDays: {AggregateDays} is negative (0 keeps hourly aggregates forever).";
        }

        if (AggregateDays > 0 && RawDays > 0 && AggregateDays < RawDays)
        {
            yield return $"{prefix}AggregateDays: {AggregateDays} is shorter than RawDays ({RawDays}): aggregates would be dropped before the raw readings they summarise.";
        }

        if (CheckMinutes < 1)
        {
            yield return $"{prefix}CheckMinutes: {CheckMinutes} must be at least 1.";
        }
    }
}

/// <summary>What one retention pass did.</summary>
internal sealed record RetentionOutcome(long RawReadingsDropped, long AggregatesWritten, long AggregatesDropped);

/// <summary>A cursor that is not one this store handed out for this query: the API answers 400 naming <c>cursor</c>.</summary>
internal sealed class InvalidCursorException(string message) : Exception(message);

/// <summary>
/// The store's read side, implemented by every <see cref="IReadingStore"/> (registered in DI as the same instance).
/// Store failures throw <see cref="StoreFaultException"/>; a bad cursor <see cref="InvalidCursorException"/>.
/// </summary>
internal interface IHistoryStore
{
    /// <summary>Readings of the given points, oldest first (see <see cref="HistoryPage"/> for the order).</summary>
    HistoryPage ReadHistory(HistoryQuery query);

    /// <summary>Events (the edges' and central's own), oldest first, same cursor rules.</summary>
    EventPage ReadEvents(EventQuery query);

    /// <summary>Interval buckets with min/max/avg/sum/count, per series, oldest first.</summary>
    IReadOnlyList<AggregateBucket> ReadAggregates(AggregateQuery query);

    /// <summary>Drops raw readings older than RawDays (after folding them into hourly aggregates) and aggregates older than AggregateDays.</summary>
    RetentionOutcome ApplyRetention(DateTimeOffset now, RetentionSettings settings);
}
