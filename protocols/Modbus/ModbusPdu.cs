using System.Buffers.Binary;

namespace City.Protocols.Modbus;

/// <summary>
/// Encoders and decoders for the register PDUs (Modbus Application Protocol V1.1b3, 6.3, 6.4, 6.6, 6.12)
/// and exception responses (7); coils and discrete inputs, 22/23, and 17/43-14 are in the other ModbusPdu.*.cs files. Pure functions over spans: no I/O, no allocation, no exceptions on malformed input.
/// </summary>
public static partial class ModbusPdu
{
    /// <summary>Largest quantity for function 03 and 04.</summary>
    public const int MaxReadRegisters = 125;

    /// <summary>Largest quantity for function 16.</summary>
    public const int MaxWriteRegisters = 123;

    private const byte ExceptionFlag = 0x80;

    // ---- client side: requests ----

    /// <summary>Encodes a 03 or 04 request. Returns false for another function, a quantity outside 1..125 or a short destination.</summary>
    public static bool TryEncodeReadRegistersRequest(ModbusFunctionCode function, ushort address, ushort quantity, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!IsReadRegistersFunction(function) || quantity is 0 or > MaxReadRegisters || destination.Length < 5)
        {
            return false;
        }

        destination[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], quantity);
        bytesWritten = 5;
        return true;
    }

    /// <summary>Encodes a 06 request.</summary>
    public static bool TryEncodeWriteSingleRegisterRequest(ushort address, ushort value, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteSingleRegister, address, value, destination, out bytesWritten);

    /// <summary>Encodes a 16 request. Returns false for a value count outside 1..123 or a short destination.</summary>
    public static bool TryEncodeWriteMultipleRegistersRequest(ushort address, ReadOnlySpan<ushort> values, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = values.Length * 2;
        if (values.Length is 0 or > MaxWriteRegisters || destination.Length < 6 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)ModbusFunctionCode.WriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)values.Length);
        destination[5] = (byte)byteCount;
        WriteRegisters(values, destination.Slice(6, byteCount));
        bytesWritten = 6 + byteCount;
        return true;
    }

    // ---- client side: responses ----

    /// <summary>
    /// Decodes a 03/04 response into <paramref name="registers"/>, whose length is the quantity that was requested;
    /// the byte count must equal twice that quantity.
    /// </summary>
    public static ModbusPduStatus DecodeReadRegistersResponse(
        ReadOnlySpan<byte> pdu, ModbusFunctionCode function, Span<ushort> registers, out ModbusExceptionCode exceptionCode)
    {
        if (!IsReadRegistersFunction(function))
        {
            exceptionCode = default;
            return ModbusPduStatus.UnexpectedFunction;
        }

        if (registers.Length is 0 or > MaxReadRegisters)
        {
            exceptionCode = default;
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

    /// <summary>Decodes a 06 response, which must echo the request's address and value.</summary>
    public static ModbusPduStatus DecodeWriteSingleRegisterResponse(
        ReadOnlySpan<byte> pdu, ushort address, ushort value, out ModbusExceptionCode exceptionCode) =>
        DecodeAddressAndWordEcho(pdu, ModbusFunctionCode.WriteSingleRegister, address, value, out exceptionCode);

    /// <summary>Decodes a 16 response, which must echo the request's address and quantity.</summary>
    public static ModbusPduStatus DecodeWriteMultipleRegistersResponse(
        ReadOnlySpan<byte> pdu, ushort address, ushort quantity, out ModbusExceptionCode exceptionCode) =>
        DecodeAddressAndWordEcho(pdu, ModbusFunctionCode.WriteMultipleRegisters, address, quantity, out exceptionCode);

    /// <summary>
    /// True when <paramref name="pdu"/> is exactly an exception response: function with the high bit set, then one code byte.
    /// <paramref name="function"/> is returned without the high bit. Codes outside the defined set are returned as they are.
    /// </summary>
    public static bool TryDecodeExceptionResponse(ReadOnlySpan<byte> pdu, out byte function, out ModbusExceptionCode exceptionCode)
    {
        if (pdu.Length != 2 || (pdu[0] & ExceptionFlag) == 0)
        {
            function = 0;
            exceptionCode = default;
            return false;
        }

        function = (byte)(pdu[0] & ~ExceptionFlag);
        exceptionCode = (ModbusExceptionCode)pdu[1];
        return true;
    }

    // ---- server side: requests ----

    /// <summary>Decodes a 03/04 request. <see cref="ModbusPduStatus.QuantityOutOfRange"/> should be answered with exception 03.</summary>
    public static ModbusPduStatus DecodeReadRegistersRequest(
        ReadOnlySpan<byte> pdu, out ModbusFunctionCode function, out ushort address, out ushort quantity) =>
        DecodeReadRequest(pdu, ModbusFunctionCode.ReadHoldingRegisters, ModbusFunctionCode.ReadInputRegisters, MaxReadRegisters, out function, out address, out quantity);

    /// <summary>The shared shape of the 01/02/03/04 requests: function, address, quantity (1..<paramref name="maxQuantity"/>).</summary>
    private static ModbusPduStatus DecodeReadRequest(
        ReadOnlySpan<byte> pdu, ModbusFunctionCode first, ModbusFunctionCode second, int maxQuantity,
        out ModbusFunctionCode function, out ushort address, out ushort quantity)
    {
        function = default;
        address = 0;
        quantity = 0;
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        if ((ModbusFunctionCode)pdu[0] != first && (ModbusFunctionCode)pdu[0] != second)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        ModbusPduStatus status = CheckExactLength(pdu, 5);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        function = (ModbusFunctionCode)pdu[0];
        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        quantity = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        return quantity == 0 || quantity > maxQuantity ? ModbusPduStatus.QuantityOutOfRange : ModbusPduStatus.Valid;
    }

    /// <summary>Decodes a 06 request.</summary>
    public static ModbusPduStatus DecodeWriteSingleRegisterRequest(ReadOnlySpan<byte> pdu, out ushort address, out ushort value)
    {
        address = 0;
        value = 0;
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        if (pdu[0] != (byte)ModbusFunctionCode.WriteSingleRegister)
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        ModbusPduStatus status = CheckExactLength(pdu, 5);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        value = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        return ModbusPduStatus.Valid;
    }

    /// <summary>
    /// Decodes a 16 request into <paramref name="values"/> (at least 123 long to accept any valid request).
    /// <see cref="ModbusPduStatus.QuantityOutOfRange"/> and <see cref="ModbusPduStatus.ByteCountMismatch"/> should be answered with exception 03.
    /// </summary>
    public static ModbusPduStatus DecodeWriteMultipleRegistersRequest(
        ReadOnlySpan<byte> pdu, out ushort address, Span<ushort> values, out int quantity)
    {
        address = 0;
        quantity = 0;
        ModbusPduStatus prologue = CheckFunctionAndLength(pdu, (byte)ModbusFunctionCode.WriteMultipleRegisters, 6);
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

        if (requestedQuantity is 0 or > MaxWriteRegisters)
        {
            return ModbusPduStatus.QuantityOutOfRange;
        }

        if (byteCount != requestedQuantity * 2)
        {
            return ModbusPduStatus.ByteCountMismatch;
        }

        if (values.Length < requestedQuantity)
        {
            return ModbusPduStatus.DestinationTooSmall;
        }

        address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        quantity = requestedQuantity;
        ReadRegisters(pdu.Slice(6, byteCount), values[..requestedQuantity]);
        return ModbusPduStatus.Valid;
    }

    // ---- server side: responses ----

    /// <summary>Encodes a 03/04 response carrying <paramref name="registers"/> (1..125).</summary>
    public static bool TryEncodeReadRegistersResponse(ModbusFunctionCode function, ReadOnlySpan<ushort> registers, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int byteCount = registers.Length * 2;
        if (!IsReadRegistersFunction(function) || registers.Length is 0 or > MaxReadRegisters || destination.Length < 2 + byteCount)
        {
            return false;
        }

        destination[0] = (byte)function;
        destination[1] = (byte)byteCount;
        WriteRegisters(registers, destination.Slice(2, byteCount));
        bytesWritten = 2 + byteCount;
        return true;
    }

    /// <summary>Encodes a 06 response (an echo of the request).</summary>
    public static bool TryEncodeWriteSingleRegisterResponse(ushort address, ushort value, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteSingleRegister, address, value, destination, out bytesWritten);

    /// <summary>Encodes a 16 response.</summary>
    public static bool TryEncodeWriteMultipleRegistersResponse(ushort address, ushort quantity, Span<byte> destination, out int bytesWritten) =>
        TryEncodeAddressAndWord(ModbusFunctionCode.WriteMultipleRegisters, address, quantity, destination, out bytesWritten);

    /// <summary>Encodes an exception response for any function byte, including ones this library does not implement.</summary>
    public static bool TryEncodeExceptionResponse(byte function, ModbusExceptionCode exceptionCode, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < 2)
        {
            return false;
        }

        destination[0] = (byte)(function | ExceptionFlag);
        destination[1] = (byte)exceptionCode;
        bytesWritten = 2;
        return true;
    }

    // ---- helpers ----

    private static bool IsReadRegistersFunction(ModbusFunctionCode function) =>
        function is ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters;

    private static bool TryEncodeAddressAndWord(ModbusFunctionCode function, ushort address, ushort word, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < 5)
        {
            return false;
        }

        destination[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], word);
        bytesWritten = 5;
        return true;
    }

    private static ModbusPduStatus DecodeAddressAndWordEcho(
        ReadOnlySpan<byte> pdu, ModbusFunctionCode function, ushort expectedAddress, ushort expectedWord, out ModbusExceptionCode exceptionCode)
    {
        ModbusPduStatus status = CheckResponseFunction(pdu, function, out exceptionCode);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        status = CheckExactLength(pdu, 5);
        if (status != ModbusPduStatus.Valid)
        {
            return status;
        }

        bool echoes = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]) == expectedAddress
            && BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]) == expectedWord;
        return echoes ? ModbusPduStatus.Valid : ModbusPduStatus.EchoMismatch;
    }

    /// <summary>Valid when the PDU starts with the expected function; ExceptionResponse when it is that function's exception response.</summary>
    private static ModbusPduStatus CheckResponseFunction(ReadOnlySpan<byte> pdu, ModbusFunctionCode function, out ModbusExceptionCode exceptionCode)
    {
        exceptionCode = default;
        if (pdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        if (pdu[0] == (byte)function)
        {
            return ModbusPduStatus.Valid;
        }

        if (pdu[0] != ((byte)function | ExceptionFlag))
        {
            return ModbusPduStatus.UnexpectedFunction;
        }

        if (pdu.Length != 2)
        {
            return pdu.Length < 2 ? ModbusPduStatus.Truncated : ModbusPduStatus.TrailingBytes;
        }

        exceptionCode = (ModbusExceptionCode)pdu[1];
        return ModbusPduStatus.ExceptionResponse;
    }

    /// <summary>The opening checks of every request decoder: a function code, the expected one, and at least <paramref name="minimumLength"/> bytes.</summary>
    private static ModbusPduStatus CheckFunctionAndLength(ReadOnlySpan<byte> pdu, byte function, int minimumLength) =>
        pdu.IsEmpty ? ModbusPduStatus.Truncated
        : pdu[0] != function ? ModbusPduStatus.UnexpectedFunction
        : pdu.Length < minimumLength ? ModbusPduStatus.Truncated
        : ModbusPduStatus.Valid;

    private static ModbusPduStatus CheckExactLength(ReadOnlySpan<byte> pdu, int expectedLength) =>
        pdu.Length < expectedLength ? ModbusPduStatus.Truncated
        : pdu.Length > expectedLength ? ModbusPduStatus.TrailingBytes
        : ModbusPduStatus.Valid;

    private static void ReadRegisters(ReadOnlySpan<byte> source, Span<ushort> registers)
    {
        for (int i = 0; i < registers.Length; i++)
        {
            registers[i] = BinaryPrimitives.ReadUInt16BigEndian(source[(i * 2)..]);
        }
    }

    private static void WriteRegisters(ReadOnlySpan<ushort> registers, Span<byte> destination)
    {
        for (int i = 0; i < registers.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(i * 2)..], registers[i]);
        }
    }
}
