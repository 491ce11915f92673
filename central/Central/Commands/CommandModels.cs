using System.Text.Json.Serialization;

namespace City.Central.Commands;

/// <summary>
/// A command's status at one gateway. pending → sent (the broker's PUBACK) → accepted → done | failed; rejected by the
/// edge from any of them; expired when not_after passed before it could be sent (it never is then).
/// </summary>
internal static class CommandStatuses
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Accepted = "accepted";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All = [Pending, Sent, Accepted, Done, Failed, Rejected, Expired];

    /// <summary>How far a status is along the way: a result only ever moves a gateway's status forward.</summary>
    public static int Rank(string status) => status switch
    {
        Pending => 0,
        Sent => 1,
        Accepted => 2,
        _ => 3,
    };

    public static bool IsFinal(string status) => Rank(status) == 3;
}

/// <summary>The action kinds of the API (<c>"action"</c>).</summary>
internal static class ActionKinds
{
    public const string Write = "write";
    public const string Dali = "dali";
    public const string LightingOverride = "lighting-override";

    /// <summary>A variable message sign: activate a MULTI message or blank it.</summary>
    public const string Vms = "vms";

    /// <summary>A gateway's whole lighting set: issued by central's lighting service only, never accepted from a client.</summary>
    public const string LightingConfig = "lighting-config";

    /// <summary>A gateway's edge configuration: issued by PUT /api/v1/gateways/{id}/config only, never accepted on /commands.</summary>
    public const string EdgeConfig = "edge-config";

    /// <summary>A bus priority request (or its update, check-out or cancel) for a gateway's priority device.</summary>
    public const string Priority = "priority";
}

/// <summary>
/// What a command does, as the operator posted it (validated by <see cref="CommandRequestParser"/>); stored as JSON
/// with the command and shown back by the API. Only the fields of its kind are set.
/// </summary>
internal sealed record CommandAction
{
    [JsonPropertyName("action")]
    public required string Kind { get; init; }

    // write
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Device { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Point { get; init; }

    /// <summary>write: a number, true/false or a string; dali: the level (0-254) or scene (0-15).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WriteValue? Value { get; init; }

    // dali and lighting-override
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Line { get; init; }

    // dali
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Command { get; init; }

    // lighting-override
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Group { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LevelPercent { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DurationSeconds { get; init; }

    /// <summary>lighting-override: the instant it ends (ISO-8601 UTC), instead of a duration.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Until { get; init; }

    // lighting-config

    /// <summary>lighting-config: the set's version (LightingSet.ComputeVersion()).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    /// <summary>lighting-config: the JSON of the whole LightingSet.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SetJson { get; init; }

    /// <summary>edge-config: the configuration document ({"Edge": {...}}); <see cref="Version"/> is its digest.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConfigJson { get; init; }

    // priority (device: the edge's priority device)
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VehicleId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Approach { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? VehicleClass { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ClassLevel { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? EtaSeconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DepartureSeconds { get; init; }

    /// <summary>priority: request (default), update, check-out or cancel.</summary>
    [JsonPropertyName("kind")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PriorityKind { get; init; }
    // vms

    /// <summary>vms: the sign (the edge's device name).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sign { get; init; }

    /// <summary>vms: activate or blank.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Operation { get; init; }

    /// <summary>vms activate: the MULTI string.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Multi { get; init; }

    /// <summary>vms activate: minutes on the sign; absent: until replaced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DurationMinutes { get; init; }

    /// <summary>vms: the NTCIP activation priority (1-255).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Priority { get; init; }
}

/// <summary>A written value: exactly one of the three is set.</summary>
[JsonConverter(typeof(WriteValueJsonConverter))]
internal sealed record WriteValue(double? Number, bool? Boolean, string? Text);

/// <summary>A command as stored: who issued it, when, until when, what for, and to which gateways.</summary>
internal sealed record CommandRecord(
    string Id,
    string Issuer,
    long IssuedAtUnixMs,
    long NotAfterUnixMs,
    CommandAction Action,
    IReadOnlyList<string> Gateways);

/// <summary>A command's state at one of its gateways.</summary>
internal sealed record CommandTarget
{
    public required string CommandId { get; init; }

    public required string Gateway { get; init; }

    public required string Status { get; init; }

    public long IssuedAtUnixMs { get; init; }

    public long NotAfterUnixMs { get; init; }

    public string Detail { get; init; } = string.Empty;

    public string Reason { get; init; } = string.Empty;

    public string? ReadBack { get; init; }

    public long? SentAtUnixMs { get; init; }

    public long? AcceptedAtUnixMs { get; init; }

    /// <summary>When it ended: done, failed, rejected (the edge's time) or expired (central's).</summary>
    public long? FinishedAtUnixMs { get; init; }

    public long UpdatedAtUnixMs { get; init; }

    /// <summary>The signed command's MQTT payload, made once at issue: a resend is the same bytes.</summary>
    public byte[] Payload { get; init; } = [];
}
