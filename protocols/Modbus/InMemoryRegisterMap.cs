using System.Collections.Concurrent;

namespace City.Protocols.Modbus;

/// <summary>
/// Thread-safe register map holding a holding-register and an input-register array per unit.
/// Requests for a unit that was not added are answered with <see cref="ModbusExceptionCode.GatewayPathUnavailable"/>;
/// requests beyond a unit's arrays with <see cref="ModbusExceptionCode.IllegalDataAddress"/>.
/// </summary>
public sealed class InMemoryRegisterMap : IModbusRegisterMap
{
    private const int AddressSpace = 65536;

    private readonly ConcurrentDictionary<byte, UnitRegisters> _units = new();

    /// <summary>Adds a unit with zeroed registers at addresses 0..count-1.</summary>
    public void AddUnit(byte unitId, int holdingRegisterCount, int inputRegisterCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(holdingRegisterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(holdingRegisterCount, AddressSpace);
        ArgumentOutOfRangeException.ThrowIfNegative(inputRegisterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputRegisterCount, AddressSpace);

        if (!_units.TryAdd(unitId, new UnitRegisters(new ushort[holdingRegisterCount], new ushort[inputRegisterCount])))
        {
            throw new InvalidOperationException($"Unit {unitId} already exists.");
        }
    }

    public void SetHoldingRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        ThrowIfOutOfRange(Unit(unitId).Write(RegisterTable.Holding, address, values), unitId, address, values.Length);

    public void SetInputRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        ThrowIfOutOfRange(Unit(unitId).Write(RegisterTable.Input, address, values), unitId, address, values.Length);

    public ushort[] GetHoldingRegisters(byte unitId, ushort address, int count)
    {
        ushort[] values = new ushort[count];
        ThrowIfOutOfRange(Unit(unitId).Read(RegisterTable.Holding, address, values), unitId, address, count);
        return values;
    }

    public ushort[] GetInputRegisters(byte unitId, ushort address, int count)
    {
        ushort[] values = new ushort[count];
        ThrowIfOutOfRange(Unit(unitId).Read(RegisterTable.Input, address, values), unitId, address, count);
        return values;
    }

    public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit)
            ? unit.Read(RegisterTable.Holding, address, destination)
            : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit)
            ? unit.Read(RegisterTable.Input, address, destination)
            : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) =>
        WriteMultipleRegisters(unitId, address, [value]);

    public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit)
            ? unit.Write(RegisterTable.Holding, address, values)
            : ModbusExceptionCode.GatewayPathUnavailable;

    private UnitRegisters Unit(byte unitId) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit) ? unit : throw new ArgumentException($"Unit {unitId} was not added.", nameof(unitId));

    private static void ThrowIfOutOfRange(ModbusExceptionCode? result, byte unitId, ushort address, int count)
    {
        if (result is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"Registers {address}..{address + count - 1} are outside unit {unitId}.");
        }
    }

    private enum RegisterTable
    {
        Holding,
        Input,
    }

    private sealed class UnitRegisters(ushort[] holding, ushort[] input)
    {
        private readonly Lock _gate = new();

        public ModbusExceptionCode? Read(RegisterTable table, ushort address, Span<ushort> destination)
        {
            ushort[] registers = table == RegisterTable.Holding ? holding : input;
            if (address + destination.Length > registers.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                registers.AsSpan(address, destination.Length).CopyTo(destination);
            }

            return null;
        }

        public ModbusExceptionCode? Write(RegisterTable table, ushort address, ReadOnlySpan<ushort> values)
        {
            ushort[] registers = table == RegisterTable.Holding ? holding : input;
            if (address + values.Length > registers.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                values.CopyTo(registers.AsSpan(address, values.Length));
            }

            return null;
        }
    }
}
