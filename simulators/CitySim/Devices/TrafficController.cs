using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>Operating mode of a <see cref="TrafficController"/> (input register 0, holding register 100).</summary>
internal enum TrafficControllerMode : ushort
{
    Off = 0,
    Flash = 1,
    FixedTime = 2,
    Actuated = 3,
    Coordinated = 4,
    Manual = 5,
}

/// <summary>Alarm bits of a <see cref="TrafficController"/> (input registers 3-4, uint32 ABCD).</summary>
[Flags]
internal enum TrafficControllerAlarms : uint
{
    None = 0,
    LampFailure = 1 << 0,
    Conflict = 1 << 1,
    DetectorFault = 1 << 2,
    DoorOpen = 1 << 3,
    PowerFailure = 1 << 4,
    CommFailure = 1 << 5,
}

/// <summary>
/// A simulated traffic signal controller with a Modbus map (see simulators/CitySim/README.md). The model advances in
/// one-second steps: the requested mode (holding register 100) becomes the mode (input register 0) on the next step; the
/// cycle second runs through a 90-second cycle of four stages in the running modes; eight detectors count vehicles
/// arriving at random (a few hundred per hour each) and show "occupied" in the second a vehicle is over them; bus
/// priority requests arrive now and then.
/// <list type="table">
/// <item><term>input 0</term><description>mode: 0 off, 1 flash, 2 fixed time, 3 actuated, 4 coordinated, 5 manual</description></item>
/// <item><term>input 1</term><description>current stage (1-4; 0 when off or flashing)</description></item>
/// <item><term>input 2</term><description>cycle second (0-89)</description></item>
/// <item><term>input 3-4</term><description>alarm bits, uint32 ABCD</description></item>
/// <item><term>input 5-12</term><description>vehicle counts of detectors 1-8, uint16, wrapping</description></item>
/// <item><term>input 13</term><description>bus priority requests, uint16, wrapping</description></item>
/// <item><term>holding 100</term><description>requested mode, writable 0-5</description></item>
/// <item><term>coils 0-7</term><description>detector occupied now (read-only)</description></item>
/// <item><term>discrete inputs 0-3</term><description>door open, main power ok, lamps ok, cabinet temperature alarm</description></item>
/// </list>
/// </summary>
internal sealed class TrafficController : IModbusDevice, IModbusRegisterMap
{
    public const ushort ModeRegister = 0;
    public const ushort StageRegister = 1;
    public const ushort CycleSecondRegister = 2;
    public const ushort AlarmRegister = 3;
    public const ushort DetectorCountRegister = 5;
    public const ushort BusPriorityRegister = 13;
    public const int InputRegisterCount = 14;
    public const ushort RequestedModeRegister = 100;
    public const int DetectorCount = 8;
    public const int DiscreteInputCount = 4;
    public const int CycleLength = 90;

    public static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private const int MaxStepsPerUpdate = 86_400;
    private const double BusRequestsPerSecond = 1.0 / 120;

    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly double[] _arrivalRates = new double[DetectorCount];
    private readonly ushort[] _counts = new ushort[DetectorCount];
    private readonly bool[] _occupied = new bool[DetectorCount];
    private DateTimeOffset _last;
    private TrafficControllerMode _mode;
    private TrafficControllerMode _requestedMode;
    private int _cycleSecond;
    private ushort _busRequests;
    private TrafficControllerAlarms _alarms;
    private bool _temperatureAlarm;

    public TrafficController(byte unitId, DateTimeOffset start, int seed, TrafficControllerMode initialMode = TrafficControllerMode.Actuated)
    {
        UnitId = unitId;
        _last = start;
        _mode = initialMode;
        _requestedMode = initialMode;
        _random = new Random(seed);
        for (var i = 0; i < DetectorCount; i++)
        {
            // 200..900 vehicles per hour per detector.
            _arrivalRates[i] = (200 + (_random.NextDouble() * 700)) / 3600;
        }
    }

    public string Kind => "traffic-controller";

    public byte UnitId { get; }

    public IModbusRegisterMap RegisterMap => this;

    public TrafficControllerMode Mode
    {
        get
        {
            lock (_gate)
            {
                return _mode;
            }
        }
    }

    /// <summary>Sets or clears alarms (fault injection); door open, power failure and lamp failure also show on the discrete inputs.</summary>
    public void SetAlarms(TrafficControllerAlarms value, bool cabinetTemperatureAlarm = false)
    {
        lock (_gate)
        {
            _alarms = value;
            _temperatureAlarm = cabinetTemperatureAlarm;
        }
    }

    public void Update(DateTimeOffset now)
    {
        lock (_gate)
        {
            var steps = (now - _last).Ticks / Step.Ticks;
            if (steps <= 0)
            {
                return;
            }

            _last += TimeSpan.FromTicks(steps * Step.Ticks);
            for (long i = 0; i < Math.Min(steps, MaxStepsPerUpdate); i++)
            {
                Advance();
            }
        }
    }

    public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address + destination.Length > InputRegisterCount)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        Span<ushort> image = stackalloc ushort[InputRegisterCount];
        lock (_gate)
        {
            image[ModeRegister] = (ushort)_mode;
            image[StageRegister] = (ushort)Stage();
            image[CycleSecondRegister] = (ushort)_cycleSecond;
            ModbusRegisterValue.TryWriteUInt32((uint)_alarms, WordOrder.Abcd, image[AlarmRegister..]);
            _counts.CopyTo(image[DetectorCountRegister..]);
            image[BusPriorityRegister] = _busRequests;
        }

        image.Slice(address, destination.Length).CopyTo(destination);
        return null;
    }

    public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address != RequestedModeRegister || destination.Length != 1)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        lock (_gate)
        {
            destination[0] = (ushort)_requestedMode;
        }

        return null;
    }

    public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address != RequestedModeRegister)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        if (value > (ushort)TrafficControllerMode.Manual)
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        lock (_gate)
        {
            _requestedMode = (TrafficControllerMode)value;
        }

        return null;
    }

    public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
        values.Length == 1 ? WriteSingleRegister(unitId, address, values[0])
        : unitId != UnitId ? ModbusExceptionCode.GatewayPathUnavailable : ModbusExceptionCode.IllegalDataAddress;

    public ModbusExceptionCode? ReadCoils(byte unitId, ushort address, Span<bool> destination)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address + destination.Length > DetectorCount)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        lock (_gate)
        {
            _occupied.AsSpan(address, destination.Length).CopyTo(destination);
        }

        return null;
    }

    public ModbusExceptionCode? WriteCoils(byte unitId, ushort address, ReadOnlySpan<bool> values) =>
        unitId == UnitId ? ModbusExceptionCode.IllegalDataAddress : ModbusExceptionCode.GatewayPathUnavailable;

    public ModbusExceptionCode? ReadDiscreteInputs(byte unitId, ushort address, Span<bool> destination)
    {
        if (unitId != UnitId)
        {
            return ModbusExceptionCode.GatewayPathUnavailable;
        }

        if (address + destination.Length > DiscreteInputCount)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        Span<bool> inputs = stackalloc bool[DiscreteInputCount];
        lock (_gate)
        {
            inputs[0] = _alarms.HasFlag(TrafficControllerAlarms.DoorOpen);
            inputs[1] = !_alarms.HasFlag(TrafficControllerAlarms.PowerFailure);
            inputs[2] = !_alarms.HasFlag(TrafficControllerAlarms.LampFailure);
            inputs[3] = _temperatureAlarm;
        }

        inputs.Slice(address, destination.Length).CopyTo(destination);
        return null;
    }

    private int Stage() => _mode is TrafficControllerMode.Off or TrafficControllerMode.Flash ? 0 : 1 + (_cycleSecond * 4 / CycleLength);

    /// <summary>One second of the model. Called under the lock.</summary>
    private void Advance()
    {
        _mode = _requestedMode;
        _cycleSecond = _mode is TrafficControllerMode.Off or TrafficControllerMode.Flash ? 0 : (_cycleSecond + 1) % CycleLength;
        for (var i = 0; i < DetectorCount; i++)
        {
            _occupied[i] = _random.NextDouble() < _arrivalRates[i];
            if (_occupied[i])
            {
                _counts[i]++;
            }
        }

        if (_random.NextDouble() < BusRequestsPerSecond)
        {
            _busRequests++;
        }
    }
}
