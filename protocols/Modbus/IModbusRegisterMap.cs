namespace City.Protocols.Modbus;

/// <summary>
/// The registers a <see cref="ModbusTcpSlave"/> serves. Each method returns null on success or the exception
/// code to answer with (typically <see cref="ModbusExceptionCode.IllegalDataAddress"/> for an address range it
/// does not hold). Called concurrently from several connections; implementations must be thread-safe.
/// An exception thrown here is answered with <see cref="ModbusExceptionCode.ServerDeviceFailure"/> and reported
/// through <see cref="ModbusTcpSlave.ConnectionFaulted"/>.
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
}
