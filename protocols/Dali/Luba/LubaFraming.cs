namespace City.Protocols.Dali.Luba;

/// <summary>Why bytes could not be read as a LUBA frame or message.</summary>
public enum LubaError
{
    None,

    /// <summary>The first byte is not the start byte 0x59 ('Y'): bytes up to the next 0x59 are skipped.</summary>
    BadStart,

    /// <summary>The length byte is 0 or longer than <see cref="LubaFraming.MaxPayload"/>.</summary>
    BadLength,

    /// <summary>The XOR checksum does not match.</summary>
    BadChecksum,

    /// <summary>The frame carries another command code than the message expects.</summary>
    UnexpectedCommand,

    /// <summary>The payload has the wrong length for its command.</summary>
    BadPayloadLength,

    /// <summary>A field holds a value the protocol does not allow (frame bit count, priority...).</summary>
    BadField,

    /// <summary>The destination buffer is too small.</summary>
    DestinationTooSmall,
}

/// <summary>Result of <see cref="LubaFraming.TryRead"/>.</summary>
public enum LubaReadStatus
{
    /// <summary>A whole frame was read.</summary>
    Done,

    /// <summary>The bytes so far are the beginning of a frame: read more.</summary>
    NeedMoreData,

    /// <summary>The leading bytes are not a frame: drop the bytes consumed and try again.</summary>
    Invalid,
}

/// <summary>One LUBA frame as read: the command code and its payload (a slice of the source).</summary>
public readonly ref struct LubaFrame
{
    public LubaFrame(byte command, ReadOnlySpan<byte> payload)
    {
        Command = command;
        Payload = payload;
    }

    public byte Command { get; }

    public ReadOnlySpan<byte> Payload { get; }
}

/// <summary>
/// The framing of Lunatone's LUBA serial protocol (as spoken by the DALI RS232 interface, 38400 baud 8N1): start byte 0x59
/// ('Y'), command code, payload length (1..23), payload, and a checksum that is the XOR of command, length and payload bytes.
/// </summary>
public static class LubaFraming
{
    public const byte StartByte = 0x59;
    public const int MaxPayload = 23;

    /// <summary>Start, command, length and checksum.</summary>
    public const int Overhead = 4;

    public const int MaxFrameLength = MaxPayload + Overhead;

    public static bool TryWrite(byte command, ReadOnlySpan<byte> payload, Span<byte> destination, out int bytesWritten, out LubaError error)
    {
        bytesWritten = 0;
        if (payload.Length is 0 or > MaxPayload)
        {
            error = LubaError.BadLength;
            return false;
        }

        int total = payload.Length + Overhead;
        if (destination.Length < total)
        {
            error = LubaError.DestinationTooSmall;
            return false;
        }

        destination[0] = StartByte;
        destination[1] = command;
        destination[2] = (byte)payload.Length;
        payload.CopyTo(destination[3..]);
        destination[total - 1] = Checksum(destination[1..(total - 1)]);
        bytesWritten = total;
        error = LubaError.None;
        return true;
    }

    /// <summary>
    /// Reads one frame from the start of <paramref name="source"/>. On <see cref="LubaReadStatus.Invalid"/>,
    /// <paramref name="consumed"/> bytes (at least one) are not a frame and should be dropped.
    /// </summary>
    public static LubaReadStatus TryRead(ReadOnlySpan<byte> source, out LubaFrame frame, out int consumed, out LubaError error)
    {
        frame = default;
        consumed = 0;
        error = LubaError.None;
        if (source.IsEmpty)
        {
            return LubaReadStatus.NeedMoreData;
        }

        if (source[0] != StartByte)
        {
            int next = source[1..].IndexOf(StartByte);
            consumed = next < 0 ? source.Length : next + 1;
            error = LubaError.BadStart;
            return LubaReadStatus.Invalid;
        }

        if (source.Length < 3)
        {
            return LubaReadStatus.NeedMoreData;
        }

        int length = source[2];
        if (length is 0 or > MaxPayload)
        {
            consumed = 1;
            error = LubaError.BadLength;
            return LubaReadStatus.Invalid;
        }

        int total = length + Overhead;
        if (source.Length < total)
        {
            return LubaReadStatus.NeedMoreData;
        }

        if (Checksum(source[1..(total - 1)]) != source[total - 1])
        {
            // Resynchronise on the next start byte after this one: the 0x59 may have been a data byte.
            consumed = 1;
            error = LubaError.BadChecksum;
            return LubaReadStatus.Invalid;
        }

        frame = new LubaFrame(source[1], source.Slice(3, length));
        consumed = total;
        return LubaReadStatus.Done;
    }

    public static byte Checksum(ReadOnlySpan<byte> commandLengthAndPayload)
    {
        byte check = 0;
        foreach (byte b in commandLengthAndPayload)
        {
            check ^= b;
        }

        return check;
    }
}
