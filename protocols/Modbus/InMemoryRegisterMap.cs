using System.Collections.Concurrent;

namespace City.Protocols.Modbus;

/// <summary>
/// Thread-safe register map holding holding registers, input registers, coils and discrete inputs per unit, plus
/// optional device identification strings (43/14) and server id (17). A unit without identification or server id
/// answers those functions with <see cref="ModbusExceptionCode.IllegalFunction"/>.
/// Requests for a unit that was not added are answered with <see cref="ModbusExceptionCode.GatewayPathUnavailable"/>;
/// requests beyond a unit's arrays with <see cref="ModbusExceptionCode.IllegalDataAddress"/>.
/// </summary>
public sealed class InMemoryRegisterMap : IModbusRegisterMap
{
    private const int AddressSpace = 65536;

    private readonly ConcurrentDictionary<byte, UnitRegisters> _units = new();

    /// <summary>Adds a unit with zeroed registers at addresses 0..count-1.</summary>
    public void AddUnit(byte unitId, int holdingRegisterCount, int inputRegisterCount) =>
        AddUnit(unitId, holdingRegisterCount, inputRegisterCount, coilCount: 0, discreteInputCount: 0);

    /// <summary>Adds a unit with zeroed registers and bits at addresses 0..count-1.</summary>
    public void AddUnit(byte unitId, int holdingRegisterCount, int inputRegisterCount, int coilCount, int discreteInputCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(holdingRegisterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(holdingRegisterCount, AddressSpace);
        ArgumentOutOfRangeException.ThrowIfNegative(inputRegisterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputRegisterCount, AddressSpace);
        ArgumentOutOfRangeException.ThrowIfNegative(coilCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(coilCount, AddressSpace);
        ArgumentOutOfRangeException.ThrowIfNegative(discreteInputCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(discreteInputCount, AddressSpace);

        var unit = new UnitRegisters(new ushort[holdingRegisterCount], new ushort[inputRegisterCount], new bool[coilCount], new bool[discreteInputCount]);
        if (!_units.TryAdd(unitId, unit))
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

    public void SetCoils(byte unitId, ushort address, ReadOnlySpan<bool> values)
    {
        UnitRegisters unit = Unit(unitId);
        ThrowIfOutOfRange(unit.Write(unit.Coils, address, values), unitId, address, values.Length);
    }

    public void SetDiscreteInputs(byte unitId, ushort address, ReadOnlySpan<bool> values)
    {
        UnitRegisters unit = Unit(unitId);
        ThrowIfOutOfRange(unit.Write(unit.DiscreteInputs, address, values), unitId, address, values.Length);
    }

    public bool[] GetCoils(byte unitId, ushort address, int count)
    {
        bool[] values = new bool[count];
        UnitRegisters unit = Unit(unitId);
        ThrowIfOutOfRange(unit.Read(unit.Coils, address, values), unitId, address, count);
        return values;
    }

    public bool[] GetDiscreteInputs(byte unitId, ushort address, int count)
    {
        bool[] values = new bool[count];
        UnitRegisters unit = Unit(unitId);
        ThrowIfOutOfRange(unit.Read(unit.DiscreteInputs, address, values), unitId, address, count);
        return values;
    }

    /// <summary>
    /// Sets the basic device identification objects (43/14) of a unit; ASCII, at most 244 characters each (one object per
    /// response). When together they do not fit one response the slave answers with "more follows".
    /// </summary>
    public void SetDeviceIdentification(byte unitId, string vendorName, string productCode, string majorMinorRevision)
    {
        const int maxLength = MbapHeader.MaxPduLength - 9;
        ArgumentNullException.ThrowIfNull(vendorName);
        ArgumentNullException.ThrowIfNull(productCode);
        ArgumentNullException.ThrowIfNull(majorMinorRevision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vendorName.Length, maxLength, nameof(vendorName));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(productCode.Length, maxLength, nameof(productCode));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(majorMinorRevision.Length, maxLength, nameof(majorMinorRevision));

        Unit(unitId).Identification = [vendorName, productCode, majorMinorRevision];
    }

    /// <summary>Sets what function 17 answers for a unit: <paramref name="serverId"/> (at most 250 bytes) and the run indicator.</summary>
    public void SetServerId(byte unitId, ReadOnlySpan<byte> serverId, bool isRunning)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serverId.Length, ModbusPdu.MaxServerIdLength, nameof(serverId));
        Unit(unitId).ServerId = new ServerIdentity(serverId.ToArray(), isRunning);
    }

    public ModbusExceptionCode? ReadCoils(byte unitId, ushort address, Span<bool> destination) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit) ? unit.Read(unit.Coils, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadDiscreteInputs(byte unitId, ushort address, Span<bool> destination) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit) ? unit.Read(unit.DiscreteInputs, address, destination) : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? WriteCoils(byte unitId, ushort address, ReadOnlySpan<bool> values) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit) ? unit.Write(unit.Coils, address, values) : ModbusExceptionCode.GatewayPathUnavailable;

    /// <summary>Function 22, atomic against other connections.</summary>
    public ModbusExceptionCode? MaskWriteRegister(byte unitId, ushort address, ushort andMask, ushort orMask) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit) ? unit.MaskWrite(address, andMask, orMask) : ModbusExceptionCode.GatewayPathUnavailable;

    /// <summary>Function 23, atomic against other connections: the write happens before the read, and nothing in between.</summary>
    public ModbusExceptionCode? ReadWriteMultipleRegisters(byte unitId, ushort readAddress, Span<ushort> destination, ushort writeAddress, ReadOnlySpan<ushort> values) =>
        _units.TryGetValue(unitId, out UnitRegisters? unit)
            ? unit.WriteThenRead(writeAddress, values, readAddress, destination)
            : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadDeviceIdentification(byte unitId, byte objectId, out string value)
    {
        value = "";
        if (!_units.TryGetValue(unitId, out UnitRegisters? unit))
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        string[]? identification = unit.Identification;
        if (identification is null)
        {
            return ModbusExceptionCode.IllegalFunction;
        }

        if (objectId >= identification.Length)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        value = identification[objectId];
        return null;
    }

    public ModbusExceptionCode? ReportServerId(byte unitId, Span<byte> serverId, out int serverIdLength, out bool isRunning)
    {
        serverIdLength = 0;
        isRunning = false;
        if (!_units.TryGetValue(unitId, out UnitRegisters? unit))
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (unit.ServerId is not ServerIdentity identity)
        {
            return ModbusExceptionCode.IllegalFunction;
        }

        identity.Id.CopyTo(serverId);
        serverIdLength = identity.Id.Length;
        isRunning = identity.IsRunning;
        return null;
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
            throw new ArgumentOutOfRangeException(nameof(address), $"Addresses {address}..{address + count - 1} are outside unit {unitId}.");
        }
    }

    private enum RegisterTable
    {
        Holding,
        Input,
    }

    private sealed record ServerIdentity(byte[] Id, bool IsRunning);

    private sealed class UnitRegisters(ushort[] holding, ushort[] input, bool[] coils, bool[] discreteInputs)
    {
        private readonly Lock _gate = new();

        public bool[] Coils => coils;

        public bool[] DiscreteInputs => discreteInputs;

        public string[]? Identification { get; set; }

        public ServerIdentity? ServerId { get; set; }

        public ModbusExceptionCode? Read(RegisterTable table, ushort address, Span<ushort> destination) =>
            Read(table == RegisterTable.Holding ? holding : input, address, destination);

        public ModbusExceptionCode? Write(RegisterTable table, ushort address, ReadOnlySpan<ushort> values) =>
            Write(table == RegisterTable.Holding ? holding : input, address, values);

        public ModbusExceptionCode? Read<T>(T[] table, ushort address, Span<T> destination)
        {
            if (address + destination.Length > table.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                table.AsSpan(address, destination.Length).CopyTo(destination);
            }

            return null;
        }

        public ModbusExceptionCode? Write<T>(T[] table, ushort address, ReadOnlySpan<T> values)
        {
            if (address + values.Length > table.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                values.CopyTo(table.AsSpan(address, values.Length));
            }

            return null;
        }

        public ModbusExceptionCode? MaskWrite(ushort address, ushort andMask, ushort orMask)
        {
            if (address >= holding.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                holding[address] = ModbusPdu.ApplyMask(holding[address], andMask, orMask);
            }

            return null;
        }

        public ModbusExceptionCode? WriteThenRead(ushort writeAddress, ReadOnlySpan<ushort> values, ushort readAddress, Span<ushort> destination)
        {
            if (writeAddress + values.Length > holding.Length || readAddress + destination.Length > holding.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            lock (_gate)
            {
                values.CopyTo(holding.AsSpan(writeAddress, values.Length));
                holding.AsSpan(readAddress, destination.Length).CopyTo(destination);
            }

            return null;
        }
    }
}
