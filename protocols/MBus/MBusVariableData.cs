namespace City.Protocols.MBus;

/// <summary>
/// Decodes the user data of an RSP_UD with a variable data structure (EN 13757-3, 6): the header for CI 0x72 / 0x76 (long,
/// 12 bytes) or 0x7A (short, 4 bytes), then data records until the data ends, a manufacturer-specific DIF (0x0F, 0x1F)
/// or an error. Idle fillers (DIF 0x2F) are skipped. A malformed record ends decoding with <see cref="MBusTelegram.Error"/>
/// set and the records before it kept; nothing here throws on any input.
/// </summary>
public static class MBusVariableData
{
    private const int MaxExtensions = 10;

    /// <summary>Whether the CI field announces a variable data structure this decoder reads.</summary>
    public static bool IsVariableData(byte controlInformation) => controlInformation is MBusControlInformation.VariableData
        or MBusControlInformation.VariableDataMsbFirst or MBusControlInformation.VariableDataShortHeader;

    /// <summary>Decodes a long frame's data after its CI field; false (with the reason) when the CI or header is unusable.</summary>
    public static bool TryDecode(byte controlInformation, ReadOnlySpan<byte> data, out MBusTelegram? telegram, out string error)
    {
        telegram = null;
        if (!IsVariableData(controlInformation))
        {
            error = controlInformation is MBusControlInformation.FixedData or MBusControlInformation.FixedDataMsbFirst
                ? $"CI 0x{controlInformation:X2} is a fixed data structure, which this decoder does not read"
                : $"CI 0x{controlInformation:X2} is not a variable data response";
            return false;
        }

        bool msbFirst = controlInformation == MBusControlInformation.VariableDataMsbFirst;
        int headerLength = controlInformation == MBusControlInformation.VariableDataShortHeader ? 4 : 12;
        if (data.Length < headerLength)
        {
            error = $"the {headerLength}-byte header is cut short ({data.Length} bytes)";
            return false;
        }

        MBusHeader header = ReadHeader(data[..headerLength], msbFirst);
        var records = new List<MBusRecord>();
        int offset = headerLength;
        string? stop = null;
        ReadOnlyMemory<byte> manufacturer = ReadOnlyMemory<byte>.Empty;
        bool more = false;
        bool hasManufacturerData = false;
        while (offset < data.Length)
        {
            byte dif = data[offset];
            if (dif == 0x2F)
            {
                offset++;
                continue;
            }

            if (dif is 0x0F or 0x1F)
            {
                manufacturer = data[(offset + 1)..].ToArray();
                more = dif == 0x1F;
                hasManufacturerData = true;
                break;
            }

            if ((dif & 0x0F) == 0x0F)
            {
                stop = $"reserved special function DIF 0x{dif:X2} at byte {offset}";
                break;
            }

            if (!MBusRecordReader.TryRead(data, ref offset, msbFirst, out MBusRecord? record, out string recordError))
            {
                stop = recordError;
                break;
            }

            records.Add(record!);
        }

        telegram = new MBusTelegram(controlInformation, header, records) { ManufacturerData = manufacturer, HasManufacturerData = hasManufacturerData, MoreRecordsFollow = more, Error = stop };
        error = string.Empty;
        return true;
    }

    /// <summary>Decodes a whole frame (an RSP_UD long frame).</summary>
    public static bool TryDecode(in MBusFrame frame, out MBusTelegram? telegram, out string error)
    {
        if (frame.Kind != MBusFrameKind.Long)
        {
            telegram = null;
            error = $"a {frame.Kind} frame carries no user data";
            return false;
        }

        return TryDecode(frame.ControlInformation, frame.Data.Span, out telegram, out error);
    }

    private static MBusHeader ReadHeader(ReadOnlySpan<byte> header, bool msbFirst)
    {
        if (header.Length == 4)
        {
            return new MBusHeader(null, header[0], header[1], (ushort)(header[2] | header[3] << 8));
        }

        Span<byte> fields = stackalloc byte[12];
        header.CopyTo(fields);
        if (msbFirst)
        {
            fields[..4].Reverse();
            fields[4..6].Reverse();
            fields[10..12].Reverse();
        }

        return new MBusHeader(MBusSecondaryAddress.Read(fields[..8]), fields[8], fields[9], (ushort)(fields[10] | fields[11] << 8));
    }

    internal static int MaxExtensionBytes => MaxExtensions;
}
