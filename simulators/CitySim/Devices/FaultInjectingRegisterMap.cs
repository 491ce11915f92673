using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>
/// Wraps a device's registers and answers a share of the requests with exception 04 (server device failure),
/// as a flaky device does. <paramref name="sample"/> returns a uniform number in [0, 1); it must be thread-safe.
/// </summary>
internal sealed class FaultInjectingRegisterMap(IModbusRegisterMap inner, double failRate, Func<double>? sample = null) : IModbusRegisterMap
{
    private readonly Func<double> _sample = sample ?? Random.Shared.NextDouble;
    private long _injectedFailures;

    public long InjectedFailures => Interlocked.Read(ref _injectedFailures);

    public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        Fail() ?? inner.ReadHoldingRegisters(unitId, address, destination);

    public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        Fail() ?? inner.ReadInputRegisters(unitId, address, destination);

    public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) =>
        Fail() ?? inner.WriteSingleRegister(unitId, address, value);

    public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        Fail() ?? inner.WriteMultipleRegisters(unitId, address, values);

    private ModbusExceptionCode? Fail()
    {
        if (failRate > 0 && _sample() < failRate)
        {
            Interlocked.Increment(ref _injectedFailures);
            return ModbusExceptionCode.ServerDeviceFailure;
        }

        return null;
    }
}
