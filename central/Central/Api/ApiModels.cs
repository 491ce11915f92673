namespace City.Central.Api;

internal sealed record ErrorResponse(string Error);

internal sealed record HealthResponse(string Status, bool Store, bool Broker);

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
    string BufferId);

internal sealed record LatestResponse(
    string? Id,
    uint Alias,
    string Unit,
    string Type,
    object? Value,
    string? Quality,
    string? Timestamp);

internal sealed record HistoryReading(string Timestamp, object? Value, string Quality);

internal sealed record HistoryResponse(
    string Gateway,
    string Point,
    uint Alias,
    string Unit,
    string Type,
    string From,
    string To,
    bool Truncated,
    IReadOnlyList<HistoryReading> Readings);

internal sealed record EventResponse(string Gateway, string Timestamp, string? Point, uint Alias, string Device, object? Value, string Quality);

internal sealed record EventsResponse(string From, string To, bool Truncated, IReadOnlyList<EventResponse> Events);

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
    string StartedAt);
