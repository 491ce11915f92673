using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>
/// A simulated Modbus device: a model that the host advances with the clock, and the registers it serves.
/// New device kinds (DALI gateways, traffic controllers, ...) implement this and get a command that wires them.
/// </summary>
internal interface IModbusDevice
{
    /// <summary>Short kind name used in logs and listening lines ("meter").</summary>
    string Kind { get; }

    byte UnitId { get; }

    IModbusRegisterMap RegisterMap { get; }

    /// <summary>Advances the model to <paramref name="now"/> and refreshes the registers. Called from one thread at a time.</summary>
    void Update(DateTimeOffset now);
}
