using System.Globalization;
using City.Central.Commands;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Live;

/// <summary>The kinds of stream messages; the SSE event names are <see cref="LiveMessage.EventName"/>.</summary>
[Flags]
internal enum LiveKinds
{
    None = 0,
    Values = 1,
    Events = 2,
    Commands = 4,
    Gateways = 8,
    Reset = 16,
    All = Values | Events | Commands | Gateways,
}

/// <summary>A point's newest value in a values message, with its catalogue entry (null when the catalogue does not describe the alias).</summary>
internal readonly record struct LivePoint(CataloguePoint? Point, LatestValue Value)
{
    public string? Id => Point?.Id;
}

/// <summary>An edge's event (a reading of an EVENTS batch) or central's own (alias 0, device "$central").</summary>
internal sealed record LiveEvent(string? Point, uint Alias, string Device, long TimestampUnixMs, PointValue Value, Quality Quality);

/// <summary>A gateway that came online (birth) or went offline (death, reset): its state after the commit.</summary>
internal sealed record LiveGatewayChange(string Change, bool Online, ulong Epoch, string BufferId, long LastSeenUnixMs, string SoftwareVersion);

/// <summary>The client missed messages (reason gap, unknown-id, overflow, slow-client) and should re-read through the REST API.</summary>
internal sealed record LiveReset(string Reason, string Message);

/// <summary>
/// One message of the live stream, shared by every client that receives it: its sequence number, its kind, the gateway
/// and town it concerns (for the filters) and its content. Immutable once published, but for <see cref="Encoded"/>.
/// </summary>
internal sealed class LiveMessage
{
    public long Seq { get; set; }

    public required LiveKinds Kind { get; init; }

    public string? GatewayId { get; init; }

    public string? Town { get; init; }

    public IReadOnlyList<LivePoint> Values { get; init; } = [];

    public LiveEvent? Event { get; init; }

    public CommandTarget? Command { get; init; }

    public LiveGatewayChange? Gateway { get; init; }

    public LiveReset? Reset { get; init; }

    /// <summary>How much of the resume buffer it takes: one per point for values, else one.</summary>
    public int Weight => Kind == LiveKinds.Values ? Math.Max(1, Values.Count) : 1;

    /// <summary>The SSE event name: values, event, command, gateway or reset.</summary>
    public string EventName => Kind switch
    {
        LiveKinds.Values => "values",
        LiveKinds.Events => "event",
        LiveKinds.Commands => "command",
        LiveKinds.Gateways => "gateway",
        _ => "reset",
    };

    /// <summary>The whole SSE frame for a client without a point filter, made once by the first client that sends it.</summary>
    public byte[]? Encoded { get; set; }
}

/// <summary>
/// A stream message id, <c>RUN-SEQ</c>: RUN is the hub's start (Unix ms), so an id of an earlier run of central (or of
/// another instance) is recognised as unknown rather than mistaken for one of this run.
/// </summary>
internal readonly record struct LiveId(long Run, long Seq)
{
    public override string ToString() =>
        Run.ToString(CultureInfo.InvariantCulture) + "-" + Seq.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out LiveId id)
    {
        id = default;
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (text is null || dash <= 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var run)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        id = new LiveId(run, seq);
        return true;
    }
}
