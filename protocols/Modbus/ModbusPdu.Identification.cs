using System.Text;

namespace City.Protocols.Modbus;

/// <summary>Read device id code of a 43/14 request (Modbus Application Protocol V1.1b3, 6.21).</summary>
public enum ModbusReadDeviceIdCode : byte
{
    /// <summary>Stream access to the basic objects (0x00..0x02).</summary>
    Basic = 0x01,

    /// <summary>Stream access to the regular objects (0x00..0x06).</summary>
    Regular = 0x02,

    /// <summary>Stream access to the extended objects (0x00..0xFF).</summary>
    Extended = 0x03,

    /// <summary>Access to one object.</summary>
    Individual = 0x04,
}

/// <summary>One object of a device identification: id and ASCII value.</summary>
public readonly record struct ModbusDeviceObject(byte ObjectId, string Value);

/// <summary>Where one object's value lies inside a decoded 43/14 response PDU: <c>pdu.Slice(Offset, Length)</c>.</summary>
public readonly record struct ModbusDeviceObjectLocation(byte ObjectId, int Offset, int Length);

/// <summary>The fixed part of a 43/14 response.</summary>
public readonly record struct ModbusDeviceIdentificationHeader(
    ModbusReadDeviceIdCode ReadDeviceIdCode, byte ConformityLevel, bool MoreFollows, byte NextObjectId, int ObjectCount);

/// <summary>Functions 17 report server id and 43/14 read device identification (Modbus Application Protocol V1.1b3, 6.13, 6.21).</summary>
public static partial class ModbusPdu
{
    /// <summary>MEI type of read device identification inside function 43.</summary>
    public const byte MeiReadDeviceIdentification = 0x0E;

    /// <summary>Basic object 0x00, VendorName.</summary>
    public const byte ObjectIdVendorName = 0x00;

    /// <summary>Basic object 0x01, ProductCode.</summary>
    public const byte ObjectIdProductCode = 0x01;

    /// <summary>Basic object 0x02, MajorMinorRevision.</summary>
    public const byte ObjectIdMajorMinorRevision = 0x02;

    /// <summary>Conformity level of a server with the basic objects, stream and individual access.</summary>
    public const byte ConformityBasicStreamAndIndividual = 0x81;

    /// <summary>Largest server id (byte count 251 = 253-byte PDU minus function and byte count, less the run indicator).</summary>
    public const int MaxServerIdLength = 250;

    private const byte RunIndicatorOn = 0xFF;
    private const byte RunIndicatorOff = 0x00;
    private const int DeviceIdentificationHeaderLength = 7;

    // ---- 17 report server id ----

    /// <summary>Encodes a 17 request (the function code alone).</summary>
    public static bool TryEncodeReportServerIdRequest(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.IsEmpty)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.ReportServerId;
        bytesWritten = 1;
        return true;
    }

    /// <summary>Decodes a 17 request.</summary>
    public static ModbusPduStatus DecodeReportServerIdRequest(ReadOnlySpan<byte> pdu)
    {
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        return pdu[0] != (byte)ModbusFunctionCode.ReportServerId ? ModbusPduStatus.UnexpectedFunction : CheckExactLength(pdu, 1);
    }

    /// <summary>Encodes a 17 response: byte count, <paramref name="serverId"/> (0..250 bytes), run indicator (FF on, 00 off).</summary>
    public static bool TryEncodeReportServerIdResponse(ReadOnlySpan<byte> serverId, bool isRunning, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = serverId.Length + 1;
        if (serverId.Length > MaxServerIdLength || destination.Length < 2 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.ReportServerId;
        destination[1] = (byte)byteCount;
        serverId.CopyTo(destination[2..]);
        destination[2 + serverId.Length] = isRunning ? RunIndicatorOn : RunIndicatorOff;
        bytesWritten = 2 + byteCount;
        return true;
    }

    /// <summary>
    /// Decodes a 17 response. The last data byte is the run indicator (00 or FF, otherwise <see cref="ModbusPduStatus.InvalidValue"/>);
    /// the bytes before it are the server id, copied into <paramref name="serverId"/>.
    /// </summary>
    public static ModbusPduStatus DecodeReportServerIdResponse(
        ReadOnlySpan<byte> pdu, Span<byte> serverId, out int serverIdLength, out bool isRunning, out ModbusExceptionCode exceptionCode)
    {
        serverIdLength = 0;
        isRunning = false;
        ModbusPduStatus status = CheckResponseFunction(pdu, ModbusFunctionCode.ReportServerId, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (pdu.Length < 2)
        {
            return ModbusPduStatus.Truncated;
        }

        int byteCount = pdu[1];
        status = CheckExactLength(pdu, 2 + byteCount);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (byteCount == 0)
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        byte runIndicator = pdu[1 + byteCount];
        if (runIndicator is not (RunIndicatorOn or RunIndicatorOff))
        {
            return ModbusPduStatus.InvalidValue;
        }

        if (serverId.Length < byteCount - 1)
        {
            return ModbusPduStatus.DestinationTooSmall;
        }

        pdu.Slice(2, byteCount - 1).CopyTo(serverId);
        serverIdLength = byteCount - 1;
        isRunning = runIndicator == RunIndicatorOn;
        return ModbusPduStatus.Valid;
    }

    // ---- 43/14 read device identification ----

    /// <summary>Encodes a 43/14 request.</summary>
    public static bool TryEncodeReadDeviceIdentificationRequest(
        ModbusReadDeviceIdCode readDeviceIdCode, byte objectId, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!IsDefined(readDeviceIdCode) || destination.Length < 4)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.EncapsulatedInterfaceTransport;
        destination[1] = MeiReadDeviceIdentification;
        destination[2] = (byte)readDeviceIdCode;
        destination[3] = objectId;
        bytesWritten = 4;
        return true;
    }

    /// <summary>
    /// Decodes a 43/14 request. Another MEI type gives <see cref="ModbusPduStatus.UnexpectedFunction"/> (answer exception 01);
    /// a read device id code outside 1..4 gives <see cref="ModbusPduStatus.InvalidValue"/> (answer exception 03).
    /// </summary>
    public static ModbusPduStatus DecodeReadDeviceIdentificationRequest(
        ReadOnlySpan<byte> pdu, out ModbusReadDeviceIdCode readDeviceIdCode, out byte objectId)
    {
        readDeviceIdCode = default;
        objectId = 0;
        ModbusPduStatus prologue = CheckFunctionAndLength(pdu, (byte)ModbusFunctionCode.EncapsulatedInterfaceTransport, 2);
        if (prologue != ModbusPduStatus.Valid)
        {
            return prologue;
        }

        if (pdu[1] != MeiReadDeviceIdentification)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        ModbusPduStatus status = CheckExactLength(pdu, 4);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (!IsDefined((ModbusReadDeviceIdCode)pdu[2]))
        {
            return ModbusPduStatus.InvalidValue;
        }

        readDeviceIdCode = (ModbusReadDeviceIdCode)pdu[2];
        objectId = pdu[3];
        return ModbusPduStatus.Valid;
    }

    /// <summary>
    /// Encodes a 43/14 response with as many of <paramref name="objects"/> as fit in one PDU (and in <paramref name="destination"/>).
    /// When not all fit, "more follows" is FF and "next object id" names the first object left out. Values are written as ASCII.
    /// Returns false when not even the first object fits, when <paramref name="objects"/> is empty or holds more than 255 objects,
    /// or when a value is longer than 255 bytes.
    /// </summary>
    public static bool TryEncodeReadDeviceIdentificationResponse(
        ModbusReadDeviceIdCode readDeviceIdCode, byte conformityLevel, ReadOnlySpan<ModbusDeviceObject> objects,
        Span<byte> destination, out int bytesWritten, out int objectsWritten)
    {
        bytesWritten = 0;
        objectsWritten = 0;
        if (!IsDefined(readDeviceIdCode) || objects.IsEmpty || objects.Length > byte.MaxValue)
        {
            return false;
        }

        Span<byte> pdu = destination.Length > MbapHeader.MaxPduLength ? destination[..MbapHeader.MaxPduLength] : destination;
        if (pdu.Length < DeviceIdentificationHeaderLength)
        {
            return false;
        }

        int offset = DeviceIdentificationHeaderLength;
        int count = 0;
        foreach (ModbusDeviceObject item in objects)
        {
            string value = item.Value ?? "";
            if (value.Length > byte.MaxValue)
            {
                return false;
            }

            if (offset + 2 + value.Length > pdu.Length)
            {
                break;
            }

            // ASCII never needs more bytes than characters (a surrogate pair becomes one '?').
            int length = Encoding.ASCII.GetBytes(value, pdu.Slice(offset + 2, value.Length));
            pdu[offset] = item.ObjectId;
            pdu[offset + 1] = (byte)length;
            offset += 2 + length;
            count++;
        }

        if (count == 0)
        {
            return false;
        }

        bool moreFollows = count < objects.Length;
        pdu[0] = (byte)ModbusFunctionCode.EncapsulatedInterfaceTransport;
        pdu[1] = MeiReadDeviceIdentification;
        pdu[2] = (byte)readDeviceIdCode;
        pdu[3] = conformityLevel;
        pdu[4] = moreFollows ? (byte)0xFF : (byte)0x00;
        pdu[5] = moreFollows ? objects[count].ObjectId : (byte)0x00;
        pdu[6] = (byte)count;
        bytesWritten = offset;
        objectsWritten = count;
        return true;
    }

    /// <summary>
    /// Decodes a 43/14 response to a request with <paramref name="readDeviceIdCode"/>. The objects' ids and where their values
    /// lie in <paramref name="pdu"/> go into <paramref name="objects"/> (255 long accepts any response).
    /// </summary>
    public static ModbusPduStatus DecodeReadDeviceIdentificationResponse(
        ReadOnlySpan<byte> pdu, ModbusReadDeviceIdCode readDeviceIdCode, out ModbusDeviceIdentificationHeader header,
        Span<ModbusDeviceObjectLocation> objects, out ModbusExceptionCode exceptionCode)
    {
        header = default;
        ModbusPduStatus status = CheckResponseFunction(pdu, ModbusFunctionCode.EncapsulatedInterfaceTransport, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (pdu.Length >= 2 && pdu[1] != MeiReadDeviceIdentification)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        if (pdu.Length < DeviceIdentificationHeaderLength)
        {
            return ModbusPduStatus.Truncated;
        }

        if (pdu[2] != (byte)readDeviceIdCode)
        {
            return ModbusPduStatus.EchoMismatch;
        }

        byte moreFollows = pdu[4];
        if (moreFollows is not (0x00 or 0xFF))
        {
            return ModbusPduStatus.InvalidValue;
        }

        int count = pdu[6];
        if (objects.Length < count)
        {
            return ModbusPduStatus.DestinationTooSmall;
        }

        int offset = DeviceIdentificationHeaderLength;
        for (int i = 0; i < count; i++)
        {
            if (pdu.Length < offset + 2)
            {
                return ModbusPduStatus.Truncated;
            }

            int length = pdu[offset + 1];
            if (pdu.Length < offset + 2 + length)
            {
                return ModbusPduStatus.Truncated;
            }

            objects[i] = new ModbusDeviceObjectLocation(pdu[offset], offset + 2, length);
            offset += 2 + length;
        }

        status = CheckExactLength(pdu, offset);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        header = new ModbusDeviceIdentificationHeader(readDeviceIdCode, pdu[3], moreFollows == 0xFF, pdu[5], count);
        return ModbusPduStatus.Valid;
    }

    private static bool IsDefined(ModbusReadDeviceIdCode code) =>
        code is ModbusReadDeviceIdCode.Basic or ModbusReadDeviceIdCode.Regular or ModbusReadDeviceIdCode.Extended or ModbusReadDeviceIdCode.Individual;
}
