using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>IEC 62386-102 commands addressed to the gear: direct arc power, arc power commands, configuration (send-twice) and queries.</summary>
internal sealed partial class DaliSimGear
{
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
        DaliOpcode.QueryActualLevel => LampFailure ? DaliGear.Mask : ActualLevel(now), // IEC 62386-102: MASK while the lamp has failed
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

    private const byte Yes = 0xFF;

    private static byte? YesIf(bool condition) => condition ? Yes : null;
}
