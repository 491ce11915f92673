using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Forwarding;
using City.Edge.Devices;
using City.Edge.Lighting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace City.Edge.LocalApi;

// The JSON documents of the local API (camelCase on the wire). edgectl depends on these shapes: change them together.

internal sealed record StatusDocument(
    string GatewayId,
    ulong Epoch,
    string Version,
    DateTimeOffset StartedAt,
    CentralStatusDocument Central,
    IReadOnlyList<DeviceStatusDocument> Devices,
    BufferStatusDocument Buffer,
    CommandsStatusDocument Commands,
    LightingStatusDocument? Lighting = null);

/// <summary>The lighting runtime: the set it runs, its overrides, the DAPC commands its scheduler sent (and failed, and sent again to gear that lost their level), its clock.</summary>
internal sealed record LightingStatusDocument(string? Version, int Assignments, int Overrides, long CommandsSent, long CommandsFailed, long LevelsReapplied,
    DateTimeOffset Now, bool ScaledClock);

/// <summary>Remote commands since the start: received, each outcome, rejections by reason, and the results waiting for central's ack.</summary>
internal sealed record CommandsStatusDocument(
    bool SigningKey,
    string? SigningKeyFile,
    long Received,
    long Accepted,
    long Done,
    long Failed,
    long Rejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long Dropped,
    long ResultsLost,
    int OutboxDepth);

/// <summary>One remote command of GET /v1/commands (newest first); status accepted, done, failed or rejected.</summary>
internal sealed record CommandDocument(
    string Id,
    string Issuer,
    string Action,
    DateTimeOffset Received,
    string Status,
    string? Detail,
    string? Reason,
    string? ReadBack,
    DateTimeOffset Updated);

/// <summary>The link to central; Connections: the sessions that came up since the start (reconnections are Connections - 1).</summary>
internal sealed record CentralStatusDocument(
    string Broker,
    bool Connected,
    DateTimeOffset? Since,
    string? LastError,
    int InFlightBatches,
    long BatchesAcked,
    long ReadingsAcked,
    long BatchesRejected,
    bool Tls,
    long ForgedAckSeqs,
    long RepeatedAckSeqs,
    long ForeignMessages,
    long Connections = 0);

/// <summary>
/// One device of any protocol (a DALI line is one too); a disabled device (Enabled false) is never polled. ErrorsByKind: the
/// failed polls by <see cref="PollErrorKinds"/> (only the kinds that happened).
/// </summary>
internal sealed record DeviceStatusDocument(
    string Name,
    string Protocol,
    string Endpoint,
    int Points,
    bool Enabled,
    DateTimeOffset? LastPollAt,
    bool LastPollOk,
    string? LastError,
    long PollsOk,
    long PollsFailed,
    IReadOnlyDictionary<string, long>? ErrorsByKind = null);

internal sealed record BufferStatusDocument(
    string Path,
    long BatchesWaiting,
    long ReadingsWaiting,
    double OldestWaitingAgeSeconds,
    long BytesUsed,
    long MaxBytes,
    long ReadingsBuffered,
    long ReadingsDropped,
    ulong LastSeq,
    string BufferId,
    bool DiskFull);

/// <summary>Value: a number (null for NaN), true/false, or a text; quality good, comm-loss, ... (the contract's spelling, as central's API).</summary>
internal sealed record PointDocument(string Id, uint Alias, string Unit, object? Value, string Quality, DateTimeOffset Timestamp);

/// <summary>Builds the documents of the local API from the live state and the buffer.</summary>
internal sealed class StatusService(EdgeState state, BatchBuffer buffer, IOptions<EdgeOptions> options, TimeProvider time, CommandLog commands, CommandOutbox outbox, CommandChecks checks,
    LightingRuntime? lighting = null)
{
    private LightingStatusDocument? LightingStatus() => lighting is null ? null : new LightingStatusDocument(lighting.Applied?.Version,
        lighting.Applied?.Assignments.Count ?? 0, lighting.Overrides.Count, lighting.AppliedCommands, lighting.FailedCommands, lighting.Reapplied,
        lighting.Clock.GetUtcNow(), lighting.FieldClock.IsScaled);

    public IReadOnlyList<CommandDocument> GetCommands() =>
        commands.Recent().Select(c => new CommandDocument(c.Id, c.Issuer, c.Action, c.ReceivedAt, c.Status, c.Detail, c.Reason, c.ReadBack, c.UpdatedAt)).ToList();

    private CommandsStatusDocument CommandsStatus()
    {
        var counts = commands.Counts();
        var keyFile = options.Value.Commands.ResolveKeyFile(options.Value.Central.Tls);
        return new CommandsStatusDocument(checks.HasSigningKey, keyFile is null ? null : System.IO.Path.GetFullPath(keyFile), counts.Received, counts.Accepted,
            counts.Done, counts.Failed, counts.Rejected, counts.RejectedByReason, counts.Dropped, counts.ResultsLost, outbox.Depth);
    }

    public StatusDocument GetStatus()
    {
        var stats = buffer.GetStats();
        var central = state.Central.Snapshot();
        var c = options.Value.Central;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var age = stats.OldestCreatedUnixMs is { } oldest ? Math.Max(0, now - oldest) / 1000.0 : 0;
        return new StatusDocument(
            state.GatewayId,
            stats.Epoch,
            Forwarder.SoftwareVersion,
            state.StartedAt,
            new CentralStatusDocument($"{c.Host}:{c.Port}", central.Connected, central.Since, central.LastError, central.InFlight,
                stats.BatchesAcked, stats.ReadingsAcked, stats.BatchesRejected, c.Tls.IsConfigured, central.ForgedAckSeqs, central.RepeatedAckSeqs, central.ForeignMessages, central.Connections),
            state.Devices.Select(d =>
            {
                var s = d.Snapshot();
                return new DeviceStatusDocument(d.Name, d.Protocol, d.Endpoint, d.Points, d.Enabled, s.LastPollAt, s.LastPollOk ?? false, s.LastError, s.PollsOk, s.PollsFailed, d.ErrorsByKind());
            }).ToList(),
            new BufferStatusDocument(System.IO.Path.GetFullPath(buffer.Path), stats.BatchesWaiting, stats.ReadingsWaiting, age, stats.BytesUsed, stats.MaxBytes,
                stats.ReadingsBuffered, stats.ReadingsDropped, stats.LastSeq, stats.BufferId, buffer.IsDiskFull),
            CommandsStatus(),
            LightingStatus());
    }

    public IReadOnlyList<PointDocument> GetPoints() =>
        state.Latest()
            .Select(v => new PointDocument(v.Id, v.Alias, v.Unit, JsonValue(v.Value), QualityName(v.Quality), v.Timestamp))
            .ToList();

    private static object? JsonValue(City.Contract.PointValue value) => City.Contract.PointValueJson.ToJsonValue(value);

    /// <summary>The contract's spelling, as central's API: good, comm-loss, ...</summary>
    public static string QualityName(Quality quality) => City.Contract.QualityNames.Name(quality);
}

internal static class LocalApiEndpoints
{
    public static void MapLocalApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/status", (StatusService status) => Results.Ok(status.GetStatus()));
        app.MapGet("/v1/points", (StatusService status) => Results.Ok(status.GetPoints()));
        app.MapGet("/v1/commands", (StatusService status) => Results.Ok(status.GetCommands()));
        app.MapLighting();
    }
}
