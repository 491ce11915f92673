using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>
/// Memory banks: 0 (the driver's identity), 1 (DALI part 251 luminaire data), 202 (part 252 energy), 205-207 (part 253
/// diagnostics and maintenance). Reads, the latch of banks 202/205/206 (a consistent snapshot), the lock byte of banks 1
/// and 207. Gear built without D4i (<see cref="HasD4iBanks"/> false) only have bank 0. The operating time counts the
/// gear's clock (the line's <c>now</c>), the light source on time and starts count what the lamp did.
/// </summary>
internal sealed partial class DaliSimGear
{
    /// <summary>The simulated luminaire model's GTIN (bank 1) and the LED driver's (bank 0), check digits included.</summary>
    public static readonly string LuminaireGtin = WithCheckDigit("401234500001");
    public static readonly string DriverGtin = WithCheckDigit("405030000002");
    public const int RatedLifeThousandHours = 100;

    private readonly byte[] _bank1 = new byte[0x78];
    private readonly byte[] _bank205 = new byte[0x1D];
    private readonly byte[] _bank206 = new byte[0x21];
    private readonly byte[] _bank207 = new byte[0x08];
    private bool _bank205Latched;
    private bool _bank206Latched;
    private TimeSpan _countedTo;
    private double _operatingSeconds;
    private double _lampOnSeconds;
    private uint _lampStarts;
    private uint _gearStarts;

    /// <summary>False: a DALI-2 driver without D4i (no banks 1, 202, 205-207; bank 0 says its last bank is 0).</summary>
    public bool HasD4iBanks
    {
        get;
        set
        {
            field = value;
            _bank0[2] = value ? D4iDiagnostics.MaintenanceBank : (byte)0;
        }
    }

    /// <summary>Luminaire identification number in bank 1: 2400001 for the first gear on the line, and so on.</summary>
    public static ulong LuminaireSerial(int index) => 2_400_001UL + (ulong)index;

    public double OperatingHours(TimeSpan now)
    {
        CountHours(now);
        return _operatingSeconds / 3600;
    }

    public double LampOnHours(TimeSpan now)
    {
        CountHours(now);
        return _lampOnSeconds / 3600;
    }

    public uint LampStarts => _lampStarts;

    /// <summary>Plausible history of a luminaire in service: 6000 h + 250 h per position, lit 47 % of it, one start a day.</summary>
    private void InitialiseMemoryBanks(TimeSpan now)
    {
        _countedTo = now;
        double hours = 6000 + (250 * Index);
        _operatingSeconds = hours * 3600;
        _lampOnSeconds = _operatingSeconds * 0.47;
        _lampStarts = (uint)(hours / 24);
        _gearStarts = (uint)(3 + (Index % 7));

        _bank0[0] = (byte)(_bank0.Length - 1); // last accessible location
        HasD4iBanks = true;
        WriteNumber(_bank0, 0x03, 6, ulong.Parse(DriverGtin, CultureInfo.InvariantCulture));
        _bank0[0x09] = 1; // firmware 1.0
        WriteNumber(_bank0, 0x0B, 8, 0xC175_0000_0000_0000UL + (ulong)Index);
        _bank0[0x13] = 1; // hardware 1.0
        _bank0[0x15] = VersionDali2;
        _bank0[0x16] = VersionDali2;
        _bank0[0x17] = 0xFF; // no control device
        _bank0[0x19] = 1; // one logical control gear

        _bank1[0] = (byte)(_bank1.Length - 1);
        _bank1[2] = 0xFF; // locked
        WriteNumber(_bank1, 0x03, 6, ulong.Parse(LuminaireGtin, CultureInfo.InvariantCulture));
        WriteNumber(_bank1, 0x09, 8, LuminaireSerial(Index));
        WriteNumber(_bank1, 0x11, 2, 0x0003); // content format: part 251
        _bank1[0x13] = 23; // 2023
        _bank1[0x14] = (byte)(1 + (Index % 52));
        WriteNumber(_bank1, 0x15, 2, (ulong)Math.Round(RatedWatts));
        WriteNumber(_bank1, 0x17, 2, (ulong)Math.Max(1, Math.Round(RatedWatts / 10)));
        WriteNumber(_bank1, 0x19, 2, 198);
        WriteNumber(_bank1, 0x1B, 2, 264);
        WriteNumber(_bank1, 0x1D, 3, (ulong)Math.Round(RatedWatts * 140)); // 140 lm/W
        _bank1[0x20] = 70; // CRI
        WriteNumber(_bank1, 0x21, 2, 3000); // K
        _bank1[0x23] = 2; // type II
        Encoding.ASCII.GetBytes("grey").CopyTo(_bank1, 0x24);
        Encoding.ASCII.GetBytes("CitySim LED street luminaire").CopyTo(_bank1, 0x3C);

        _bank205[0] = (byte)(_bank205.Length - 1);
        _bank205[D4iEnergy.LatchOffset] = 0xFF;
        _bank205[3] = 1; // bank version
        _bank206[0] = (byte)(_bank206.Length - 1);
        _bank206[D4iEnergy.LatchOffset] = 0xFF;
        _bank206[3] = 1;
        _bank207[0] = (byte)(_bank207.Length - 1);
        _bank207[2] = 0xFF; // locked
        _bank207[3] = 1;
        _bank207[4] = RatedLifeThousandHours;
        _bank207[5] = 0xFF; // reference temperature unknown
        WriteNumber(_bank207, 0x06, 2, 500); // 50 000 rated starts
    }

    private byte? ReadMemory(TimeSpan now)
    {
        byte[]? bank = (Dtr1, HasD4iBanks) switch
        {
            (0, _) => _bank0,
            (1, true) => _bank1,
            (D4iEnergy.ActiveBank, true) => _bank202,
            (D4iDiagnostics.GearBank, true) => _bank205,
            (D4iDiagnostics.LampBank, true) => _bank206,
            (D4iDiagnostics.MaintenanceBank, true) => _bank207,
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
        else if ((bank == _bank205 && !_bank205Latched) || (bank == _bank206 && !_bank206Latched))
        {
            Diagnostics(now);
        }

        byte value = bank[Dtr0];
        Dtr0++;
        return value;
    }

    private byte? WriteMemory(byte value, TimeSpan now)
    {
        if (!_writeEnabled || Dtr0 != D4iEnergy.LatchOffset || !HasD4iBanks)
        {
            return null;
        }

        bool latch = value == D4iEnergy.LatchValue;
        switch (Dtr1)
        {
            case D4iEnergy.ActiveBank:
                if (latch)
                {
                    Snapshot(now);
                }

                _bank202Latched = latch;
                _bank202[D4iEnergy.LatchOffset] = value;
                break;
            case D4iDiagnostics.GearBank or D4iDiagnostics.LampBank:
                if (latch)
                {
                    Diagnostics(now);
                }

                if (Dtr1 == D4iDiagnostics.GearBank)
                {
                    _bank205Latched = latch;
                    _bank205[D4iEnergy.LatchOffset] = value;
                }
                else
                {
                    _bank206Latched = latch;
                    _bank206[D4iEnergy.LatchOffset] = value;
                }

                break;
            case 1:
                _bank1[2] = value; // lock byte: 0x55 would unlock writing (writing bank 1 is not simulated)
                break;
            case D4iDiagnostics.MaintenanceBank:
                _bank207[2] = value;
                break;
            default:
                return null;
        }

        Dtr0++;
        return value;
    }

    /// <summary>Energy in whole Wh (scale 0), power in 0.1 W (scale -1).</summary>
    private void Snapshot(TimeSpan now)
    {
        D4iEnergy.EncodeScaled((ulong)EnergyWh(now), 0, _bank202.AsSpan(D4iEnergy.EnergyScaleOffset), 6);
        D4iEnergy.EncodeScaled((ulong)Math.Round(PowerWatts(now) * 10), -1, _bank202.AsSpan(D4iEnergy.PowerScaleOffset), 4);
    }

    /// <summary>Banks 205 and 206 as they stand now: the counters, and supply and output values that fit the level.</summary>
    private void Diagnostics(TimeSpan now)
    {
        CountHours(now);
        bool on = LampOn(now);
        WriteNumber(_bank205, 0x04, 4, (ulong)_operatingSeconds);
        WriteNumber(_bank205, 0x08, 3, _gearStarts);
        WriteNumber(_bank205, 0x0B, 2, 2300); // 230.0 V
        _bank205[0x0D] = 50; // Hz
        _bank205[0x0E] = on ? (byte)95 : (byte)40; // power factor x 0.01
        _bank205[0x1B] = (byte)(60 + (on ? 45 : 25)); // temperature + 60: 45 / 25 degrees
        _bank205[0x1C] = on ? (byte)100 : (byte)0;
        WriteNumber(_bank206, 0x04, 3, _lampStarts);
        WriteNumber(_bank206, 0x07, 3, _lampStarts);
        WriteNumber(_bank206, 0x0A, 4, (ulong)_lampOnSeconds);
        WriteNumber(_bank206, 0x0E, 4, (ulong)_lampOnSeconds);
        double watts = on ? PowerWatts(now) - Power.StandbyWatts : 0;
        WriteNumber(_bank206, 0x12, 2, on ? 1200UL : 0); // 120.0 V
        WriteNumber(_bank206, 0x14, 2, (ulong)Math.Round(watts / 120 * 1000)); // mA
        _bank206[0x16] = LampFailure ? (byte)1 : (byte)0;
        _bank206[0x20] = (byte)(60 + (on ? 55 : 25));
    }

    /// <summary>Operating time counts the gear's clock; on time counts the part of it with the lamp on (judged at the middle of each step).</summary>
    private void CountHours(TimeSpan now)
    {
        if (now <= _countedTo)
        {
            return;
        }

        double seconds = (now - _countedTo).TotalSeconds;
        _operatingSeconds += seconds;
        if (LampOn(_countedTo + ((now - _countedTo) / 2)))
        {
            _lampOnSeconds += seconds;
        }

        _countedTo = now;
    }

    /// <summary>Called when the level changes: a lamp that was off and is going on counts one start.</summary>
    private void CountStart(bool wasOn)
    {
        if (!wasOn && !LampFailure && _targetLevel > 0)
        {
            _lampStarts++;
        }
    }

    private static void WriteNumber(byte[] bank, int location, int length, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        bytes[(8 - length)..].CopyTo(bank.AsSpan(location, length));
    }

    private static string WithCheckDigit(string twelveDigits)
    {
        int sum = 0;
        for (int i = 0; i < twelveDigits.Length; i++)
        {
            sum += (twelveDigits[i] - '0') * (i % 2 == 0 ? 1 : 3);
        }

        return twelveDigits + ((10 - (sum % 10)) % 10).ToString(CultureInfo.InvariantCulture);
    }
}
