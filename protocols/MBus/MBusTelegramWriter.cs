namespace City.Protocols.MBus;

/// <summary>
/// Builds the user data of a variable data RSP_UD (CI 0x72: long header, then records), as a slave sends it: the mirror of
/// <see cref="MBusVariableData"/>, for simulators and tests.
/// </summary>
public sealed class MBusTelegramWriter
{
    private readonly List<byte> _bytes = [];

    public MBusTelegramWriter(MBusSecondaryAddress address, byte accessNumber, byte status = 0, ushort signature = 0)
    {
        Span<byte> header = stackalloc byte[12];
        address.Write(header);
        header[8] = accessNumber;
        header[9] = status;
        header[10] = (byte)signature;
        header[11] = (byte)(signature >> 8);
        _bytes.AddRange(header);
    }

    public int Length => _bytes.Count;

    /// <summary>A binary integer record (coding Int8..Int64) with a primary VIF.</summary>
    public MBusTelegramWriter Integer(MBusDataCoding coding, byte vif, long value, MBusFunction function = MBusFunction.Instantaneous, long storage = 0, int tariff = 0, int subunit = 0)
    {
        int length = MBusDataTypes.FixedLength(coding);
        if (coding is not (MBusDataCoding.Int8 or MBusDataCoding.Int16 or MBusDataCoding.Int24 or MBusDataCoding.Int32 or MBusDataCoding.Int48 or MBusDataCoding.Int64))
        {
            throw new ArgumentException($"{coding} is not a binary integer coding.", nameof(coding));
        }

        WriteDif(coding, function, storage, tariff, subunit);
        _bytes.Add(vif);
        for (int i = 0; i < length; i++)
        {
            _bytes.Add((byte)(value >> (8 * i)));
        }

        return this;
    }

    /// <summary>A BCD record (coding Bcd2..Bcd12) with a primary VIF; the value must be non-negative.</summary>
    public MBusTelegramWriter Bcd(MBusDataCoding coding, byte vif, long value, MBusFunction function = MBusFunction.Instantaneous, long storage = 0, int tariff = 0, int subunit = 0)
    {
        int length = MBusDataTypes.FixedLength(coding);
        if (coding is not (MBusDataCoding.Bcd2 or MBusDataCoding.Bcd4 or MBusDataCoding.Bcd6 or MBusDataCoding.Bcd8 or MBusDataCoding.Bcd12))
        {
            throw new ArgumentException($"{coding} is not a BCD coding.", nameof(coding));
        }

        WriteDif(coding, function, storage, tariff, subunit);
        _bytes.Add(vif);
        Span<byte> digits = stackalloc byte[length];
        MBusDataTypes.WriteBcd(value, digits);
        _bytes.AddRange(digits);
        return this;
    }

    /// <summary>A 32-bit real record with a primary VIF, or with a VIF of table FD when <paramref name="fdCode"/> is given.</summary>
    public MBusTelegramWriter Real(byte vif, float value, byte? fdCode = null, MBusFunction function = MBusFunction.Instantaneous, long storage = 0)
    {
        WriteDif(MBusDataCoding.Real32, function, storage, 0, 0);
        if (fdCode is { } code)
        {
            _bytes.Add(0xFD);
            _bytes.Add(code);
        }
        else
        {
            _bytes.Add(vif);
        }

        Span<byte> data = stackalloc byte[4];
        BitConverter.TryWriteBytes(data, value);
        if (!BitConverter.IsLittleEndian)
        {
            data.Reverse();
        }

        _bytes.AddRange(data);
        return this;
    }

    /// <summary>A type F date-time record (DIF 0x04, VIF 0x6D).</summary>
    public MBusTelegramWriter DateTime(DateTime time, long storage = 0)
    {
        WriteDif(MBusDataCoding.Int32, MBusFunction.Instantaneous, storage, 0, 0);
        _bytes.Add(0x6D);
        Span<byte> data = stackalloc byte[4];
        MBusDataTypes.WriteDateTimeF(time, data);
        _bytes.AddRange(data);
        return this;
    }

    /// <summary>A type G date record (DIF 0x02, VIF 0x6C).</summary>
    public MBusTelegramWriter Date(DateTime date, long storage = 0)
    {
        WriteDif(MBusDataCoding.Int16, MBusFunction.Instantaneous, storage, 0, 0);
        _bytes.Add(0x6C);
        Span<byte> data = stackalloc byte[2];
        MBusDataTypes.WriteDateG(date, data);
        _bytes.AddRange(data);
        return this;
    }

    /// <summary>DIF 0x0F and bytes only the manufacturer reads; ends the records.</summary>
    public MBusTelegramWriter ManufacturerData(ReadOnlySpan<byte> data)
    {
        _bytes.Add(0x0F);
        _bytes.AddRange(data);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    /// <summary>DIF and as many DIFEs as the storage number, tariff and subunit need.</summary>
    private void WriteDif(MBusDataCoding coding, MBusFunction function, long storage, int tariff, int subunit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(storage);
        ArgumentOutOfRangeException.ThrowIfNegative(tariff);
        ArgumentOutOfRangeException.ThrowIfNegative(subunit);
        int storageBit = (int)(storage & 1);
        byte dif = (byte)((int)coding | ((int)function << 4) | (storageBit << 6));
        long restStorage = storage >> 1;
        int restTariff = tariff;
        int restSubunit = subunit;
        var difes = new List<byte>();
        while (restStorage != 0 || restTariff != 0 || restSubunit != 0)
        {
            int storageNibble = (int)(restStorage & 0x0F);
            difes.Add((byte)(storageNibble | ((restTariff & 0x03) << 4) | ((restSubunit & 1) << 6)));
            restStorage >>= 4;
            restTariff >>= 2;
            restSubunit >>= 1;
        }

        _bytes.Add(difes.Count == 0 ? dif : (byte)(dif | 0x80));
        for (int i = 0; i < difes.Count; i++)
        {
            _bytes.Add(i == difes.Count - 1 ? difes[i] : (byte)(difes[i] | 0x80));
        }
    }
}
