using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>Memory banks 0 and 202 (D4i energy reporting): read, write with the latch, and the energy/power snapshot.</summary>
internal sealed partial class DaliSimGear
{
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
}
