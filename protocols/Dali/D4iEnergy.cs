using System.Buffers.Binary;

namespace City.Protocols.Dali;

/// <summary>How a D4i memory value reads.</summary>
public enum D4iValueState
{
    Valid,

    /// <summary>All bytes 0xFF: the gear does not implement this value.</summary>
    NotImplemented,

    /// <summary>All bytes 0xFF except the last 0xFE (TMASK): temporarily unavailable.</summary>
    TemporarilyUnavailable,

    /// <summary>A scale factor outside 10^-6..10^6.</summary>
    Invalid,

    /// <summary>The gear did not answer (or the bus failed) while it was read.</summary>
    NotRead,
}

/// <summary>A D4i reading: a number with its unit, or why there is none.</summary>
public readonly record struct D4iQuantity(decimal Value, string Unit, D4iValueState State)
{
    public bool IsValid => State == D4iValueState.Valid;

    public override string ToString() => IsValid ? $"{Value} {Unit}" : $"{State} ({Unit})";
}

/// <summary>Active energy (Wh) and active power (W) of one gear, from D4i memory bank 202.</summary>
public sealed record D4iEnergyReport(D4iQuantity ActiveEnergy, D4iQuantity ActivePower, DaliBusResult? Failure = null);

/// <summary>
/// DALI part 252 (D4i energy reporting), memory bank 202: 0x02 latch byte, 0x03 bank version, 0x04 active-energy scale
/// (signed power of ten), 0x05..0x0A active energy (48 bit, MSB first, Wh), 0x0B active-power scale, 0x0C..0x0F active power
/// (32 bit, W). Read with DTR1 = bank, DTR0 = offset and READ MEMORY LOCATION repeatedly (DTR0 increments).
/// </summary>
public static class D4iEnergy
{
    public const byte ActiveBank = 202;
    public const byte LatchOffset = 0x02;
    public const byte LatchValue = 0xAA;
    public const byte VersionOffset = 0x03;
    public const byte EnergyScaleOffset = 0x04;
    public const byte PowerScaleOffset = 0x0B;
    public const byte LastOffset = 0x0F;

    /// <summary>Bytes from <see cref="EnergyScaleOffset"/> to <see cref="LastOffset"/>: scale + 6 energy bytes + scale + 4 power bytes.</summary>
    public const int ValueBytes = LastOffset - EnergyScaleOffset + 1;

    /// <summary>Decodes the 12 bytes read from offset 0x04. False when fewer are given.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> fromEnergyScale, out D4iEnergyReport report)
    {
        report = null!;
        if (fromEnergyScale.Length < ValueBytes)
        {
            return false;
        }

        report = new D4iEnergyReport(
            DecodeScaled(fromEnergyScale[..7], "Wh"),
            DecodeScaled(fromEnergyScale.Slice(PowerScaleOffset - EnergyScaleOffset, 5), "W"));
        return true;
    }

    /// <summary>One scaled value: the scale byte (signed power of ten, -6..6) then the unsigned value, MSB first (up to 7 bytes).</summary>
    public static D4iQuantity DecodeScaled(ReadOnlySpan<byte> scaleAndValue, string unit)
    {
        if (scaleAndValue.Length is < 2 or > 8)
        {
            return new D4iQuantity(0, unit, D4iValueState.Invalid);
        }

        var value = scaleAndValue[1..];
        bool allMask = !value[..^1].ContainsAnyExcept((byte)0xFF);
        if (allMask && value[^1] == 0xFF)
        {
            return new D4iQuantity(0, unit, D4iValueState.NotImplemented);
        }

        if (allMask && value[^1] == 0xFE)
        {
            return new D4iQuantity(0, unit, D4iValueState.TemporarilyUnavailable);
        }

        int scale = (sbyte)scaleAndValue[0];
        if (scale is < -6 or > 6)
        {
            return new D4iQuantity(0, unit, D4iValueState.Invalid);
        }

        Span<byte> padded = stackalloc byte[8];
        value.CopyTo(padded[(8 - value.Length)..]);
        ulong raw = BinaryPrimitives.ReadUInt64BigEndian(padded);
        decimal result = raw;
        for (int i = 0; i < Math.Abs(scale); i++)
        {
            result = scale > 0 ? result * 10 : result / 10;
        }

        return new D4iQuantity(result, unit, D4iValueState.Valid);
    }

    /// <summary>Encodes a value for a simulated bank: scale byte then the value in <paramref name="valueBytes"/> bytes, MSB first.</summary>
    public static void EncodeScaled(ulong raw, sbyte scale, Span<byte> destination, int valueBytes)
    {
        destination[0] = (byte)scale;
        for (int i = 0; i < valueBytes; i++)
        {
            destination[valueBytes - i] = (byte)(raw >> (8 * i));
        }
    }

    /// <summary>
    /// The commands that latch bank 202 of one gear (so energy and power are read as one consistent snapshot):
    /// DTR1 = 202, ENABLE WRITE MEMORY (twice), DTR0 = 0x02, WRITE MEMORY LOCATION - NO REPLY 0xAA.
    /// </summary>
    public static IEnumerable<DaliCommand> LatchCommands(DaliAddress gear) =>
    [
        DaliSpecial.Dtr1(ActiveBank),
        DaliGear.EnableWriteMemory(gear),
        DaliSpecial.Dtr0(LatchOffset),
        DaliSpecial.WriteMemoryLocationNoReply(LatchValue),
    ];

    /// <summary>Latches (optionally) and reads active energy and power of one gear: 1 DTR1 + 1 DTR0 + 12 reads.</summary>
    public static async Task<D4iEnergyReport> ReadAsync(DaliClient client, int shortAddress, bool latch = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var gear = DaliAddress.Short(shortAddress);
        var notRead = new D4iEnergyReport(new D4iQuantity(0, "Wh", D4iValueState.NotRead), new D4iQuantity(0, "W", D4iValueState.NotRead));
        if (latch)
        {
            var latched = await client.ExecuteAllAsync(LatchCommands(gear), cancellationToken).ConfigureAwait(false);
            if (!latched.BusWorked)
            {
                return notRead with { Failure = latched };
            }
        }

        var setup = await client.ExecuteAllAsync([DaliSpecial.Dtr1(ActiveBank), DaliSpecial.Dtr0(EnergyScaleOffset)], cancellationToken).ConfigureAwait(false);
        if (!setup.BusWorked)
        {
            return notRead with { Failure = setup };
        }

        var bytes = new byte[ValueBytes];
        var read = DaliGear.ReadMemoryLocation(gear);
        for (int i = 0; i < bytes.Length; i++)
        {
            var result = await client.ExecuteAsync(read, cancellationToken).ConfigureAwait(false);
            if (result.AsNumber() is not byte value)
            {
                return notRead with { Failure = result };
            }

            bytes[i] = value;
        }

        TryDecode(bytes, out var report);
        return report;
    }
}
