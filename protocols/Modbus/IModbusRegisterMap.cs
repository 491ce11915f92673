namespace City.Protocols.Modbus;

/// <summary>
/// The registers a <see cref="ModbusTcpSlave"/> (through <see cref="ModbusRequestDispatcher"/>) serves. Each method returns null on success or the exception
/// code to answer with (typically <see cref="ModbusExceptionCode.IllegalDataAddress"/> for an address range it
/// does not hold). Called concurrently from several connections; implementations must be thread-safe.
/// An exception thrown here is answered with <see cref="ModbusExceptionCode.ServerDeviceFailure"/> and reported
/// through <see cref="ModbusTcpSlave.ConnectionFaulted"/>.
/// The methods for coils, discrete inputs, identification and server id have default implementations answering
/// <see cref="ModbusExceptionCode.IllegalFunction"/>, so a map that holds only registers need not implement them;
/// mask write and read/write multiple default to the register methods.
/// </summary>
public interface IModbusRegisterMap
{
    /// <summary>Fills <paramref name="destination"/> (1..125 registers) starting at <paramref name="address"/>.</summary>
    ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination);

    /// <summary>Fills <paramref name="destination"/> (1..125 registers) starting at <paramref name="address"/>.</summary>
    ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination);

    ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value);

    /// <summary>Writes <paramref name="values"/> (1..123 registers) starting at <paramref name="address"/>.</summary>
    ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values);

    /// <summary>Fills <paramref name="destination"/> (1..2000 coils) starting at <paramref name="address"/> (function 01).</summary>
    ModbusExceptionCode? ReadCoils(byte unitId, ushort address, Span<bool> destination) => ModbusExceptionCode.IllegalFunction;

    /// <summary>Fills <paramref name="destination"/> (1..2000 inputs) starting at <paramref name="address"/> (function 02).</summary>
    ModbusExceptionCode? ReadDiscreteInputs(byte unitId, ushort address, Span<bool> destination) => ModbusExceptionCode.IllegalFunction;

    /// <summary>Writes <paramref name="values"/> (1 coil for function 05, 1..1968 for function 15) starting at <paramref name="address"/>.</summary>
    ModbusExceptionCode? WriteCoils(byte unitId, ushort address, ReadOnlySpan<bool> values) => ModbusExceptionCode.IllegalFunction;

    /// <summary>
    /// Function 22: stores <see cref="ModbusPdu.ApplyMask"/> of the holding register. The default reads the register and
    /// writes it back with <see cref="WriteSingleRegister"/>, which is not atomic against other connections.
    /// </summary>
    ModbusExceptionCode? MaskWriteRegister(byte unitId, ushort address, ushort andMask, ushort orMask)
    {
        Span<ushort> current = stackalloc ushort[1];
        return ReadHoldingRegisters(unitId, address, current)
            ?? WriteSingleRegister(unitId, address, ModbusPdu.ApplyMask(current[0], andMask, orMask));
    }

    /// <summary>
    /// Function 23: writes <paramref name="values"/> (1..121) at <paramref name="writeAddress"/>, then fills <paramref name="destination"/>
    /// (1..125) from <paramref name="readAddress"/>. The default calls <see cref="WriteMultipleRegisters"/> then <see cref="ReadHoldingRegisters"/>.
    /// </summary>
    ModbusExceptionCode? ReadWriteMultipleRegisters(byte unitId, ushort readAddress, Span<ushort> destination, ushort writeAddress, ReadOnlySpan<ushort> values) =>
        WriteMultipleRegisters(unitId, writeAddress, values) ?? ReadHoldingRegisters(unitId, readAddress, destination);

    /// <summary>
    /// Function 43/14: the value of device identification object <paramref name="objectId"/> (0x00 VendorName, 0x01 ProductCode,
    /// 0x02 MajorMinorRevision). Answer <see cref="ModbusExceptionCode.IllegalDataAddress"/> for an object the device does not have.
    /// </summary>
    ModbusExceptionCode? ReadDeviceIdentification(byte unitId, byte objectId, out string value)
    {
        value = "";
        return ModbusExceptionCode.IllegalFunction;
    }

    /// <summary>Function 17: copies the server id (at most 250 bytes) into <paramref name="serverId"/> and reports the run indicator.</summary>
    ModbusExceptionCode? ReportServerId(byte unitId, Span<byte> serverId, out int serverIdLength, out bool isRunning)
    {
        serverIdLength = 0;
        isRunning = false;
        return ModbusExceptionCode.IllegalFunction;
    }
}
