namespace City.Protocols.MBus;

/// <summary>What came back after a request on the line.</summary>
public enum MBusReplyKind
{
    /// <summary>A whole, well-formed frame (the single character 0xE5 included).</summary>
    Frame,

    /// <summary>Nothing within the answer window: no slave answered.</summary>
    Silence,

    /// <summary>Bytes that are no frame (bad start, length, checksum or stop, or cut short): on a shared bus, several slaves answering at once.</summary>
    Garbled,
}

/// <summary>One answer (or its absence) with the bytes received.</summary>
public sealed record MBusReply(MBusReplyKind Kind, MBusFrame Frame, ReadOnlyMemory<byte> Received, MBusFrameError Error = MBusFrameError.None)
{
    public static MBusReply Silent { get; } = new(MBusReplyKind.Silence, default, ReadOnlyMemory<byte>.Empty);

    public bool IsAck => Kind == MBusReplyKind.Frame && Frame.Kind == MBusFrameKind.Ack;
}

/// <summary>
/// A half-duplex M-Bus line as the master sees it: send one frame, then wait for one answer within the answer window
/// (or send without waiting, for broadcasts). One caller at a time.
/// </summary>
public interface IMBusLine
{
    MBusTiming Timing { get; }

    /// <summary>Sends <paramref name="request"/> and returns what came back within the answer window.</summary>
    Task<MBusReply> ExchangeAsync(MBusFrame request, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="request"/> and waits only until it is on the wire (broadcasts, SND_NKE to 255).</summary>
    Task SendAsync(MBusFrame request, CancellationToken cancellationToken);
}
