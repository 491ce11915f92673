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

    private readonly Lock gate = new();
    private readonly Random random;
    private readonly double[] arrivalRates = new double[DetectorCount];
    private readonly ushort[] counts = new ushort[DetectorCount];
    private readonly bool[] occupied = new bool[DetectorCount];
    private DateTimeOffset last;
    private TrafficControllerMode mode;
    private TrafficControllerMode requestedMode;
    private int cycleSecond;
    private ushort busRequests;
    private TrafficControllerAlarms alarms;
    private bool temperatureAlarm;

    public TrafficController(byte unitId, DateTimeOffset start, int seed, TrafficControllerMode initialMode = TrafficControllerMode.Actuated)
    {
        UnitId = unitId;
        last = start;
        mode = initialMode;
        requestedMode = initialMode;
        random = new Random(seed);
        for (var i = 0; i < DetectorCount; i++)
        {
            // 200..900 vehicles per hour per detector.
            arrivalRates[i] = (200 + (random.NextDouble() * 700)) / 3600;
        }
    }

    public string Kind => "traffic-controller";

    public byte UnitId { get; }

    public IModbusRegisterMap RegisterMap => this;

    public TrafficControllerMode Mode
    {
        get
        {
            lock (gate)
            {
                return mode;
            }
        }
    }

    /// <summary>Sets or clears alarms (fault injection); door open, power failure and lamp failure also show on the discrete inputs.</summary>
    public void SetAlarms(TrafficControllerAlarms value, bool cabinetTemperatureAlarm = false)
    {
        lock (gate)
        {
            alarms = value;
            temperatureAlarm = cabinetTemperatureAlarm;
        }
    }

    public void Update(DateTimeOffset now)
    {
        lock (gate)
        {
            var steps = (now - last).Ticks / Step.Ticks;
            if (steps <= 0)
            {
                return;
            }

            last += TimeSpan.FromTicks(steps * Step.Ticks);
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
        lock (gate)
        {
            image[ModeRegister] = (ushort)mode;
            image[StageRegister] = (ushort)Stage();
            image[CycleSecondRegister] = (ushort)cycleSecond;
            ModbusRegisterValue.TryWriteUInt32((uint)alarms, WordOrder.Abcd, image[AlarmRegister..]);
            counts.CopyTo(image[DetectorCountRegister..]);
            image[BusPriorityRegister] = busRequests;
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

        lock (gate)
        {
            destination[0] = (ushort)requestedMode;
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

        lock (gate)
        {
            requestedMode = (TrafficControllerMode)value;
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

        lock (gate)
        {
            occupied.AsSpan(address, destination.Length).CopyTo(destination);
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
        lock (gate)
        {
            inputs[0] = alarms.HasFlag(TrafficControllerAlarms.DoorOpen);
            inputs[1] = !alarms.HasFlag(TrafficControllerAlarms.PowerFailure);
            inputs[2] = !alarms.HasFlag(TrafficControllerAlarms.LampFailure);
            inputs[3] = temperatureAlarm;
        }

        inputs.Slice(address, destination.Length).CopyTo(destination);
        return null;
    }

    private int Stage() => mode is TrafficControllerMode.Off or TrafficControllerMode.Flash ? 0 : 1 + (cycleSecond * 4 / CycleLength);

    /// <summary>One second of the model. Called under the lock.</summary>
    private void Advance()
    {
        mode = requestedMode;
        cycleSecond = mode is TrafficControllerMode.Off or TrafficControllerMode.Flash ? 0 : (cycleSecond + 1) % CycleLength;
        for (var i = 0; i < DetectorCount; i++)
        {
            occupied[i] = random.NextDouble() < arrivalRates[i];
            if (occupied[i])
            {
                counts[i]++;
            }
        }

        if (random.NextDouble() < BusRequestsPerSecond)
        {
            busRequests++;
        }
    }
}
