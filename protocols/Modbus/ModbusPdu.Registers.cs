using System.Buffers.Binary;

namespace City.Protocols.Modbus;

/// <summary>Functions 22 mask write register and 23 read/write multiple registers (Modbus Application Protocol V1.1b3, 6.16, 6.17).</summary>
public static partial class ModbusPdu
{
    /// <summary>Largest read quantity for function 23.</summary>
    public const int MaxReadWriteReadRegisters = 125;

    /// <summary>Largest write quantity for function 23.</summary>
    public const int MaxReadWriteWriteRegisters = 121;

    /// <summary>The value function 22 stores: (current AND and) OR (or AND NOT and).</summary>
    public static ushort ApplyMask(ushort current, ushort andMask, ushort orMask) =>
        (ushort)((current & andMask) | (orMask & ~andMask));

    // ---- 22 mask write register ----

    /// <summary>Encodes a 22 request.</summary>
    public static bool TryEncodeMaskWriteRegisterRequest(ushort address, ushort andMask, ushort orMask, Span<byte> destination, out int bytesWritten) =>
        TryEncodeMaskWrite(address, andMask, orMask, destination, out bytesWritten);

    /// <summary>Encodes a 22 response (an echo of the request).</summary>
    public static bool TryEncodeMaskWriteRegisterResponse(ushort address, ushort andMask, ushort orMask, Span<byte> destination, out int bytesWritten) =>
        TryEncodeMaskWrite(address, andMask, orMask, destination, out bytesWritten);

    /// <summary>Decodes a 22 request.</summary>
    public static ModbusPduStatus DecodeMaskWriteRegisterRequest(ReadOnlySpan<byte> pdu, out ushort address, out ushort andMask, out ushort orMask)
    {
        address = 0;
        andMask = 0;
        orMask = 0;
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        if (pdu[0] != (byte)ModbusFunctionCode.MaskWriteRegister)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        ModbusPduStatus status = CheckExactLength(pdu, 7);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        andMask = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        orMask = BinaryPrimitives.ReadUInt16BigEndian(pdu[5..]);
        return ModbusPduStatus.Valid;
    }

    /// <summary>Decodes a 22 response, which must echo the request's address and masks.</summary>
    public static ModbusPduStatus DecodeMaskWriteRegisterResponse(
        ReadOnlySpan<byte> pdu, ushort address, ushort andMask, ushort orMask, out ModbusExceptionCode exceptionCode)
    {
        ModbusPduStatus status = CheckResponseFunction(pdu, ModbusFunctionCode.MaskWriteRegister, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        status = CheckExactLength(pdu, 7);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        bool echoes = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]) == address
            && BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]) == andMask
            && BinaryPrimitives.ReadUInt16BigEndian(pdu[5..]) == orMask;
        return echoes ? ModbusPduStatus.Valid : ModbusPduStatus.EchoMismatch;
    }

    // ---- 23 read/write multiple registers ----

    /// <summary>
    /// Encodes a 23 request: write <paramref name="values"/> (1..121) at <paramref name="writeAddress"/>, then read
    /// <paramref name="readQuantity"/> (1..125) registers at <paramref name="readAddress"/>.
    /// </summary>
    public static bool TryEncodeReadWriteMultipleRegistersRequest(
        ushort readAddress, ushort readQuantity, ushort writeAddress, ReadOnlySpan<ushort> values, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = values.Length * 2;
        if (readQuantity is 0 or > MaxReadWriteReadRegisters || values.Length is 0 or > MaxReadWriteWriteRegisters || destination.Length < 10 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.ReadWriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], readAddress);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], readQuantity);
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], writeAddress);
        BinaryPrimitives.WriteUInt16BigEndian(destination[7..], (ushort)values.Length);
        destination[9] = (byte)byteCount;
        WriteRegisters(values, destination.Slice(10, byteCount));
        bytesWritten = 10 + byteCount;
        return true;
    }

    /// <summary>
    /// Decodes a 23 request; the values to write go into <paramref name="values"/> (at least 121 long to accept any valid request).
    /// <see cref="ModbusPduStatus.QuantityOutOfRange"/> and <see cref="ModbusPduStatus.ByteCountMismatch"/> should be answered with exception 03.
    /// </summary>
    public static ModbusPduStatus DecodeReadWriteMultipleRegistersRequest(
        ReadOnlySpan<byte> pdu, out ushort readAddress, out ushort readQuantity, out ushort writeAddress, Span<ushort> values, out int writeQuantity)
    {
        readAddress = 0;
        readQuantity = 0;
        writeAddress = 0;
        writeQuantity = 0;
        ModbusPduStatus prologue = CheckFunctionAndLength(pdu, (byte)ModbusFunctionCode.ReadWriteMultipleRegisters, 10);
        if (prologue != ModbusPduStatus.Valid)
        {
            return prologue;
        }

        ushort requestedRead = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        ushort requestedWrite = BinaryPrimitives.ReadUInt16BigEndian(pdu[7..]);
        int byteCount = pdu[9];
        ModbusPduStatus status = CheckExactLength(pdu, 10 + byteCount);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (requestedRead is 0 or > MaxReadWriteReadRegisters || requestedWrite is 0 or > MaxReadWriteWriteRegisters)
        {
            return ModbusPduStatus.QuantityOutOfRange;
        }

        if (byteCount != requestedWrite * 2)
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        if (values.Length < requestedWrite)
        {
            return ModbusPduStatus.DestinationTooSmall;
        }

        readAddress = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        readQuantity = requestedRead;
        writeAddress = BinaryPrimitives.ReadUInt16BigEndian(pdu[5..]);
        writeQuantity = requestedWrite;
        ReadRegisters(pdu.Slice(10, byteCount), values[..requestedWrite]);
        return ModbusPduStatus.Valid;
    }

    /// <summary>Encodes a 23 response carrying the registers read (1..125).</summary>
    public static bool TryEncodeReadWriteMultipleRegistersResponse(ReadOnlySpan<ushort> registers, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = registers.Length * 2;
        if (registers.Length is 0 or > MaxReadWriteReadRegisters || destination.Length < 2 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.ReadWriteMultipleRegisters;
        destination[1] = (byte)byteCount;
        WriteRegisters(registers, destination.Slice(2, byteCount));
        bytesWritten = 2 + byteCount;
        return true;
    }

    /// <summary>
    /// Decodes a 23 response into <paramref name="registers"/>, whose length is the read quantity that was requested;
    /// the byte count must equal twice that quantity.
    /// </summary>
    public static ModbusPduStatus DecodeReadWriteMultipleRegistersResponse(ReadOnlySpan<byte> pdu, Span<ushort> registers, out ModbusExceptionCode exceptionCode)
    {
        exceptionCode = default;
        if (registers.Length is 0 or > MaxReadWriteReadRegisters)
        {
            return ModbusPduStatus.QuantityOutOfRange;
        }

        ModbusPduStatus status = CheckResponseFunction(pdu, ModbusFunctionCode.ReadWriteMultipleRegisters, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (pdu.Length < 2)
        {
            return ModbusPduStatus.Truncated;
        }

        int byteCount = pdu[1];
        if (byteCount != registers.Length * 2)
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        status = CheckExactLength(pdu, 2 + byteCount);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        ReadRegisters(pdu.Slice(2, byteCount), registers);
        return ModbusPduStatus.Valid;
    }

    private static bool TryEncodeMaskWrite(ushort address, ushort andMask, ushort orMask, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < 7)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.MaskWriteRegister;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], andMask);
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], orMask);
        bytesWritten = 7;
        return true;
    }
}
