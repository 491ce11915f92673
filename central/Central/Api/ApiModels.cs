using System.Text.Json.Serialization;

namespace City.Central.Api;

internal sealed record ErrorResponse(string Error);

/// <summary>status: ok, degraded (a store error was seen but commits go on; storeError says which), or unavailable (503).</summary>
/// <summary>/healthz; <c>Instance</c>: which central answered (Central:InstanceId), when several share a broker and a database.</summary>
internal sealed record HealthResponse(string Status, bool Store, bool Broker, string? StoreError, string Instance);

internal sealed record GatewayResponse(
    string Id,
    bool Online,
    string? LastSeen,
    ulong Epoch,
    long ReadingsReceived,
    long BatchesReceived,
    string CommittedSeqs,
    int Points,
    string SoftwareVersion,
    string BufferId,
    string? Town = null);

internal sealed record LatestResponse(
    string? Id,
    uint Alias,
    string Unit,
    string Type,
    object? Value,
    string? Quality,
    string? Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Gateway = null);

/// <summary>A reading; a timestamp no calendar date can show (before year 1) is null, with its raw Unix ms in TimestampMs.</summary>
internal sealed record HistoryReading(
    string? Timestamp,
    object? Value,
    string Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimestampMs = null);

internal sealed record HistoryResponse(
    string Gateway,
    string Point,
    uint Alias,
    string Unit,
    string Type,
    string From,
    string To,
    bool Truncated,
    IReadOnlyList<HistoryReading> Readings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor = null);

internal sealed record EventResponse(
    string Gateway,
    string? Timestamp,
    string? Point,
    uint Alias,
    string Device,
    object? Value,
    string Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimestampMs = null);

internal sealed record EventsResponse(
    string From,
    string To,
    bool Truncated,
    IReadOnlyList<EventResponse> Events,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor = null);

internal sealed record StatsResponse(
    long BatchesAccepted,
    long ReadingsAccepted,
    long DuplicateBatches,
    long DuplicateReadings,
    IReadOnlyDictionary<string, long> Rejected,
    long RejectedTotal,
    long AcksSent,
    int QueueDepth,
    long Commits,
    long Births,
    long Deaths,
    int Gateways,
    string StartedAt,
    IReadOnlyDictionary<string, long> TimestampsOutOfWindow,
    IReadOnlyDictionary<string, long> Refused,
    IReadOnlyDictionary<string, long> ApiRefused,
    CommandStatsResponse Commands);

/// <summary>Command counters since start: per gateway issued, sent (PUBACK), expired; results applied, duplicate, unknown, malformed.</summary>
internal sealed record CommandStatsResponse(
    long Issued,
    long Sent,
    long Expired,
    long Results,
    long DuplicateResults,
    long UnknownResults,
    long MalformedResults,
    long ResultAcks,
    long PublishFailures,
    int ResultQueueDepth);

/// <summary>One series of a several-series history answer.</summary>
internal sealed record SeriesHistory(string Gateway, string Point, uint Alias, string Unit, string Type, IReadOnlyList<HistoryReading> Readings);

/// <summary>History of several points or gateways: limit and cursor apply to all series together (oldest first across them).</summary>
internal sealed record SeriesHistoryResponse(
    string From,
    string To,
    bool Truncated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor,
    IReadOnlyList<SeriesHistory> Series);

/// <summary>One interval bucket; only the requested functions are present. Start: the bucket's first instant (UTC).</summary>
internal sealed record AggregateBucketResponse(
    string Start,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Avg,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Min,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Max,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Sum,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Count);

internal sealed record AggregateSeries(string Gateway, string Point, uint Alias, string Unit, IReadOnlyList<AggregateBucketResponse> Buckets);

internal sealed record AggregateResponse(string From, string To, string Interval, long IntervalMs, IReadOnlyList<string> Functions, IReadOnlyList<AggregateSeries> Series);
