using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>
/// Read-only registers of one unit, replaced as a whole by the device model so that a client never reads
/// half of an update. Input and holding tables are separate arrays. Writes are refused with exception 02
/// (the registers are measurements); another unit id gets exception 0A, like <see cref="InMemoryRegisterMap"/>.
/// </summary>
internal sealed class SnapshotRegisterMap(byte unitId, int inputCount, int holdingCount) : IModbusRegisterMap
{
    private Tables _tables = new(new ushort[inputCount], new ushort[holdingCount]);

    public byte UnitId { get; } = unitId;

    /// <summary>Replaces both tables at once (the arrays are copied).</summary>
    public void Publish(ReadOnlySpan<ushort> input, ReadOnlySpan<ushort> holding) =>
        Volatile.Write(ref _tables, new Tables(input.ToArray(), holding.ToArray()));

    public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        Read(unitId, Volatile.Read(ref _tables).Input, address, destination);

    public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) =>
        Read(unitId, Volatile.Read(ref _tables).Holding, address, destination);

    public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) =>
        unitId == UnitId ? ModbusExceptionCode.IllegalDataAddress : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        unitId == UnitId ? ModbusExceptionCode.IllegalDataAddress : ModbusExceptionCode.GatewayPathUnavailable;

    private ModbusExceptionCode? Read(byte unitId, ushort[] table, ushort address, Span<ushort> destination)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address + destination.Length > table.Length)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        table.AsSpan(address, destination.Length).CopyTo(destination);
        return null;
    }

    private sealed record Tables(ushort[] Input, ushort[] Holding);
}
