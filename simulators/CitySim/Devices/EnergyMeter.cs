using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>What an <see cref="EnergyMeter"/> shows at one instant (values as stored in its registers).</summary>
internal readonly record struct EnergyMeterValues(float Voltage, float Current, float ActivePower, float PowerFactor, ulong EnergyWh, ushort Status);

/// <summary>
/// A simulated energy meter. Voltage wanders slowly around 230 V, the current follows a load profile
/// varying over minutes, the power factor stays within 0.90-0.99, and the energy counter integrates the
/// active power over time (fractional Wh kept internally). The register layout is fixed: the edge's
/// default configuration relies on it. Input registers (04) and holding registers (03) hold the same values,
/// big-endian (ABCD) words:
/// <list type="table">
/// <item><term>0-1</term><description>voltage, float32 V, 0.01</description></item>
/// <item><term>2-3</term><description>current, float32 A, 0.01</description></item>
/// <item><term>4-5</term><description>active power, float32 W (= V x I x PF), 0.1</description></item>
/// <item><term>6-7</term><description>power factor, float32, 0.01</description></item>
/// <item><term>8-11</term><description>energy, uint64 Wh</description></item>
/// <item><term>12</term><description>status, uint16 (0 = ok)</description></item>
/// </list>
/// </summary>
internal sealed class EnergyMeter : IModbusDevice
{
    public const ushort VoltageAddress = 0;
    public const ushort CurrentAddress = 2;
    public const ushort ActivePowerAddress = 4;
    public const ushort PowerFactorAddress = 6;
    public const ushort EnergyAddress = 8;
    public const ushort StatusAddress = 12;
    public const int RegisterCount = 13;

    /// <summary>The model's integration step: the power is held constant over at most this long.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);

    private const int MaxStepsPerUpdate = 86_400;

    private readonly SnapshotRegisterMap _registers;
    private readonly Random _random;
    private readonly DateTimeOffset _start;
    private readonly double _baseCurrent;
    private readonly double _phase1;
    private readonly double _phase2;
    private readonly double _phase3;
    private DateTimeOffset _last;
    private double _voltageNoise;
    private double _currentNoise;
    private double _energyWh;

    public EnergyMeter(byte unitId, DateTimeOffset start, int seed, double initialEnergyWh = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialEnergyWh);
        UnitId = unitId;
        _start = start;
        _last = start;
        _energyWh = initialEnergyWh;
        _random = new Random(seed);
        _baseCurrent = 8 + (_random.NextDouble() * 12);
        _phase1 = _random.NextDouble() * 2 * Math.PI;
        _phase2 = _random.NextDouble() * 2 * Math.PI;
        _phase3 = _random.NextDouble() * 2 * Math.PI;
        _registers = new SnapshotRegisterMap(unitId, RegisterCount, RegisterCount);
        Values = Sample(0);
        Publish();
    }

    public string Kind => "meter";

    public byte UnitId { get; }

    public IModbusRegisterMap RegisterMap => _registers;

    /// <summary>The values currently in the registers.</summary>
    public EnergyMeterValues Values { get; private set; }

    /// <summary>The energy counter with its fraction (the register holds the whole Wh).</summary>
    public double EnergyWh => _energyWh;

    public void Update(DateTimeOffset now)
    {
        if (now <= _last)
        {
            return;
        }

        // Steps of one second; a very long jump (a suspended machine, a fake clock) uses fewer, longer steps.
        var step = MaxStep;
        if ((now - _last).Ticks / MaxStep.Ticks > MaxStepsPerUpdate)
        {
            step = TimeSpan.FromTicks((now - _last).Ticks / MaxStepsPerUpdate);
        }

        while (_last < now)
        {
            var dt = now - _last < step ? now - _last : step;
            _energyWh += Values.ActivePower * dt.TotalHours;
            _last += dt;
            Values = Sample((_last - _start).TotalSeconds);
        }

        Publish();
    }

    /// <summary>Writes <paramref name="values"/> into the 13 registers of the layout (ABCD words).</summary>
    public static void Encode(EnergyMeterValues values, Span<ushort> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, RegisterCount);
        ModbusRegisterValue.TryWriteFloat32(values.Voltage, WordOrder.Abcd, destination[VoltageAddress..]);
        ModbusRegisterValue.TryWriteFloat32(values.Current, WordOrder.Abcd, destination[CurrentAddress..]);
        ModbusRegisterValue.TryWriteFloat32(values.ActivePower, WordOrder.Abcd, destination[ActivePowerAddress..]);
        ModbusRegisterValue.TryWriteFloat32(values.PowerFactor, WordOrder.Abcd, destination[PowerFactorAddress..]);
        ModbusRegisterValue.TryWriteUInt64(values.EnergyWh, WordOrder.Abcd, destination[EnergyAddress..]);
        destination[StatusAddress] = values.Status;
    }

    private EnergyMeterValues Sample(double seconds)
    {
        // Slow noise: a damped random walk, so consecutive seconds differ by a few hundredths.
        _voltageNoise = (0.98 * _voltageNoise) + (0.05 * ((_random.NextDouble() * 2) - 1));
        _currentNoise = (0.9 * _currentNoise) + (0.03 * ((_random.NextDouble() * 2) - 1));
        var voltage = Math.Round(230 + (1.5 * Math.Sin((2 * Math.PI * seconds / 900) + _phase1)) + _voltageNoise, 2);

        // Load profile: a 10-minute swing and a faster 137-second ripple.
        var load = 1 + (0.4 * Math.Sin((2 * Math.PI * seconds / 600) + _phase2)) + (0.15 * Math.Sin((2 * Math.PI * seconds / 137) + _phase3));
        var current = Math.Round(Math.Max(0.1, (_baseCurrent * load) + _currentNoise), 2);
        var powerFactor = Math.Clamp(Math.Round(0.945 + (0.035 * Math.Sin((2 * Math.PI * seconds / 1200) + _phase3)), 2), 0.90, 0.99);
        var power = Math.Round(voltage * current * powerFactor, 1);
        return new EnergyMeterValues((float)voltage, (float)current, (float)power, (float)powerFactor, (ulong)Math.Floor(_energyWh), Status: 0);
    }

    private void Publish()
    {
        Values = Values with { EnergyWh = (ulong)Math.Floor(_energyWh) };
        Span<ushort> image = stackalloc ushort[RegisterCount];
        Encode(Values, image);
        _registers.Publish(image, image);
    }
}
