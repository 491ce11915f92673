namespace City.Protocols.Modbus;

/// <summary>
/// Turns one request PDU into its response PDU against an <see cref="IModbusRegisterMap"/>, independent of the transport
/// (TCP today, RTU later). Unknown functions and MEI types are answered with exception 01, out-of-range quantities,
/// byte counts and values with exception 03, a register map that throws with exception 04.
/// </summary>
public static class ModbusRequestDispatcher
{
    /// <summary>
    /// Writes the response PDU (data or exception) for <paramref name="requestPdu"/> into <paramref name="responsePdu"/>
    /// (at least <see cref="MbapHeader.MaxPduLength"/> bytes). Returns <see cref="ModbusPduStatus.Valid"/> when a response was
    /// written, otherwise the reason the request is malformed (truncated, trailing bytes); such a request gets no response and
    /// the transport should resynchronise (TCP: close the connection). An exception thrown by <paramref name="map"/> is
    /// answered with exception 04 and passed to <paramref name="mapFaulted"/>.
    /// </summary>
    public static ModbusPduStatus Dispatch(
        byte unitId, ReadOnlySpan<byte> requestPdu, IModbusRegisterMap map, Span<byte> responsePdu, out int responseLength,
        Action<Exception>? mapFaulted = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(responsePdu.Length, MbapHeader.MaxPduLength, nameof(responsePdu));
        responseLength = 0;
        if (requestPdu.IsEmpty)
        {
            return ModbusPduStatus.Truncated;
        }

        try
        {
            return DispatchCore(unitId, requestPdu, map, responsePdu, out responseLength);
        }
        catch (Exception ex)
        {
            // The codec does not throw; whatever did came from the register map.
            mapFaulted?.Invoke(ex);
            return WriteException(requestPdu[0], ModbusExceptionCode.ServerDeviceFailure, responsePdu, out responseLength);
        }
    }

    /// <summary>
    /// Convenience form: the response PDU length, or -1 when the request is malformed and must not be answered.
    /// </summary>
    public static int Dispatch(byte unitId, ReadOnlySpan<byte> requestPdu, IModbusRegisterMap map, Span<byte> responsePdu) =>
        Dispatch(unitId, requestPdu, map, responsePdu, out int responseLength) == ModbusPduStatus.Valid ? responseLength : -1;

    private static ModbusPduStatus DispatchCore(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength) =>
        (ModbusFunctionCode)request[0] switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs => ReadBits(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters => ReadRegisters(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.WriteSingleCoil => WriteSingleCoil(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.WriteSingleRegister => WriteSingleRegister(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.WriteMultipleCoils => WriteMultipleCoils(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.WriteMultipleRegisters => WriteMultipleRegisters(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.ReportServerId => ReportServerId(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.MaskWriteRegister => MaskWriteRegister(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.ReadWriteMultipleRegisters => ReadWriteMultipleRegisters(unitId, request, map, response, out responseLength),
            ModbusFunctionCode.EncapsulatedInterfaceTransport => EncapsulatedInterfaceTransport(unitId, request, map, response, out responseLength),
            _ => WriteException(request[0], ModbusExceptionCode.IllegalFunction, response, out responseLength),
        };

    private static ModbusPduStatus ReadBits(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeReadBitsRequest(request, out ModbusFunctionCode function, out ushort address, out ushort quantity);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        Span<bool> bits = stackalloc bool[ModbusPdu.MaxReadBits];
        bits = bits[..quantity];
        ModbusExceptionCode? failure = function == ModbusFunctionCode.ReadCoils
            ? map.ReadCoils(unitId, address, bits)
            : map.ReadDiscreteInputs(unitId, address, bits);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeReadBitsResponse(function, bits, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus ReadRegisters(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeReadRegistersRequest(request, out ModbusFunctionCode function, out ushort address, out ushort quantity);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        Span<ushort> registers = stackalloc ushort[ModbusPdu.MaxReadRegisters];
        registers = registers[..quantity];
        ModbusExceptionCode? failure = function == ModbusFunctionCode.ReadHoldingRegisters
            ? map.ReadHoldingRegisters(unitId, address, registers)
            : map.ReadInputRegisters(unitId, address, registers);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeReadRegistersResponse(function, registers, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus WriteSingleCoil(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeWriteSingleCoilRequest(request, out ushort address, out bool value);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        ModbusExceptionCode? failure = map.WriteCoils(unitId, address, [value]);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeWriteSingleCoilResponse(address, value, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus WriteSingleRegister(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeWriteSingleRegisterRequest(request, out ushort address, out ushort value);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        ModbusExceptionCode? failure = map.WriteSingleRegister(unitId, address, value);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeWriteSingleRegisterResponse(address, value, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus WriteMultipleCoils(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        Span<bool> values = stackalloc bool[ModbusPdu.MaxWriteCoils];
        ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleCoilsRequest(request, out ushort address, values, out int quantity);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        ModbusExceptionCode? failure = map.WriteCoils(unitId, address, values[..quantity]);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeWriteMultipleCoilsResponse(address, (ushort)quantity, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus WriteMultipleRegisters(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        Span<ushort> values = stackalloc ushort[ModbusPdu.MaxWriteRegisters];
        ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleRegistersRequest(request, out ushort address, values, out int quantity);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        ModbusExceptionCode? failure = map.WriteMultipleRegisters(unitId, address, values[..quantity]);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeWriteMultipleRegistersResponse(address, (ushort)quantity, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus ReportServerId(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeReportServerIdRequest(request);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        Span<byte> serverId = stackalloc byte[ModbusPdu.MaxServerIdLength];
        ModbusExceptionCode? failure = map.ReportServerId(unitId, serverId, out int serverIdLength, out bool isRunning);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        if (serverIdLength is < 0 or > ModbusPdu.MaxServerIdLength)
        {
            throw new InvalidOperationException($"{map.GetType().Name}.ReportServerId returned a server id length of {serverIdLength}.");
        }

        ModbusPdu.TryEncodeReportServerIdResponse(serverId[..serverIdLength], isRunning, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus MaskWriteRegister(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        ModbusPduStatus status = ModbusPdu.DecodeMaskWriteRegisterRequest(request, out ushort address, out ushort andMask, out ushort orMask);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        ModbusExceptionCode? failure = map.MaskWriteRegister(unitId, address, andMask, orMask);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeMaskWriteRegisterResponse(address, andMask, orMask, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus ReadWriteMultipleRegisters(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        Span<ushort> values = stackalloc ushort[ModbusPdu.MaxReadWriteWriteRegisters];
        ModbusPduStatus status = ModbusPdu.DecodeReadWriteMultipleRegistersRequest(
            request, out ushort readAddress, out ushort readQuantity, out ushort writeAddress, values, out int writeQuantity);
        if (status != ModbusPduStatus.Valid)
        {
            return RefuseMalformed(request[0], status, response, out responseLength);
        }

        Span<ushort> registers = stackalloc ushort[ModbusPdu.MaxReadWriteReadRegisters];
        registers = registers[..readQuantity];
        ModbusExceptionCode? failure = map.ReadWriteMultipleRegisters(unitId, readAddress, registers, writeAddress, values[..writeQuantity]);
        if (failure is not null)
        {
            return WriteException(request[0], failure.Value, response, out responseLength);
        }

        ModbusPdu.TryEncodeReadWriteMultipleRegistersResponse(registers, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    /// <summary>Function 43: only MEI type 14, Read Device Identification; other MEI types get exception 01.</summary>
    private static ModbusPduStatus EncapsulatedInterfaceTransport(byte unitId, ReadOnlySpan<byte> request, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        if (request.Length >= 2 && request[1] != ModbusPdu.MeiReadDeviceIdentification)
        {
            return WriteException(request[0], ModbusExceptionCode.IllegalFunction, response, out responseLength);
        }

        ModbusPduStatus status = ModbusPdu.DecodeReadDeviceIdentificationRequest(request, out ModbusReadDeviceIdCode code, out byte objectId);
        return status == ModbusPduStatus.Valid
            ? ReadDeviceIdentification(unitId, code, objectId, map, response, out responseLength)
            : RefuseMalformed(request[0], status, response, out responseLength);
    }

    /// <summary>A request that decoded with a verdict: out-of-range fields are answered (exception 03), broken framing is not.</summary>
    private static ModbusPduStatus RefuseMalformed(byte function, ModbusPduStatus status, Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        return status is ModbusPduStatus.QuantityOutOfRange or ModbusPduStatus.ByteCountMismatch or ModbusPduStatus.InvalidValue
            ? WriteException(function, ModbusExceptionCode.IllegalDataValue, response, out responseLength)
            : status;
    }

    /// <summary>
    /// Basic category only (objects 0x00..0x02). Stream access (codes 1..3) starts at <paramref name="objectId"/>, or at 0x00
    /// when that is not a basic object, and always fits one PDU unless the strings are very long (then "more follows").
    /// Individual access (code 4) answers the one object, exception 02 when it is not a basic object.
    /// </summary>
    private static ModbusPduStatus ReadDeviceIdentification(
        byte unitId, ModbusReadDeviceIdCode code, byte objectId, IModbusRegisterMap map, Span<byte> response, out int responseLength)
    {
        const int basicObjectCount = 3;
        bool individual = code == ModbusReadDeviceIdCode.Individual;
        if (objectId >= basicObjectCount)
        {
            if (individual)
            {
                return WriteException((byte)ModbusFunctionCode.EncapsulatedInterfaceTransport, ModbusExceptionCode.IllegalDataAddress, response, out responseLength);
            }

            objectId = 0;
        }

        int last = individual ? objectId : basicObjectCount - 1;
        var objects = new ModbusDeviceObject[last - objectId + 1];
        for (int id = objectId; id <= last; id++)
        {
            ModbusExceptionCode? failure = map.ReadDeviceIdentification(unitId, (byte)id, out string value);
            if (failure is not null)
            {
                return WriteException((byte)ModbusFunctionCode.EncapsulatedInterfaceTransport, failure.Value, response, out responseLength);
            }

            objects[id - objectId] = new ModbusDeviceObject((byte)id, value ?? "");
        }

        if (!ModbusPdu.TryEncodeReadDeviceIdentificationResponse(
            code, ModbusPdu.ConformityBasicStreamAndIndividual, objects, response, out responseLength, out _))
        {
            throw new InvalidOperationException($"{map.GetType().Name}.ReadDeviceIdentification returned a value longer than one response can carry.");
        }

        return ModbusPduStatus.Valid;
    }

    private static ModbusPduStatus WriteException(byte function, ModbusExceptionCode exceptionCode, Span<byte> response, out int responseLength)
    {
        ModbusPdu.TryEncodeExceptionResponse(function, exceptionCode, response, out responseLength);
        return ModbusPduStatus.Valid;
    }
}
