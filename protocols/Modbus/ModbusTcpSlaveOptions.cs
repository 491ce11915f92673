namespace City.Protocols.Modbus;

/// <summary>Options of <see cref="ModbusTcpSlave"/>: fault injection for tests and simulators, and its clock.</summary>
public sealed class ModbusTcpSlaveOptions
{
    /// <summary>
    /// Fault injection: silent units (the request is read and dropped, the connection stays open), busy and exception answers,
    /// slow answers. <see cref="ModbusFaults.CrcErrorProbability"/> does not apply to TCP and must be 0. Default none.
    /// </summary>
    public ModbusFaults Faults { get; init; } = ModbusFaults.None;

    /// <summary>Clock for <see cref="ModbusFaults.ResponseDelay"/>; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
