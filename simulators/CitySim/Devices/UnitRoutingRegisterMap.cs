using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>
/// Several devices behind one Modbus endpoint: each request goes to the register map of its unit id; an unknown unit gets
/// exception 0A (gateway path unavailable), as a gateway would answer.
/// </summary>
internal sealed class UnitRoutingRegisterMap(IReadOnlyDictionary<byte, IModbusRegisterMap> units) : IModbusRegisterMap
{
    public IEnumerable<byte> UnitIds => units.Keys;

    public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        units.TryGetValue(unitId, out var map) ? map.ReadHoldingRegisters(unitId, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        units.TryGetValue(unitId, out var map) ? map.ReadInputRegisters(unitId, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) =>
        units.TryGetValue(unitId, out var map) ? map.WriteSingleRegister(unitId, address, value) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        units.TryGetValue(unitId, out var map) ? map.WriteMultipleRegisters(unitId, address, values) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadCoils(byte unitId, ushort address, Span<bool> destination) =>
        units.TryGetValue(unitId, out var map) ? map.ReadCoils(unitId, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadDiscreteInputs(byte unitId, ushort address, Span<bool> destination) =>
        units.TryGetValue(unitId, out var map) ? map.ReadDiscreteInputs(unitId, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteCoils(byte unitId, ushort address, ReadOnlySpan<bool> values) =>
        units.TryGetValue(unitId, out var map) ? map.WriteCoils(unitId, address, values) : ModbusExceptionCode.GatewayPathUnavailable;
}
