namespace City.Protocols.Ntcip1211;

/// <summary>What <see cref="ObuFraming.Find"/> found at the start of the bytes read so far.</summary>
public enum ObuFrameStatus
{
    /// <summary>A whole datagram that decodes starts there: take its length.</summary>
    Frame,

    /// <summary>The bytes so far could start one: read more (or, after the line's silence, drop the first byte).</summary>
    NeedMore,

    /// <summary>No datagram starts at the first byte: drop it and look again (noise, a broken datagram).</summary>
    Garbage,
}

/// <summary>
/// The on-board unit datagram over a byte stream (a serial link): the same bytes as over UDP, back to back, with no framing
/// of their own: a datagram delimits itself (its two length bytes), so a reader finds one where the magic and version
/// stand and its length bytes fit, and resynchronises after noise by dropping a byte at a time. Pure span functions.
/// </summary>
public static class ObuFraming
{
    private const int VehicleLengthOffset = ObuDatagram.HeaderLength;

    public static ObuFrameStatus Find(ReadOnlySpan<byte> bytes, out int length)
    {
        length = 0;
        if (bytes.IsEmpty)
        {
            return ObuFrameStatus.NeedMore;
        }

        if (bytes[0] != ObuDatagram.Magic || (bytes.Length > 1 && bytes[1] != ObuDatagram.Version))
        {
            return ObuFrameStatus.Garbage;
        }

        if (bytes.Length <= VehicleLengthOffset)
        {
            return ObuFrameStatus.NeedMore;
        }

        int vehicle = bytes[VehicleLengthOffset];
        if (vehicle is 0 or > PriorityRequestCodec.VehicleIdLength)
        {
            return ObuFrameStatus.Garbage;
        }

        int routeLengthOffset = VehicleLengthOffset + 1 + vehicle;
        if (bytes.Length <= routeLengthOffset)
        {
            return ObuFrameStatus.NeedMore;
        }

        int route = bytes[routeLengthOffset];
        if (route > ObuDatagram.MaxRouteLength)
        {
            return ObuFrameStatus.Garbage;
        }

        int total = routeLengthOffset + 1 + route;
        if (bytes.Length < total)
        {
            return ObuFrameStatus.NeedMore;
        }

        if (ObuDatagram.TryDecode(bytes[..total], out _) != ObuDecodeStatus.Ok)
        {
            return ObuFrameStatus.Garbage;
        }

        length = total;
        return ObuFrameStatus.Frame;
    }
}
