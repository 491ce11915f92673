using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>
/// One simulated DALI LED driver (IEC 62386-102 control gear, device type 6) with D4i energy reporting (memory bank 202):
/// arc power with fades, min/max/power-on/system-failure levels, groups, scenes, the random-address commissioning state
/// machine, DTR0/1/2, memory banks, and faults (lamp failure, not answering). Time comes from the line's clock.
/// </summary>
internal sealed class DaliSimGear
{
    public const byte DeviceTypeLed = 6;
    public const byte VersionDali2 = 0x08;
    public const double StandbyWatts = 0.3;
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

    public DaliSimGear(int index, byte? shortAddress, uint randomAddress, double ratedWatts, TimeSpan now)
    {
        Index = index;
        ShortAddress = shortAddress;
        RandomAddress = randomAddress & NoRandomAddress;
        RatedWatts = ratedWatts;
        _energyIntegratedTo = now;
        ResetVariables();
        PowerCycleSeen = true;
        _targetLevel = _fadeStartLevel = PowerOnLevel;
        LastActiveLevel = PowerOnLevel;
        _bank0[0] = (byte)(_bank0.Length - 1); // last accessible location
        _bank0[2] = 202; // last accessible memory bank
        _bank202[0] = 0x0F;
        _bank202[D4iEnergy.LatchOffset] = 0xFF;
        _bank202[D4iEnergy.VersionOffset] = 0x01;
    }

    /// <summary>Position on the line (for logs); not a DALI address.</summary>
    public int Index { get; }

    public byte? ShortAddress { get; set; }

    public uint RandomAddress { get; set; }

    public ushort Groups { get; set; }

    public double RatedWatts { get; }

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

    /// <summary>Input power at the current level: the DALI logarithmic dimming curve (0.1 % at level 1, 100 % at 254) plus standby.</summary>
    public double PowerWatts(TimeSpan now)
    {
        byte level = ActualLevel(now);
        if (LampFailure || level == 0)
        {
            return StandbyWatts;
        }

        double lightFraction = Math.Pow(10, ((level - 1) / (253.0 / 3.0)) - 1) / 100.0;
        return StandbyWatts + (RatedWatts * lightFraction);
    }

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

    /// <summary>
    /// Reacts to one forward frame. <paramref name="secondOfPair"/> is true when the same frame came twice within 100 ms
    /// with nothing in between (configuration commands act only then). Returns the backward frame, or null.
    /// </summary>
    public byte? Receive(DaliForwardFrame frame, bool secondOfPair, Func<uint> drawRandomAddress, TimeSpan now)
    {
        if (Silent || frame.Bits != 16)
        {
            return null;
        }

        byte first = frame.AddressByte;
        byte data = frame.LastByte;
        if (DaliSpecialOpcode.IsSpecial(first))
        {
            return Special(first, data, secondOfPair, drawRandomAddress, now);
        }

        if (!DaliAddress.TryParse(first, out var address, out bool isCommand) || !address.Addresses(ShortAddress, Groups))
        {
            return null;
        }

        if (!isCommand)
        {
            _writeEnabled = false;
            DirectArcPower(data, now);
            return null;
        }

        if (data != DaliOpcode.EnableWriteMemory)
        {
            _writeEnabled = false;
        }

        if (DaliOpcode.IsSendTwice(data))
        {
            if (secondOfPair)
            {
                Configure(data, now);
            }

            return null;
        }

        return data < 0x20 ? ArcPower(data, now) : Query(data, now);
    }

    private void DirectArcPower(byte level, TimeSpan now)
    {
        if (level == DaliGear.Mask)
        {
            byte actual = ActualLevel(now);
            GoTo(actual, now, TimeSpan.Zero);
            return;
        }

        GoTo(level, now, FadeTimeDuration());
    }

    private byte? ArcPower(byte opcode, TimeSpan now)
    {
        byte actual = ActualLevel(now);
        switch (opcode)
        {
            case DaliOpcode.Off:
                GoTo(0, now, TimeSpan.Zero);
                break;
            case DaliOpcode.Up when actual > 0:
                GoTo((byte)Math.Min(MaxLevel, actual + FadeRateSteps()), now, UpDownDuration);
                break;
            case DaliOpcode.Down when actual > 0:
                GoTo((byte)Math.Max(MinLevel, actual - FadeRateSteps()), now, UpDownDuration);
                break;
            case DaliOpcode.StepUp when actual > 0 && actual < MaxLevel:
                GoTo((byte)(actual + 1), now, TimeSpan.Zero);
                break;
            case DaliOpcode.StepDown when actual > MinLevel:
                GoTo((byte)(actual - 1), now, TimeSpan.Zero);
                break;
            case DaliOpcode.RecallMaxLevel:
                GoTo(MaxLevel, now, TimeSpan.Zero);
                break;
            case DaliOpcode.RecallMinLevel:
                GoTo(MinLevel, now, TimeSpan.Zero);
                break;
            case DaliOpcode.StepDownAndOff when actual > 0:
                GoTo(actual <= MinLevel ? (byte)0 : (byte)(actual - 1), now, TimeSpan.Zero);
                break;
            case DaliOpcode.OnAndStepUp:
                GoTo(actual == 0 ? MinLevel : (byte)Math.Min(MaxLevel, actual + 1), now, TimeSpan.Zero);
                break;
            case DaliOpcode.GoToLastActiveLevel:
                GoTo(LastActiveLevel, now, FadeTimeDuration());
                break;
            case >= DaliOpcode.GoToScene and < DaliOpcode.GoToScene + 16 when _scenes[opcode - DaliOpcode.GoToScene] != DaliGear.Mask:
                GoTo(_scenes[opcode - DaliOpcode.GoToScene], now, FadeTimeDuration());
                break;
        }

        return null;
    }

    private void Configure(byte opcode, TimeSpan now)
    {
        switch (opcode)
        {
            case DaliOpcode.Reset:
                ResetVariables();
                RandomAddress = NoRandomAddress;
                GoTo(254, now, TimeSpan.Zero);
                break;
            case DaliOpcode.StoreActualLevelInDtr0:
                Dtr0 = ActualLevel(now);
                break;
            case DaliOpcode.IdentifyDevice:
                IdentifyCount++;
                break;
            case DaliOpcode.SetMaxLevel:
                MaxLevel = Math.Clamp(Dtr0, Math.Max(MinLevel, PhysicalMinimum), (byte)254);
                ClampToLimits(now);
                ResetState = false;
                break;
            case DaliOpcode.SetMinLevel:
                MinLevel = Math.Clamp(Dtr0, PhysicalMinimum, MaxLevel);
                ClampToLimits(now);
                ResetState = false;
                break;
            case DaliOpcode.SetSystemFailureLevel:
                SystemFailureLevel = Dtr0;
                ResetState = false;
                break;
            case DaliOpcode.SetPowerOnLevel:
                PowerOnLevel = Dtr0;
                ResetState = false;
                break;
            case DaliOpcode.SetFadeTime:
                FadeTime = Math.Min(Dtr0, (byte)15);
                ResetState = false;
                break;
            case DaliOpcode.SetFadeRate:
                FadeRate = Math.Clamp(Dtr0, (byte)1, (byte)15);
                ResetState = false;
                break;
            case >= DaliOpcode.SetScene and < DaliOpcode.SetScene + 16:
                _scenes[opcode - DaliOpcode.SetScene] = Dtr0;
                ResetState = false;
                break;
            case >= DaliOpcode.RemoveFromScene and < DaliOpcode.RemoveFromScene + 16:
                _scenes[opcode - DaliOpcode.RemoveFromScene] = DaliGear.Mask;
                break;
            case >= DaliOpcode.AddToGroup and < DaliOpcode.AddToGroup + 16:
                Groups |= (ushort)(1 << (opcode - DaliOpcode.AddToGroup));
                ResetState = false;
                break;
            case >= DaliOpcode.RemoveFromGroup and < DaliOpcode.RemoveFromGroup + 16:
                Groups &= (ushort)~(1 << (opcode - DaliOpcode.RemoveFromGroup));
                break;
            case DaliOpcode.SetShortAddress:
                if (Dtr0 == 0xFF)
                {
                    ShortAddress = null;
                }
                else if ((Dtr0 & 1) == 1 && (Dtr0 >> 1) <= DaliAddress.MaxShortAddress)
                {
                    ShortAddress = (byte)(Dtr0 >> 1);
                }

                break;
            case DaliOpcode.EnableWriteMemory:
                _writeEnabled = true;
                break;
        }
    }

    private byte? Query(byte opcode, TimeSpan now) => opcode switch
    {
        DaliOpcode.QueryStatus => (byte)Status(now),
        DaliOpcode.QueryControlGearPresent => Yes,
        DaliOpcode.QueryLampFailure => YesIf(LampFailure),
        DaliOpcode.QueryLampPowerOn => YesIf(LampOn(now)),
        DaliOpcode.QueryLimitError => YesIf(LimitError),
        DaliOpcode.QueryResetState => YesIf(ResetState),
        DaliOpcode.QueryMissingShortAddress => YesIf(ShortAddress is null),
        DaliOpcode.QueryVersionNumber => VersionDali2,
        DaliOpcode.QueryContentDtr0 => Dtr0,
        DaliOpcode.QueryContentDtr1 => Dtr1,
        DaliOpcode.QueryContentDtr2 => Dtr2,
        DaliOpcode.QueryDeviceType => DeviceTypeLed,
        DaliOpcode.QueryPhysicalMinimum => PhysicalMinimum,
        DaliOpcode.QueryPowerFailure => YesIf(PowerCycleSeen),
        DaliOpcode.QueryOperatingMode => 0,
        DaliOpcode.QueryActualLevel => ActualLevel(now),
        DaliOpcode.QueryMaxLevel => MaxLevel,
        DaliOpcode.QueryMinLevel => MinLevel,
        DaliOpcode.QueryPowerOnLevel => PowerOnLevel,
        DaliOpcode.QuerySystemFailureLevel => SystemFailureLevel,
        DaliOpcode.QueryFadeTimeFadeRate => (byte)((FadeTime << 4) | FadeRate),
        DaliOpcode.QueryExtendedFadeTime => 0,
        DaliOpcode.QueryControlGearFailure => null,
        >= DaliOpcode.QuerySceneLevel and < DaliOpcode.QuerySceneLevel + 16 => _scenes[opcode - DaliOpcode.QuerySceneLevel],
        DaliOpcode.QueryGroups0To7 => (byte)Groups,
        DaliOpcode.QueryGroups8To15 => (byte)(Groups >> 8),
        DaliOpcode.QueryRandomAddressH => (byte)(RandomAddress >> 16),
        DaliOpcode.QueryRandomAddressM => (byte)(RandomAddress >> 8),
        DaliOpcode.QueryRandomAddressL => (byte)RandomAddress,
        DaliOpcode.ReadMemoryLocation => ReadMemory(now),
        _ => null,
    };

    private byte? Special(byte opcode, byte data, bool secondOfPair, Func<uint> drawRandomAddress, TimeSpan now)
    {
        bool initialised = IsInitialised(now);
        bool selected = initialised && RandomAddress == SearchAddress;
        switch (opcode)
        {
            case DaliSpecialOpcode.Terminate:
                _initialisedUntil = TimeSpan.Zero;
                Withdrawn = false;
                return null;
            case DaliSpecialOpcode.Dtr0:
                Dtr0 = data;
                return null;
            case DaliSpecialOpcode.Dtr1:
                Dtr1 = data;
                return null;
            case DaliSpecialOpcode.Dtr2:
                Dtr2 = data;
                return null;
            case DaliSpecialOpcode.Initialise when secondOfPair:
                bool mine = data switch
                {
                    0x00 => true,
                    0xFF => ShortAddress is null,
                    _ => (data & 1) == 1 && ShortAddress == data >> 1,
                };
                if (mine)
                {
                    _initialisedUntil = now + InitialiseDuration;
                    Withdrawn = false;
                }

                return null;
            case DaliSpecialOpcode.Randomise when secondOfPair && initialised:
                RandomAddress = drawRandomAddress() & NoRandomAddress;
                return null;
            case DaliSpecialOpcode.Compare:
                return initialised && !Withdrawn && RandomAddress <= SearchAddress ? Yes : null;
            case DaliSpecialOpcode.Withdraw:
                if (selected)
                {
                    Withdrawn = true;
                }

                return null;
            case DaliSpecialOpcode.SearchAddressH:
                SearchAddress = (SearchAddress & 0x00FFFF) | ((uint)data << 16);
                return null;
            case DaliSpecialOpcode.SearchAddressM:
                SearchAddress = (SearchAddress & 0xFF00FF) | ((uint)data << 8);
                return null;
            case DaliSpecialOpcode.SearchAddressL:
                SearchAddress = (SearchAddress & 0xFFFF00) | data;
                return null;
            case DaliSpecialOpcode.ProgramShortAddress when selected:
                if (data == 0xFF)
                {
                    ShortAddress = null;
                }
                else if ((data & 1) == 1 && (data >> 1) <= DaliAddress.MaxShortAddress)
                {
                    ShortAddress = (byte)(data >> 1);
                }

                return null;
            case DaliSpecialOpcode.VerifyShortAddress:
                return initialised && (data & 1) == 1 && ShortAddress == data >> 1 ? Yes : null;
            case DaliSpecialOpcode.QueryShortAddress:
                return selected ? (ShortAddress is byte a ? DaliSpecial.ShortAddressData(a) : (byte)0xFF) : null;
            case DaliSpecialOpcode.WriteMemoryLocation:
            case DaliSpecialOpcode.WriteMemoryLocationNoReply:
                byte? written = WriteMemory(data, now);
                return opcode == DaliSpecialOpcode.WriteMemoryLocation ? written : null;
            default:
                return null;
        }
    }

    private byte? ReadMemory(TimeSpan now)
    {
        byte[]? bank = Dtr1 switch
        {
            0 => _bank0,
            D4iEnergy.ActiveBank => _bank202,
            _ => null,
        };
        if (bank is null || Dtr0 >= bank.Length)
        {
            return null;
        }

        if (bank == _bank202 && Dtr0 == D4iEnergy.EnergyScaleOffset && !_bank202Latched)
        {
            // Without a latch, a read sequence that starts at the energy scale takes its own snapshot.
            Snapshot(now);
        }

        byte value = bank[Dtr0];
        Dtr0++;
        return value;
    }

    private byte? WriteMemory(byte value, TimeSpan now)
    {
        if (!_writeEnabled || Dtr1 != D4iEnergy.ActiveBank || Dtr0 != D4iEnergy.LatchOffset)
        {
            return null;
        }

        if (value == D4iEnergy.LatchValue)
        {
            Snapshot(now);
            _bank202Latched = true;
        }
        else
        {
            _bank202Latched = false;
        }

        _bank202[D4iEnergy.LatchOffset] = value;
        Dtr0++;
        return value;
    }

    /// <summary>Energy in whole Wh (scale 0), power in 0.1 W (scale -1).</summary>
    private void Snapshot(TimeSpan now)
    {
        D4iEnergy.EncodeScaled((ulong)EnergyWh(now), 0, _bank202.AsSpan(D4iEnergy.EnergyScaleOffset), 6);
        D4iEnergy.EncodeScaled((ulong)Math.Round(PowerWatts(now) * 10), -1, _bank202.AsSpan(D4iEnergy.PowerScaleOffset), 4);
    }

    private void GoTo(byte level, TimeSpan now, TimeSpan fade)
    {
        Integrate(now);
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

    private const byte Yes = 0xFF;

    private static byte? YesIf(bool condition) => condition ? Yes : null;
}
