using System.Buffers;

namespace City.Protocols.MBus;

/// <summary>Why received bytes are not a frame (EN 13757-2, 5.2: start, length, checksum and stop checks).</summary>
public enum MBusFrameError
{
    None,

    /// <summary>The first byte is none of 0xE5, 0x10, 0x68.</summary>
    BadStart,

    /// <summary>The two L fields differ, L is below 3, or the second 0x68 is missing.</summary>
    BadLength,

    /// <summary>The arithmetic sum of C, A, CI and data (modulo 256) is not CS.</summary>
    BadChecksum,

    /// <summary>The byte after the checksum is not 0x16.</summary>
    BadStop,
}

/// <summary>
/// Pure encoding and decoding of EN 13757-2 frames: the single character 0xE5, the short frame 0x10 C A CS 0x16, and the
/// control / long frame 0x68 L L 0x68 C A CI [data] CS 0x16, where L counts C, A, CI and the data (3-255) and CS is the
/// 8-bit sum of those bytes.
/// </summary>
public static class MBusFraming
{
    public const byte AckByte = 0xE5;
    public const byte ShortStart = 0x10;
    public const byte LongStart = 0x68;
    public const byte Stop = 0x16;

    /// <summary>Most user data a long frame carries: L is one byte and counts C, A and CI too.</summary>
    public const int MaxDataLength = 252;

    /// <summary>The longest frame: 4 header bytes, L = 255, checksum and stop.</summary>
    public const int MaxFrameLength = 261;

    /// <summary>Bytes <paramref name="frame"/> takes on the wire.</summary>
    public static int EncodedLength(in MBusFrame frame) => frame.Kind switch
    {
        MBusFrameKind.Ack => 1,
        MBusFrameKind.Short => 5,
        _ => 9 + frame.Data.Length,
    };

    /// <summary>The frame as bytes (a new array).</summary>
    public static byte[] Encode(in MBusFrame frame)
    {
        var bytes = new byte[EncodedLength(frame)];
        Encode(frame, bytes);
        return bytes;
    }

    /// <summary>Writes the frame into <paramref name="destination"/> and returns its length.</summary>
    public static int Encode(in MBusFrame frame, Span<byte> destination)
    {
        switch (frame.Kind)
        {
            case MBusFrameKind.Ack:
                destination[0] = AckByte;
                return 1;
            case MBusFrameKind.Short:
                destination[0] = ShortStart;
                destination[1] = frame.Control;
                destination[2] = frame.Address;
                destination[3] = (byte)(frame.Control + frame.Address);
                destination[4] = Stop;
                return 5;
            default:
                if (frame.Data.Length > MaxDataLength)
                {
                    throw new ArgumentException($"A long frame carries at most {MaxDataLength} data bytes; got {frame.Data.Length}.", nameof(frame));
                }

                int length = 3 + frame.Data.Length;
                destination[0] = LongStart;
                destination[1] = (byte)length;
                destination[2] = (byte)length;
                destination[3] = LongStart;
                destination[4] = frame.Control;
                destination[5] = frame.Address;
                destination[6] = frame.ControlInformation;
                frame.Data.Span.CopyTo(destination[7..]);
                destination[4 + length] = Checksum(destination.Slice(4, length));
                destination[5 + length] = Stop;
                return 6 + length;
        }
    }

    /// <summary>The 8-bit arithmetic sum of <paramref name="bytes"/>.</summary>
    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return sum;
    }

    /// <summary>
    /// Reads one frame from the start of <paramref name="input"/>: <see cref="OperationStatus.Done"/> with the frame (its data
    /// copied) and the bytes it took, <see cref="OperationStatus.NeedMoreData"/> while the bytes so far could still become a
    /// frame, or <see cref="OperationStatus.InvalidData"/> with the reason: what a collision of several slaves looks like.
    /// </summary>
    public static OperationStatus TryRead(ReadOnlySpan<byte> input, out MBusFrame frame, out int consumed, out MBusFrameError error)
    {
        frame = default;
        consumed = 0;
        error = MBusFrameError.None;
        if (input.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        switch (input[0])
        {
            case AckByte:
                frame = MBusFrame.Ack;
                consumed = 1;
                return OperationStatus.Done;
            case ShortStart:
                return TryReadShort(input, out frame, out consumed, out error);
            case LongStart:
                return TryReadLong(input, out frame, out consumed, out error);
            default:
                error = MBusFrameError.BadStart;
                return OperationStatus.InvalidData;
        }
    }

    private static OperationStatus TryReadShort(ReadOnlySpan<byte> input, out MBusFrame frame, out int consumed, out MBusFrameError error)
    {
        frame = default;
        consumed = 0;
        error = MBusFrameError.None;
        if (input.Length < 5)
        {
            return OperationStatus.NeedMoreData;
        }

        if ((byte)(input[1] + input[2]) != input[3])
        {
            error = MBusFrameError.BadChecksum;
            return OperationStatus.InvalidData;
        }

        if (input[4] != Stop)
        {
            error = MBusFrameError.BadStop;
            return OperationStatus.InvalidData;
        }

        frame = MBusFrame.Short(input[1], input[2]);
        consumed = 5;
        return OperationStatus.Done;
    }

    private static OperationStatus TryReadLong(ReadOnlySpan<byte> input, out MBusFrame frame, out int consumed, out MBusFrameError error)
    {
        frame = default;
        consumed = 0;
        error = MBusFrameError.None;
        if (input.Length < 4)
        {
            bool lengthsSoFarAgree = input.Length < 3 || input[1] == input[2];
            error = lengthsSoFarAgree ? MBusFrameError.None : MBusFrameError.BadLength;
            return lengthsSoFarAgree ? OperationStatus.NeedMoreData : OperationStatus.InvalidData;
        }

        int length = input[1];
        if (input[2] != length || length < 3 || input[3] != LongStart)
        {
            error = MBusFrameError.BadLength;
            return OperationStatus.InvalidData;
        }

        int total = length + 6;
        if (input.Length < total)
        {
            return OperationStatus.NeedMoreData;
        }

        var body = input.Slice(4, length);
        if (Checksum(body) != input[4 + length])
        {
            error = MBusFrameError.BadChecksum;
            return OperationStatus.InvalidData;
        }

        if (input[5 + length] != Stop)
        {
            error = MBusFrameError.BadStop;
            return OperationStatus.InvalidData;
        }

        frame = MBusFrame.Long(body[0], body[1], body[2], body[3..].ToArray());
        consumed = total;
        return OperationStatus.Done;
    }
}
