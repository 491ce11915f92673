using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>
/// One simulated DALI LED driver (IEC 62386-102 control gear, device type 6) with D4i memory banks (1, 202 energy, 205-207 diagnostics; see DaliSimGear.MemoryBanks):
/// arc power with fades, min/max/power-on/system-failure levels, groups, scenes, the random-address commissioning state
/// machine, DTR0/1/2, memory banks, and faults (lamp failure, not answering). Time comes from the line's clock.
/// </summary>
internal sealed partial class DaliSimGear
{
    public const byte DeviceTypeLed = 6;
    public const byte VersionDali2 = 0x08;
    private const uint NoRandomAddress = 0xFFFFFF;
    private static readonly TimeSpan InitialiseDuration = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan UpDownDuration = TimeSpan.FromMilliseconds(200);

    private readonly byte[] _scenes = new byte[16];
    private readonly byte[] _bank0 = new byte[0x1B];
    private readonly byte[] _bank202 = new byte[0x10];
    private byte _fadeStartLevel;
    private byte _targetLevel;
    private TimeSpan _fadeStart;
    private TimeSpan _fadeDuration;
    private TimeSpan _initialisedUntil;
    private bool _bank202Latched;
    private bool _writeEnabled;
    private TimeSpan _energyIntegratedTo;
    private double _energyWh;

    public DaliSimGear(int index, byte? shortAddress, uint randomAddress, DaliPowerModel power, TimeSpan now, double timeScale = 1)
    {
        ArgumentNullException.ThrowIfNull(power);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeScale, 1);
        Index = index;
        ShortAddress = shortAddress;
        RandomAddress = randomAddress & NoRandomAddress;
        Power = power;
        TimeScale = timeScale;
        _energyIntegratedTo = now;
        ResetVariables();
        PowerCycleSeen = true;
        _targetLevel = _fadeStartLevel = PowerOnLevel;
        LastActiveLevel = PowerOnLevel;
        InitialiseMemoryBanks(now);
        _bank202[0] = 0x0F;
        _bank202[D4iEnergy.LatchOffset] = 0xFF;
        _bank202[D4iEnergy.VersionOffset] = 0x01;
    }

    /// <summary>Position on the line (for logs); not a DALI address.</summary>
    public int Index { get; }

    public byte? ShortAddress { get; set; }

    public uint RandomAddress { get; set; }

    public ushort Groups { get; set; }

    public double RatedWatts => Power.RatedWatts;

    public DaliPowerModel Power { get; }

    /// <summary>How much faster than real time this gear's clock runs (the line's --time-scale); protocol timers stay real.</summary>
    public double TimeScale { get; }

    public byte MaxLevel { get; private set; }

    public byte MinLevel { get; private set; }

    public byte PhysicalMinimum { get; } = 1;

    public byte PowerOnLevel { get; private set; }

    public byte SystemFailureLevel { get; private set; }

    public byte FadeTime { get; private set; }

    public byte FadeRate { get; private set; }

    public byte Dtr0 { get; private set; }

    public byte Dtr1 { get; private set; }

    public byte Dtr2 { get; private set; }

    public uint SearchAddress { get; private set; } = NoRandomAddress;

    public bool Withdrawn { get; private set; }

    public byte LastActiveLevel { get; private set; }

    public bool ResetState { get; private set; }

    public bool PowerCycleSeen { get; private set; }

    public bool LimitError { get; private set; }

    /// <summary>Fault: the lamp is broken (the gear answers, reports lamp failure, draws standby power only).</summary>
    public bool LampFailure { get; set; }

    /// <summary>Fault: the gear neither reacts nor answers.</summary>
    public bool Silent { get; set; }

    /// <summary>IDENTIFY DEVICE commands received (the lamp would blink).</summary>
    public int IdentifyCount { get; private set; }

    public byte SceneLevel(int scene) => _scenes[scene];

    public bool IsInitialised(TimeSpan now) => now < _initialisedUntil;

    public byte ActualLevel(TimeSpan now)
    {
        if (_fadeDuration <= TimeSpan.Zero || now >= _fadeStart + _fadeDuration)
        {
            return _targetLevel;
        }

        double progress = (now - _fadeStart) / _fadeDuration;
        return (byte)Math.Round(_fadeStartLevel + ((_targetLevel - _fadeStartLevel) * progress));
    }

    public bool FadeRunning(TimeSpan now) => _fadeDuration > TimeSpan.Zero && now < _fadeStart + _fadeDuration && _targetLevel != _fadeStartLevel;

    public bool LampOn(TimeSpan now) => !LampFailure && ActualLevel(now) > 0;

    /// <summary>Input power at the current level, from the power model (DALI log curve, driver efficiency, standby).</summary>
    public double PowerWatts(TimeSpan now) => Power.InputWatts(ActualLevel(now), LampFailure);

    /// <summary>Active energy in Wh, integrated up to <paramref name="now"/>.</summary>
    public double EnergyWh(TimeSpan now)
    {
        Integrate(now);
        return _energyWh;
    }

    public DaliGearStatus Status(TimeSpan now)
    {
        var status = DaliGearStatus.None;
        if (LampFailure)
        {
            status |= DaliGearStatus.LampFailure;
        }

        if (LampOn(now))
        {
            status |= DaliGearStatus.LampOn;
        }

        if (LimitError)
        {
            status |= DaliGearStatus.LimitError;
        }

        if (FadeRunning(now))
        {
            status |= DaliGearStatus.FadeRunning;
        }

        if (ResetState)
        {
            status |= DaliGearStatus.ResetState;
        }

        if (ShortAddress is null)
        {
            status |= DaliGearStatus.ShortAddressMissing;
        }

        if (PowerCycleSeen)
        {
            status |= DaliGearStatus.PowerCycleSeen;
        }

        return status;
    }

    /// <summary>The line lost power: the gear goes to its system failure level (MASK keeps the level).</summary>
    public void BusPowerLost(TimeSpan now)
    {
        if (SystemFailureLevel != DaliGear.Mask)
        {
            GoTo(SystemFailureLevel, now, TimeSpan.Zero);
        }
    }

    private void GoTo(byte level, TimeSpan now, TimeSpan fade)
    {
        Integrate(now);
        CountHours(now);
        bool wasOn = LampOn(now);
        byte target = level;
        LimitError = false;
        if (target != 0)
        {
            if (target > MaxLevel)
            {
                target = MaxLevel;
                LimitError = true;
            }
            else if (target < MinLevel)
            {
                target = MinLevel;
                LimitError = true;
            }

            LastActiveLevel = target;
        }

        _fadeStartLevel = ActualLevel(now);
        _targetLevel = target;
        _fadeStart = now;
        _fadeDuration = fade;
        PowerCycleSeen = false;
        CountStart(wasOn);
    }

    private void ClampToLimits(TimeSpan now)
    {
        byte actual = ActualLevel(now);
        if (actual != 0 && (actual > MaxLevel || actual < MinLevel))
        {
            GoTo(actual, now, TimeSpan.Zero);
        }
    }

    /// <summary>Integrates power since the last step at the mid-point level (exact while the level holds).</summary>
    private void Integrate(TimeSpan now)
    {
        if (now <= _energyIntegratedTo)
        {
            return;
        }

        var middle = _energyIntegratedTo + ((now - _energyIntegratedTo) / 2);
        _energyWh += PowerWatts(middle) * (now - _energyIntegratedTo).TotalHours;
        _energyIntegratedTo = now;
    }

    /// <summary>Fade time code n: 0 = no fade, else 0.5 * sqrt(2^n) seconds.</summary>
    private TimeSpan FadeTimeDuration() => FadeTime == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(0.5 * Math.Sqrt(Math.Pow(2, FadeTime)));

    /// <summary>Fade rate code n: 506 / sqrt(2^n) steps per second, for 200 ms.</summary>
    private int FadeRateSteps() => Math.Max(1, (int)Math.Round(506 / Math.Sqrt(Math.Pow(2, FadeRate)) * UpDownDuration.TotalSeconds));

    private void ResetVariables()
    {
        MaxLevel = 254;
        MinLevel = PhysicalMinimum;
        PowerOnLevel = 254;
        SystemFailureLevel = 254;
        FadeTime = 0;
        FadeRate = 7;
        Groups = 0;
        Array.Fill(_scenes, DaliGear.Mask);
        SearchAddress = NoRandomAddress;
        ResetState = true;
    }
}
