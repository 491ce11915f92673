namespace City.Protocols.Modbus;

/// <summary>
/// A Modbus master (client) whatever the framing: <see cref="ModbusTcpClient"/> (MBAP over TCP) and
/// <see cref="ModbusRtuMaster"/> (RTU on a serial line). Failures: <see cref="ModbusException"/> for an exception response
/// (after busy retries), <see cref="ModbusTimeoutException"/> for silence, <see cref="ModbusProtocolException"/> for a
/// malformed or mismatched answer (after retries), and <see cref="IOException"/> for a broken transport.
/// </summary>
public interface IModbusMaster
{
    /// <summary>Function 03: 1..125 holding registers.</summary>
    Task<ushort[]> ReadHoldingRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default);

    /// <summary>Function 03: <c>destination.Length</c> (1..125) holding registers into <paramref name="destination"/>.</summary>
    Task ReadHoldingRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default);

    /// <summary>Function 04: 1..125 input registers.</summary>
    Task<ushort[]> ReadInputRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default);

    /// <summary>Function 04: <c>destination.Length</c> (1..125) input registers into <paramref name="destination"/>.</summary>
    Task ReadInputRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default);

    /// <summary>Function 01: 1..2000 coils.</summary>
    Task<bool[]> ReadCoilsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default);

    /// <summary>Function 02: 1..2000 discrete inputs.</summary>
    Task<bool[]> ReadDiscreteInputsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default);

    /// <summary>Function 06.</summary>
    Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken = default);

    /// <summary>Function 16: 1..123 registers.</summary>
    Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default);

    /// <summary>Function 05.</summary>
    Task WriteSingleCoilAsync(byte unit, ushort address, bool value, CancellationToken cancellationToken = default);

    /// <summary>Function 15: 1..1968 coils.</summary>
    Task WriteMultipleCoilsAsync(byte unit, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default);

    /// <summary>Function 22: the register becomes (current AND <paramref name="andMask"/>) OR (<paramref name="orMask"/> AND NOT <paramref name="andMask"/>).</summary>
    Task MaskWriteRegisterAsync(byte unit, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken = default);

    /// <summary>Function 23: writes 1..121 <paramref name="values"/>, then reads 1..125 registers, in one transaction.</summary>
    Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unit, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default);

    /// <summary>Function 17: the server id bytes and the run indicator.</summary>
    Task<ModbusServerIdentification> ReportServerIdAsync(byte unit, CancellationToken cancellationToken = default);

    /// <summary>Function 43/14: device identification objects (stream access follows "more follows").</summary>
    Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(
        byte unit, ModbusReadDeviceIdCode readDeviceIdCode = ModbusReadDeviceIdCode.Basic, byte objectId = 0, CancellationToken cancellationToken = default);
}
