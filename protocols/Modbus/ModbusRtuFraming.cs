using System.Buffers;

namespace City.Protocols.Modbus;

/// <summary>
/// Modbus RTU frames (Modbus over Serial Line V1.02, 2.5.1): address (1), PDU (function and data), CRC-16 (2, low byte first).
/// RTU has no length field, so a reader must know the frame length from the function code (and byte count) of the frame
/// it expects; these functions do that for responses (master side) and requests (slave side).
/// Pure functions over spans: malformed input gives <see cref="OperationStatus.InvalidData"/> and a
/// <see cref="ModbusRtuFrameError"/>, never an exception. Results:
/// <see cref="OperationStatus.Done"/> a whole valid frame starts at the beginning of the buffer;
/// <see cref="OperationStatus.NeedMoreData"/> the buffer holds the beginning of a frame (nothing consumed);
/// <see cref="OperationStatus.InvalidData"/> the bytes cannot be the expected frame (nothing consumed): discard the
/// input until the line has been silent for t3.5.
/// </summary>
public static class ModbusRtuFraming
{
    /// <summary>Largest RTU ADU: address, 253-byte PDU, CRC.</summary>
    public const int MaxAduLength = 256;

    /// <summary>Largest PDU an RTU frame can carry.</summary>
    public const int MaxPduLength = MaxAduLength - 1 - ModbusCrc16.Size;

    /// <summary>Smallest RTU ADU: address, function, CRC (for example a 17 request).</summary>
    public const int MinAduLength = 4;

    /// <summary>Unit address 0: every slave executes a write request and none answers.</summary>
    public const byte BroadcastAddress = 0;

    /// <summary>Highest individual slave address; 248..255 are reserved.</summary>
    public const byte MaxUnitAddress = 247;

    private const byte ExceptionFlag = 0x80;
    private const byte EncapsulatedInterface = 0x2B;
    private const byte ReadDeviceIdentification = 0x0E;

    /// <summary>Writes address, PDU and CRC. Returns false for an empty or oversized (&gt; 253 bytes) PDU or a short destination.</summary>
    public static bool TryWriteFrame(byte unit, ReadOnlySpan<byte> pdu, Span<byte> destination, out int written)
    {
        written = 0;
        int length = 1 + pdu.Length + ModbusCrc16.Size;
        if (pdu.IsEmpty || pdu.Length > MaxPduLength || destination.Length < length)
        {
            return false;
        }

        destination[0] = unit;
        pdu.CopyTo(destination[1..]);
        ModbusCrc16.TryWrite(destination[..(1 + pdu.Length)], destination[(1 + pdu.Length)..]);
        written = length;
        return true;
    }

    /// <summary>Reads the response to a request for <paramref name="expectedUnit"/> and <paramref name="expectedFunction"/>; see the class remarks.</summary>
    public static OperationStatus TryReadResponse(
        ReadOnlySpan<byte> buffer, byte expectedUnit, byte expectedFunction, out ReadOnlySpan<byte> pdu, out int consumed) =>
        TryReadResponse(buffer, expectedUnit, expectedFunction, out pdu, out consumed, out _);

    /// <summary>
    /// Reads the response to a request for <paramref name="expectedUnit"/> and <paramref name="expectedFunction"/>.
    /// Lengths: exception response 5 bytes; 01/02/03/04/17/23 from the byte count; 05/06/15/16 8 bytes; 22 10 bytes;
    /// 43/14 (read device identification) from its object list. On Done, <paramref name="pdu"/> is function and data,
    /// an exception response included (decode it with <see cref="ModbusPdu"/>), and <paramref name="consumed"/> the frame length.
    /// </summary>
    public static OperationStatus TryReadResponse(
        ReadOnlySpan<byte> buffer,
        byte expectedUnit,
        byte expectedFunction,
        out ReadOnlySpan<byte> pdu,
        out int consumed,
        out ModbusRtuFrameError error)
    {
        pdu = default;
        consumed = 0;
        error = ModbusRtuFrameError.None;

        if (buffer.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        if (buffer[0] != expectedUnit)
        {
            error = ModbusRtuFrameError.UnexpectedUnit;
            return OperationStatus.InvalidData;
        }

        if (buffer.Length < 2)
        {
            return OperationStatus.NeedMoreData;
        }

        byte function = buffer[1];
        int length;
        if (function == (expectedFunction | ExceptionFlag) && (expectedFunction & ExceptionFlag) == 0)
        {
            length = 5;
        }
        else if (function != expectedFunction)
        {
            error = ModbusRtuFrameError.UnexpectedFunction;
            return OperationStatus.InvalidData;
        }
        else
        {
            OperationStatus lengthStatus = ResponseLength(buffer, function, out length, out error);
            if (lengthStatus != OperationStatus.Done)
            {
                return lengthStatus;
            }
        }

        return Complete(buffer, length, out pdu, out consumed, out error);
    }

    /// <summary>Reads a request addressed to any unit (slave side); see the class remarks.</summary>
    public static OperationStatus TryReadRequest(ReadOnlySpan<byte> buffer, out byte unit, out ReadOnlySpan<byte> pdu, out int consumed) =>
        TryReadRequest(buffer, out unit, out pdu, out consumed, out _);

    /// <summary>
    /// Reads a request addressed to any unit (slave side: a slave must also read, and ignore, requests for other units).
    /// Lengths: 01..06 8 bytes; 15/16 (9 + byte count); 23 (13 + byte count); 22 10 bytes; 17 4 bytes; 43/14 7 bytes.
    /// Other functions give <see cref="ModbusRtuFrameError.UnsupportedFunction"/>.
    /// </summary>
    public static OperationStatus TryReadRequest(
        ReadOnlySpan<byte> buffer, out byte unit, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error)
    {
        unit = 0;
        pdu = default;
        consumed = 0;
        error = ModbusRtuFrameError.None;

        if (buffer.Length < 2)
        {
            return OperationStatus.NeedMoreData;
        }

        int length;
        switch (buffer[1])
        {
            case >= 0x01 and <= 0x06:
                length = 8;
                break;
            case 0x0F or 0x10:
                if (buffer.Length < 7)
                {
                    return OperationStatus.NeedMoreData;
                }

                length = 9 + buffer[6];
                break;
            case 0x17:
                if (buffer.Length < 11)
                {
                    return OperationStatus.NeedMoreData;
                }

                length = 13 + buffer[10];
                break;
            case 0x16:
                length = 10;
                break;
            case 0x11:
                length = 4;
                break;
            case EncapsulatedInterface:
                if (buffer.Length < 3)
                {
                    return OperationStatus.NeedMoreData;
                }

                if (buffer[2] != ReadDeviceIdentification)
                {
                    error = ModbusRtuFrameError.UnsupportedFunction;
                    return OperationStatus.InvalidData;
                }

                length = 7;
                break;
            default:
                error = ModbusRtuFrameError.UnsupportedFunction;
                return OperationStatus.InvalidData;
        }

        OperationStatus status = Complete(buffer, length, out pdu, out consumed, out error);
        if (status == OperationStatus.Done)
        {
            unit = buffer[0];
        }

        return status;
    }

    /// <summary>Length of a normal (not exception) response whose first two bytes are in <paramref name="buffer"/>.</summary>
    private static OperationStatus ResponseLength(ReadOnlySpan<byte> buffer, byte function, out int length, out ModbusRtuFrameError error)
    {
        error = ModbusRtuFrameError.None;
        length = 0;
        switch (function)
        {
            case 0x01 or 0x02 or 0x03 or 0x04 or 0x11 or 0x17:
                if (buffer.Length < 3)
                {
                    return OperationStatus.NeedMoreData;
                }

                length = 5 + buffer[2];
                return OperationStatus.Done;
            case 0x05 or 0x06 or 0x0F or 0x10:
                length = 8;
                return OperationStatus.Done;
            case 0x16:
                length = 10;
                return OperationStatus.Done;
            case EncapsulatedInterface:
                return DeviceIdentificationResponseLength(buffer, out length, out error);
            default:
                error = ModbusRtuFrameError.UnsupportedFunction;
                return OperationStatus.InvalidData;
        }
    }

    /// <summary>
    /// 43/14 response: address, 2B, 0E, read code, conformity, more follows, next object id, object count,
    /// then per object id, length, value; then CRC.
    /// </summary>
    private static OperationStatus DeviceIdentificationResponseLength(ReadOnlySpan<byte> buffer, out int length, out ModbusRtuFrameError error)
    {
        const int HeaderLength = 8;
        error = ModbusRtuFrameError.None;
        length = 0;
        if (buffer.Length < 3)
        {
            return OperationStatus.NeedMoreData;
        }

        if (buffer[2] != ReadDeviceIdentification)
        {
            error = ModbusRtuFrameError.UnsupportedFunction;
            return OperationStatus.InvalidData;
        }

        if (buffer.Length < HeaderLength)
        {
            return OperationStatus.NeedMoreData;
        }

        int objectCount = buffer[HeaderLength - 1];
        int offset = HeaderLength;
        for (int i = 0; i < objectCount; i++)
        {
            if (offset + 2 > MaxAduLength - ModbusCrc16.Size)
            {
                error = ModbusRtuFrameError.TooLong;
                return OperationStatus.InvalidData;
            }

            if (buffer.Length < offset + 2)
            {
                return OperationStatus.NeedMoreData;
            }

            offset += 2 + buffer[offset + 1];
        }

        length = offset + ModbusCrc16.Size;
        return OperationStatus.Done;
    }

    private static OperationStatus Complete(
        ReadOnlySpan<byte> buffer, int length, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error)
    {
        pdu = default;
        consumed = 0;
        error = ModbusRtuFrameError.None;
        if (length > MaxAduLength)
        {
            error = ModbusRtuFrameError.TooLong;
            return OperationStatus.InvalidData;
        }

        if (buffer.Length < length)
        {
            return OperationStatus.NeedMoreData;
        }

        if (!ModbusCrc16.IsValid(buffer[..length]))
        {
            error = ModbusRtuFrameError.BadCrc;
            return OperationStatus.InvalidData;
        }

        pdu = buffer[1..(length - ModbusCrc16.Size)];
        consumed = length;
        return OperationStatus.Done;
    }
}
