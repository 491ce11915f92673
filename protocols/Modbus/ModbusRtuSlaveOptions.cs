namespace City.Protocols.Modbus;

/// <summary>Options of <see cref="ModbusRtuSlave"/>: the units it answers for, line timing, and fault injection for tests and simulators.</summary>
public sealed class ModbusRtuSlaveOptions
{
    /// <summary>Unit ids (1..247) this slave answers for; the register map decides what each unit holds. Requests for other units are ignored.</summary>
    public IReadOnlyCollection<byte> UnitIds { get; init; } = [1];

    /// <summary>
    /// Character time and t3.5 of the line. Null: the serial settings' timing (<see cref="ModbusRtuSlave.Open"/>) or 19200 baud 8E1
    /// for a stream.
    /// </summary>
    public ModbusRtuTiming? Timing { get; init; }

    /// <summary>
    /// Silence after which a partial frame is discarded (end of frame / resynchronisation). Null: t3.5 of <see cref="Timing"/>.
    /// Raise it on a non-real-time line (a pseudo-terminal, a USB adapter) where a frame can arrive in pieces.
    /// </summary>
    public TimeSpan? FrameSilence { get; init; }

    /// <summary>
    /// Wire-timing mode: before answering, wait <see cref="ModbusRtuTiming.WireTime"/> of the request and response at the
    /// configured baud, so that a master on a pseudo-terminal (which moves bytes instantly) sees the speed of a real line.
    /// </summary>
    public bool WireTiming { get; init; }

    /// <summary>Fault injection: silent units, busy and exception answers, slow answers, corrupted CRCs. Default none.</summary>
    public ModbusFaults Faults { get; init; } = ModbusFaults.None;

    /// <summary>Clock for frame silence, wire timing and the fault delay; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
