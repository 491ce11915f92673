using System.Buffers.Binary;

namespace City.Protocols.Modbus;

/// <summary>
/// Coils and discrete inputs (Modbus Application Protocol V1.1b3, 6.1, 6.2, 6.5, 6.11). Bits are packed LSB first:
/// the first bit addressed is bit 0 of the first data byte; unused high bits of the last byte are zero when encoded
/// and ignored when decoded.
/// </summary>
public static partial class ModbusPdu
{
    /// <summary>Largest quantity for function 01 and 02.</summary>
    public const int MaxReadBits = 2000;

    /// <summary>Largest quantity for function 15.</summary>
    public const int MaxWriteCoils = 1968;

    /// <summary>Value field of a 05 request that switches the coil on.</summary>
    public const ushort CoilOn = 0xFF00;

    /// <summary>Value field of a 05 request that switches the coil off.</summary>
    public const ushort CoilOff = 0x0000;

    /// <summary>Data bytes needed for <paramref name="bitCount"/> packed bits: ceil(n / 8).</summary>
    public static int PackedByteCount(int bitCount) => (bitCount + 7) / 8;

    // ---- client side: requests ----

    /// <summary>Encodes a 01 or 02 request. Returns false for another function, a quantity outside 1..2000 or a short destination.</summary>
    public static bool TryEncodeReadBitsRequest(ModbusFunctionCode function, ushort address, ushort quantity, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!IsReadBitsFunction(function) || quantity is 0 or > MaxReadBits)
        {
            return false;
        }

        return TryEncodeAddressAndWord(function, address, quantity, destination, out bytesWritten);
    }

    /// <summary>Encodes a 05 request (value FF00 for on, 0000 for off).</summary>
    public static bool TryEncodeWriteSingleCoilRequest(ushort address, bool value, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteSingleCoil, address, value ? CoilOn : CoilOff, destination, out bytesWritten);

    /// <summary>Encodes a 15 request. Returns false for a value count outside 1..1968 or a short destination.</summary>
    public static bool TryEncodeWriteMultipleCoilsRequest(ushort address, ReadOnlySpan<bool> values, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = PackedByteCount(values.Length);
        if (values.Length is 0 or > MaxWriteCoils || destination.Length < 6 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.WriteMultipleCoils;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)values.Length);
        destination[5] = (byte)byteCount;
        PackBits(values, destination.Slice(6, byteCount));
        bytesWritten = 6 + byteCount;
        return true;
    }

    // ---- client side: responses ----

    /// <summary>
    /// Decodes a 01/02 response into <paramref name="bits"/>, whose length is the quantity that was requested;
    /// the byte count must equal ceil(quantity / 8).
    /// </summary>
    public static ModbusPduStatus DecodeReadBitsResponse(
        ReadOnlySpan<byte> pdu, ModbusFunctionCode function, Span<bool> bits, out ModbusExceptionCode exceptionCode)
    {
        exceptionCode = default;
        if (!IsReadBitsFunction(function))
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        if (bits.Length is 0 or > MaxReadBits)
        {
            return ModbusPduStatus.QuantityOutOfRange;
        }

        ModbusPduStatus status = CheckResponseFunction(pdu, function, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (pdu.Length < 2)
        {
            return ModbusPduStatus.Truncated;
        }

        int byteCount = pdu[1];
        if (byteCount != PackedByteCount(bits.Length))
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        status = CheckExactLength(pdu, 2 + byteCount);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        UnpackBits(pdu.Slice(2, byteCount), bits);
        return ModbusPduStatus.Valid;
    }

    /// <summary>Decodes a 05 response, which must echo the request's address and value.</summary>
    public static ModbusPduStatus DecodeWriteSingleCoilResponse(
        ReadOnlySpan<byte> pdu, ushort address, bool value, out ModbusExceptionCode exceptionCode) =>
        DecodeAddressAndWordEcho(pdu, ModbusFunctionCode.WriteSingleCoil, address, value ? CoilOn : CoilOff, out exceptionCode);

    /// <summary>Decodes a 15 response, which must echo the request's address and quantity.</summary>
    public static ModbusPduStatus DecodeWriteMultipleCoilsResponse(
        ReadOnlySpan<byte> pdu, ushort address, ushort quantity, out ModbusExceptionCode exceptionCode) =>
        DecodeAddressAndWordEcho(pdu, ModbusFunctionCode.WriteMultipleCoils, address, quantity, out exceptionCode);

    // ---- server side: requests ----

    /// <summary>Decodes a 01/02 request. <see cref="ModbusPduStatus.QuantityOutOfRange"/> should be answered with exception 03.</summary>
    public static ModbusPduStatus DecodeReadBitsRequest(
        ReadOnlySpan<byte> pdu, out ModbusFunctionCode function, out ushort address, out ushort quantity) =>
        DecodeReadRequest(pdu, ModbusFunctionCode.ReadCoils, ModbusFunctionCode.ReadDiscreteInputs, MaxReadBits, out function, out address, out quantity);

    /// <summary>Decodes a 05 request. A value other than FF00/0000 gives <see cref="ModbusPduStatus.InvalidValue"/> (answer exception 03).</summary>
    public static ModbusPduStatus DecodeWriteSingleCoilRequest(ReadOnlySpan<byte> pdu, out ushort address, out bool value)
    {
        address = 0;
        value = false;
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        if (pdu[0] != (byte)ModbusFunctionCode.WriteSingleCoil)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        ModbusPduStatus status = CheckExactLength(pdu, 5);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        ushort raw = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        if (raw is not (CoilOn or CoilOff))
        {
            return ModbusPduStatus.InvalidValue;
        }

        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        value = raw == CoilOn;
        return ModbusPduStatus.Valid;
    }

    /// <summary>
    /// Decodes a 15 request into <paramref name="values"/> (at least 1968 long to accept any valid request).
    /// <see cref="ModbusPduStatus.QuantityOutOfRange"/> and <see cref="ModbusPduStatus.ByteCountMismatch"/> should be answered with exception 03.
    /// </summary>
    public static ModbusPduStatus DecodeWriteMultipleCoilsRequest(
        ReadOnlySpan<byte> pdu, out ushort address, Span<bool> values, out int quantity)
    {
        address = 0;
        quantity = 0;
        ModbusPduStatus prologue = CheckFunctionAndLength(pdu, (byte)ModbusFunctionCode.WriteMultipleCoils, 6);
        if (prologue != ModbusPduStatus.Valid)
        {
            return prologue;
        }

        ushort requestedQuantity = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        int byteCount = pdu[5];
        ModbusPduStatus status = CheckExactLength(pdu, 6 + byteCount);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        if (requestedQuantity is 0 or > MaxWriteCoils)
        {
            return ModbusPduStatus.QuantityOutOfRange;
        }

        if (byteCount != PackedByteCount(requestedQuantity))
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        if (values.Length < requestedQuantity)
        {
            return ModbusPduStatus.DestinationTooSmall;
        }

        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        quantity = requestedQuantity;
        UnpackBits(pdu.Slice(6, byteCount), values[..requestedQuantity]);
        return ModbusPduStatus.Valid;
    }

    // ---- server side: responses ----

    /// <summary>Encodes a 01/02 response carrying <paramref name="bits"/> (1..2000).</summary>
    public static bool TryEncodeReadBitsResponse(ModbusFunctionCode function, ReadOnlySpan<bool> bits, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = PackedByteCount(bits.Length);
        if (!IsReadBitsFunction(function) || bits.Length is 0 or > MaxReadBits || destination.Length < 2 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)function;
        destination[1] = (byte)byteCount;
        PackBits(bits, destination.Slice(2, byteCount));
        bytesWritten = 2 + byteCount;
        return true;
    }

    /// <summary>Encodes a 05 response (an echo of the request).</summary>
    public static bool TryEncodeWriteSingleCoilResponse(ushort address, bool value, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteSingleCoil, address, value ? CoilOn : CoilOff, destination, out bytesWritten);

    /// <summary>Encodes a 15 response.</summary>
    public static bool TryEncodeWriteMultipleCoilsResponse(ushort address, ushort quantity, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteMultipleCoils, address, quantity, destination, out bytesWritten);

    // ---- helpers ----

    private static bool IsReadBitsFunction(ModbusFunctionCode function) =>
        function is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs;

    private static void PackBits(ReadOnlySpan<bool> bits, Span<byte> destination)
    {
        destination.Clear();
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                destination[i >> 3] |= (byte)(1 << (i & 7));
            }
        }
    }

    private static void UnpackBits(ReadOnlySpan<byte> source, Span<bool> bits)
    {
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (source[i >> 3] & (1 << (i & 7))) != 0;
        }
    }
}
