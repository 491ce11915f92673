using City.Protocols.Modbus;

namespace City.Sim.Devices;

/// <summary>
/// A simulated three-phase energy meter with the input-register layout of the Eastron SDM630 (float32, big-endian
/// words, function 04), which the edge's <c>sdm630</c> profile reads. Per phase: voltage around 230 V, a current that
/// follows its own load profile, a power factor of 0.90-0.99 and the active power V x I x PF; the import energy (kWh)
/// integrates the total power over time. Registers of the layout that are not simulated read 0.
/// </summary>
internal sealed class ThreePhaseMeter : IModbusDevice
{
    public const ushort VoltageL1Address = 0x0000;
    public const ushort CurrentL1Address = 0x0006;
    public const ushort PowerL1Address = 0x000C;
    public const ushort PowerFactorL1Address = 0x001E;
    public const ushort TotalPowerAddress = 0x0034;
    public const ushort FrequencyAddress = 0x0046;
    public const ushort ImportEnergyAddress = 0x0048;
    public const ushort ExportEnergyAddress = 0x004A;
    public const ushort TotalEnergyAddress = 0x0156;
    public const int RegisterCount = TotalEnergyAddress + 2;

    private readonly SnapshotRegisterMap _registers;
    private readonly Random _random;
    private readonly DateTimeOffset _start;
    private readonly double[] _baseCurrent = new double[3];
    private readonly double[] _phaseOffset = new double[3];
    private DateTimeOffset _last;
    private double _importKwh;

    public ThreePhaseMeter(byte unitId, DateTimeOffset start, int seed, double initialImportKwh = 12_345.6)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialImportKwh);
        UnitId = unitId;
        _start = start;
        _last = start;
        _importKwh = initialImportKwh;
        _random = new Random(seed);
        for (var phase = 0; phase < 3; phase++)
        {
            _baseCurrent[phase] = 10 + (_random.NextDouble() * 20);
            _phaseOffset[phase] = _random.NextDouble() * 2 * Math.PI;
        }
        _registers = new SnapshotRegisterMap(unitId, RegisterCount, holdingCount: 0);
        Values = Sample(0);
        Publish();
    }

    public string Kind => "three-phase-meter";

    public byte UnitId { get; }

    public IModbusRegisterMap RegisterMap => _registers;

    public ThreePhaseValues Values { get; private set; }

    public void Update(DateTimeOffset now)
    {
        if (now <= _last)
        {
            return;
        }

        // The power is held over the interval since the last update (the host ticks once a second).
        _importKwh += Values.TotalPower * (now - _last).TotalHours / 1000;
        _last = now;
        Values = Sample((now - _start).TotalSeconds);
        Publish();
    }

    /// <summary>Writes <paramref name="values"/> into the SDM630 input-register layout.</summary>
    public static void Encode(ThreePhaseValues values, Span<ushort> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, RegisterCount);
        for (var phase = 0; phase < 3; phase++)
        {
            Write(values.Voltage[phase], destination, VoltageL1Address + (2 * phase));
            Write(values.Current[phase], destination, CurrentL1Address + (2 * phase));
            Write(values.Power[phase], destination, PowerL1Address + (2 * phase));
            Write(values.PowerFactor[phase], destination, PowerFactorL1Address + (2 * phase));
        }

        Write(values.TotalPower, destination, TotalPowerAddress);
        Write(values.Frequency, destination, FrequencyAddress);
        Write(values.ImportKwh, destination, ImportEnergyAddress);
        Write(0f, destination, ExportEnergyAddress);
        Write(values.ImportKwh, destination, TotalEnergyAddress);
    }

    private static void Write(float value, Span<ushort> destination, int address) =>
        ModbusRegisterValue.TryWriteFloat32(value, WordOrder.Abcd, destination[address..]);

    private ThreePhaseValues Sample(double seconds)
    {
        var voltage = new float[3];
        var current = new float[3];
        var power = new float[3];
        var powerFactor = new float[3];
        for (var phase = 0; phase < 3; phase++)
        {
            var noise = (_random.NextDouble() * 2) - 1;
            var v = Math.Round(230 + (1.5 * Math.Sin((2 * Math.PI * seconds / 900) + _phaseOffset[phase])) + (0.05 * noise), 2);
            var load = 1 + (0.4 * Math.Sin((2 * Math.PI * seconds / 600) + _phaseOffset[phase]));
            var i = Math.Round(Math.Max(0.1, _baseCurrent[phase] * load), 2);
            var pf = Math.Clamp(Math.Round(0.945 + (0.035 * Math.Sin((2 * Math.PI * seconds / 1200) + _phaseOffset[phase])), 2), 0.90, 0.99);
            voltage[phase] = (float)v;
            current[phase] = (float)i;
            powerFactor[phase] = (float)pf;
            power[phase] = (float)Math.Round(v * i * pf, 1);
        }

        var frequency = (float)Math.Round(50 + (0.02 * Math.Sin(2 * Math.PI * seconds / 300)), 2);
        return new ThreePhaseValues(voltage, current, power, powerFactor, (float)Math.Round(power.Sum(p => (double)p), 1), frequency, (float)Math.Round(_importKwh, 1));
    }

    private void Publish()
    {
        Span<ushort> image = new ushort[RegisterCount];
        Encode(Values, image);
        _registers.Publish(image, []);
    }
}

/// <summary>What a <see cref="ThreePhaseMeter"/> shows at one instant; arrays are indexed by phase (L1 = 0).</summary>
internal sealed record ThreePhaseValues(
    IReadOnlyList<float> Voltage,
    IReadOnlyList<float> Current,
    IReadOnlyList<float> Power,
    IReadOnlyList<float> PowerFactor,
    float TotalPower,
    float Frequency,
    float ImportKwh);
