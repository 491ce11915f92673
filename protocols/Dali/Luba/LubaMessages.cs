using System.Buffers.Binary;

namespace City.Protocols.Dali.Luba;

/// <summary>LUBA command codes (requests from the host are even, the interface's replies odd).</summary>
public static class LubaCommand
{
    public const byte QueryDeviceInfo = 0x20;
    public const byte DeviceInfo = 0x21;
    public const byte ReadWriteSettings = 0x2A;
    public const byte Settings = 0x2B;
    public const byte ReadStatus = 0x2C;
    public const byte Status = 0x2D;
    public const byte Event = 0x31;
    public const byte AddDaliFrame = 0x32;
    public const byte AddDaliFrameResponse = 0x33;
}

/// <summary>
/// Host to interface, 0x32 ADD DALI FRAME TO TX BUFFER: line, bit count (16 or 24), mode (priority 1..5 in the low bits,
/// 0x80 = send twice), then 4 data bytes, the frame left-aligned, MSB first, zero padded.
/// </summary>
public readonly record struct LubaTransmitRequest(byte Line, DaliForwardFrame Frame, DaliPriority Priority, bool SendTwice)
{
    public const int PayloadLength = 7;
    public const byte SendTwiceFlag = 0x80;
    private const byte PriorityMask = 0x07;

    public bool TryWrite(Span<byte> destination, out int bytesWritten, out LubaError error)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload.Clear();
        payload[0] = Line;
        payload[1] = (byte)Frame.Bits;
        payload[2] = (byte)((byte)Priority | (SendTwice ? SendTwiceFlag : 0));
        if (!Frame.TryWrite(payload[3..], out _))
        {
            bytesWritten = 0;
            error = LubaError.BadField;
            return false;
        }

        return LubaFraming.TryWrite(LubaCommand.AddDaliFrame, payload, destination, out bytesWritten, out error);
    }

    public static bool TryRead(LubaFrame frame, out LubaTransmitRequest request, out LubaError error)
    {
        request = default;
        if (!Expect(frame, LubaCommand.AddDaliFrame, PayloadLength, out error))
        {
            return false;
        }

        var p = frame.Payload;
        int priority = p[2] & PriorityMask;
        bool sendTwice = (p[2] & SendTwiceFlag) != 0;
        if (priority is < 1 or > 5 || (p[2] & ~(PriorityMask | SendTwiceFlag)) != 0)
        {
            error = LubaError.BadField;
            return false;
        }

        DaliForwardFrame dali;
        switch (p[1])
        {
            case 16:
                dali = DaliForwardFrame.Frame16(p[3], p[4]);
                break;
            case 24:
                dali = DaliForwardFrame.Frame24(p[3], p[4], p[5]);
                break;
            default:
                error = LubaError.BadField;
                return false;
        }

        request = new LubaTransmitRequest(p[0], dali, (DaliPriority)priority, sendTwice);
        return true;
    }

    internal static bool Expect(LubaFrame frame, byte command, int payloadLength, out LubaError error)
    {
        if (frame.Command != command)
        {
            error = LubaError.UnexpectedCommand;
            return false;
        }

        if (frame.Payload.Length != payloadLength)
        {
            error = LubaError.BadPayloadLength;
            return false;
        }

        error = LubaError.None;
        return true;
    }
}

/// <summary>
/// Interface to host, 0x33: the frame was queued (2 bytes: transmit id, then a second byte) or refused (1 byte: error code).
/// </summary>
public readonly record struct LubaTransmitResponse(bool Accepted, byte FrameId, byte Extra, byte ErrorCode)
{
    /// <summary>
    /// Error code this project's simulator sends, and its master reads, when the DALI line has no power. Lunatone's document
    /// lists the codes; this value was not checked against it (see README).
    /// </summary>
    public const byte ErrorBusPowerFailure = 0x03;

    /// <summary>Refused because the transmit buffer is full (value not checked against Lunatone's document).</summary>
    public const byte ErrorBufferFull = 0x01;

    /// <summary>Refused because a field was invalid (value not checked against Lunatone's document).</summary>
    public const byte ErrorInvalidRequest = 0x02;

    public static LubaTransmitResponse Accept(byte frameId, byte extra = 0) => new(true, frameId, extra, 0);

    public static LubaTransmitResponse Reject(byte errorCode) => new(false, 0, 0, errorCode);

    public bool TryWrite(Span<byte> destination, out int bytesWritten, out LubaError error)
    {
        ReadOnlySpan<byte> payload = Accepted ? [FrameId, Extra] : [ErrorCode];
        return LubaFraming.TryWrite(LubaCommand.AddDaliFrameResponse, payload, destination, out bytesWritten, out error);
    }

    public static bool TryRead(LubaFrame frame, out LubaTransmitResponse response, out LubaError error)
    {
        response = default;
        if (frame.Command != LubaCommand.AddDaliFrameResponse)
        {
            error = LubaError.UnexpectedCommand;
            return false;
        }

        switch (frame.Payload.Length)
        {
            case 1:
                response = Reject(frame.Payload[0]);
                break;
            case 2:
                response = Accept(frame.Payload[0], frame.Payload[1]);
                break;
            default:
                error = LubaError.BadPayloadLength;
                return false;
        }

        error = LubaError.None;
        return true;
    }
}

/// <summary>The event type in the two high bits of an event's status byte.</summary>
public enum LubaEventType : byte
{
    /// <summary>A frame from the host's transmit buffer went out on the bus; the event carries its id and bytes.</summary>
    FrameSent = 0,

    /// <summary>
    /// Bus state changed (info 1 = no bus power, 0 = power back). Assumed by this project for its simulator; not checked
    /// against Lunatone's document (see README).
    /// </summary>
    BusState = 1,

    /// <summary>A frame was seen on the bus: info 1..32 = its bit count, 62 = only start/stop bits, 63 = framing error.</summary>
    FrameReceived = 2,
}

/// <summary>
/// Interface to host, 0x31 EVENT: time tick (16 bit, MSB first), line, status (type &lt;&lt; 6 | info), then for
/// <see cref="LubaEventType.FrameSent"/> the frame id and the frame's bytes, for <see cref="LubaEventType.FrameReceived"/>
/// the frame's bytes.
/// </summary>
public readonly record struct LubaEvent(ushort Tick, byte Line, LubaEventType Type, byte Info, byte FrameId, uint Data, int DataBytes)
{
    public const byte InfoStartStopOnly = 62;
    public const byte InfoFramingError = 63;
    public const byte InfoBusPowerFailure = 1;
    public const byte InfoBusPowerRestored = 0;
    private const int HeaderLength = 4;

    public static LubaEvent Sent(ushort tick, byte line, byte frameId, DaliForwardFrame frame) =>
        new(tick, line, LubaEventType.FrameSent, (byte)frame.Bits, frameId, frame.Data, frame.ByteCount);

    public static LubaEvent Backward(ushort tick, byte line, byte value) => new(tick, line, LubaEventType.FrameReceived, 8, 0, value, 1);

    public static LubaEvent FramingError(ushort tick, byte line) => new(tick, line, LubaEventType.FrameReceived, InfoFramingError, 0, 0, 0);

    public static LubaEvent BusPower(ushort tick, byte line, bool powered) =>
        new(tick, line, LubaEventType.BusState, powered ? InfoBusPowerRestored : InfoBusPowerFailure, 0, 0, 0);

    /// <summary>A received 8-bit frame: a backward frame (an answer).</summary>
    public bool IsBackwardFrame => Type == LubaEventType.FrameReceived && Info == 8 && DataBytes == 1;

    public bool IsFramingError => Type == LubaEventType.FrameReceived && Info is InfoFramingError or InfoStartStopOnly;

    public byte BackwardValue => (byte)Data;

    public bool TryWrite(Span<byte> destination, out int bytesWritten, out LubaError error)
    {
        Span<byte> payload = stackalloc byte[HeaderLength + 1 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(payload, Tick);
        payload[2] = Line;
        payload[3] = (byte)(((byte)Type << 6) | (Info & 0x3F));
        int length = HeaderLength;
        if (Type == LubaEventType.FrameSent)
        {
            payload[length++] = FrameId;
        }

        if (DataBytes is < 0 or > 4)
        {
            bytesWritten = 0;
            error = LubaError.BadField;
            return false;
        }

        for (int i = 0; i < DataBytes; i++)
        {
            payload[length++] = (byte)(Data >> (8 * (DataBytes - 1 - i)));
        }

        return LubaFraming.TryWrite(LubaCommand.Event, payload[..length], destination, out bytesWritten, out error);
    }

    public static bool TryRead(LubaFrame frame, out LubaEvent message, out LubaError error)
    {
        message = default;
        if (frame.Command != LubaCommand.Event)
        {
            error = LubaError.UnexpectedCommand;
            return false;
        }

        var p = frame.Payload;
        if (p.Length < HeaderLength)
        {
            error = LubaError.BadPayloadLength;
            return false;
        }

        var type = (LubaEventType)(p[3] >> 6);
        byte info = (byte)(p[3] & 0x3F);
        var rest = p[HeaderLength..];
        byte frameId = 0;
        if (type == LubaEventType.FrameSent)
        {
            if (rest.IsEmpty)
            {
                error = LubaError.BadPayloadLength;
                return false;
            }

            frameId = rest[0];
            rest = rest[1..];
        }

        if (rest.Length > 4)
        {
            error = LubaError.BadPayloadLength;
            return false;
        }

        uint data = 0;
        foreach (byte b in rest)
        {
            data = (data << 8) | b;
        }

        message = new LubaEvent(BinaryPrimitives.ReadUInt16BigEndian(p), p[2], type, info, frameId, data, rest.Length);
        error = LubaError.None;
        return true;
    }
}

/// <summary>Host to interface, 0x20 QUERY DEVICE INFO: which information set (0).</summary>
public readonly record struct LubaDeviceInfoQuery(byte Set)
{
    public bool TryWrite(Span<byte> destination, out int bytesWritten, out LubaError error) =>
        LubaFraming.TryWrite(LubaCommand.QueryDeviceInfo, [Set], destination, out bytesWritten, out error);

    public static bool TryRead(LubaFrame frame, out LubaDeviceInfoQuery query, out LubaError error)
    {
        query = default;
        if (!LubaTransmitRequest.Expect(frame, LubaCommand.QueryDeviceInfo, 1, out error))
        {
            return false;
        }

        query = new LubaDeviceInfoQuery(frame.Payload[0]);
        return true;
    }
}

/// <summary>
/// Interface to host, 0x21 device information set 0: GTIN (48 bit), serial id (64 bit), PCB version, assembly version, article
/// number (32 bit); numbers MSB first.
/// </summary>
public readonly record struct LubaDeviceInfo(ulong Gtin, ulong Id, byte PcbVersion, byte AssemblyVersion, uint ArticleNumber)
{
    public const int PayloadLength = 20;

    /// <summary>Lunatone's DALI RS232 interface (the article python-dali's driver was tested with).</summary>
    public const uint Rs232ArticleNumber = 24166096;

    public bool TryWrite(Span<byte> destination, out int bytesWritten, out LubaError error)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        Span<byte> gtin = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(gtin, Gtin);
        gtin[2..].CopyTo(payload);
        BinaryPrimitives.WriteUInt64BigEndian(payload[6..], Id);
        payload[14] = PcbVersion;
        payload[15] = AssemblyVersion;
        BinaryPrimitives.WriteUInt32BigEndian(payload[16..], ArticleNumber);
        return LubaFraming.TryWrite(LubaCommand.DeviceInfo, payload, destination, out bytesWritten, out error);
    }

    public static bool TryRead(LubaFrame frame, out LubaDeviceInfo info, out LubaError error)
    {
        info = default;
        if (!LubaTransmitRequest.Expect(frame, LubaCommand.DeviceInfo, PayloadLength, out error))
        {
            return false;
        }

        var p = frame.Payload;
        Span<byte> gtin = stackalloc byte[8];
        gtin.Clear();
        p[..6].CopyTo(gtin[2..]);
        info = new LubaDeviceInfo(
            BinaryPrimitives.ReadUInt64BigEndian(gtin),
            BinaryPrimitives.ReadUInt64BigEndian(p[6..]),
            p[14],
            p[15],
            BinaryPrimitives.ReadUInt32BigEndian(p[16..]));
        return true;
    }
}

/// <summary>0x2A (host: write) and 0x2B (interface: current values): mode byte and event filter byte.</summary>
public readonly record struct LubaSettings(byte Mode, byte EventFilter)
{
    /// <summary>The event filter python-dali's driver writes (frames sent and received are reported).</summary>
    public const byte DefaultEventFilter = 0x12;

    public bool TryWrite(byte command, Span<byte> destination, out int bytesWritten, out LubaError error) =>
        LubaFraming.TryWrite(command, [Mode, EventFilter], destination, out bytesWritten, out error);

    public static bool TryRead(LubaFrame frame, byte command, out LubaSettings settings, out LubaError error)
    {
        settings = default;
        if (!LubaTransmitRequest.Expect(frame, command, 2, out error))
        {
            return false;
        }

        settings = new LubaSettings(frame.Payload[0], frame.Payload[1]);
        return true;
    }
}
