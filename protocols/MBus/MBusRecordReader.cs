using System.Globalization;
using System.Text;

namespace City.Protocols.MBus;

/// <summary>Reads one data record (DIF, DIFEs, VIF, VIFEs, data) at an offset of the user data; pure and bounds-checked.</summary>
internal static class MBusRecordReader
{
    public static bool TryRead(ReadOnlySpan<byte> data, ref int offset, bool msbFirst, out MBusRecord? record, out string error)
    {
        record = null;
        int start = offset;
        int at = offset;
        byte dif = data[at++];
        var coding = (MBusDataCoding)(dif & 0x0F);
        var function = (MBusFunction)((dif >> 4) & 0x03);
        long storage = (dif >> 6) & 0x01;
        int tariff = 0;
        int subunit = 0;
        bool extended = (dif & 0x80) != 0;
        for (int count = 0; extended; count++)
        {
            if (count == MBusVariableData.MaxExtensionBytes)
            {
                error = $"more than {MBusVariableData.MaxExtensionBytes} DIFEs in the record at byte {start}";
                return false;
            }

            if (at >= data.Length)
            {
                error = $"the record at byte {start} ends inside its DIFEs";
                return false;
            }

            byte dife = data[at++];
            storage |= (long)(dife & 0x0F) << (1 + (4 * count));
            tariff |= ((dife >> 4) & 0x03) << (2 * count);
            subunit |= ((dife >> 6) & 0x01) << count;
            extended = (dife & 0x80) != 0;
        }

        if (at >= data.Length)
        {
            error = $"the record at byte {start} has no VIF";
            return false;
        }

        if (!TryReadVif(data, ref at, start, out MBusQuantity quantity, out List<string> modifiers, out double correction, out string? recordError, out error))
        {
            return false;
        }

        int length = MBusDataTypes.FixedLength(coding);
        if (coding == MBusDataCoding.VariableLength)
        {
            if (at >= data.Length)
            {
                error = $"the record at byte {start} has no LVAR byte";
                return false;
            }

            byte lvar = data[at++];
            if (!TryVariableLength(lvar, out length))
            {
                error = $"reserved LVAR 0x{lvar:X2} in the record at byte {start}";
                return false;
            }

            if (at + length > data.Length)
            {
                error = $"the record at byte {start} needs {length} data bytes, {data.Length - at} remain";
                return false;
            }

            var described = Build(data[start..at], coding, function, storage, tariff, subunit, quantity with { Multiplier = quantity.Multiplier * correction }, modifiers, recordError);
            record = DecodeVariable(described, lvar, data.Slice(at, length));
            offset = at + length;
            error = string.Empty;
            return true;
        }

        if (at + length > data.Length)
        {
            error = $"the record at byte {start} needs {length} data bytes, {data.Length - at} remain";
            return false;
        }

        byte[] value = data.Slice(at, length).ToArray();
        if (msbFirst)
        {
            Array.Reverse(value);
        }

        record = Decode(Build(data[start..at], coding, function, storage, tariff, subunit, quantity with { Multiplier = quantity.Multiplier * correction }, modifiers, recordError), value);
        offset = at + length;
        error = string.Empty;
        return true;
    }

    private static MBusRecord Build(
        ReadOnlySpan<byte> header, MBusDataCoding coding, MBusFunction function, long storage, int tariff, int subunit, MBusQuantity quantity, List<string> modifiers, string? error) =>
        new()
        {
            Header = Convert.ToHexString(header),
            Coding = coding,
            Function = function,
            StorageNumber = storage,
            Tariff = tariff,
            Subunit = subunit,
            Quantity = quantity,
            Modifiers = modifiers,
            Error = error,
            Text = string.Empty,
        };

    private static bool TryReadVif(
        ReadOnlySpan<byte> data, ref int at, int start, out MBusQuantity quantity, out List<string> modifiers, out double correction, out string? recordError, out string error)
    {
        modifiers = [];
        correction = 1;
        recordError = null;
        quantity = MBusQuantity.Unknown("", 0);
        byte vif = data[at++];
        int code = vif & 0x7F;
        bool extended = (vif & 0x80) != 0;
        bool manufacturerVifes = false;
        if (code == MBusVif.PlainText)
        {
            // The unit as ASCII text (length, then the characters last first) right after the VIF; its VIFEs follow the text.
            if (at >= data.Length || at + 1 + data[at] > data.Length)
            {
                error = $"the plain-text VIF of the record at byte {start} is cut short";
                return false;
            }

            int textLength = data[at];
            quantity = new MBusQuantity("Plain text VIF", ReversedAscii(data.Slice(at + 1, textLength)), 1);
            at += 1 + textLength;
            if (!SkipVifes(data, ref at, start, extended, out error, out var vifes))
            {
                return false;
            }

            ApplyVifes(vifes, modifiers, ref correction, ref recordError);
            return true;
        }

        if (code is MBusVif.ExtensionFd or MBusVif.ExtensionFb && !extended)
        {
            // 0x7B / 0x7D announce an extension table only with the extension bit set (0xFB / 0xFD); without it they are no VIF.
            quantity = MBusQuantity.Unknown("", (byte)code);
            error = string.Empty;
            return true;
        }

        if (code is MBusVif.ExtensionFd or MBusVif.ExtensionFb)
        {
            if (at >= data.Length)
            {
                error = $"the record at byte {start} lacks the VIFE of its extension table";
                return false;
            }

            byte entry = data[at++];
            quantity = code == MBusVif.ExtensionFd ? MBusVif.ExtensionTableFd(entry) : MBusVif.ExtensionTableFb(entry);
            extended = (entry & 0x80) != 0;
        }
        else
        {
            quantity = MBusVif.Primary(vif);
            manufacturerVifes = code == MBusVif.ManufacturerSpecific;
        }

        if (!SkipVifes(data, ref at, start, extended, out error, out var extensions))
        {
            return false;
        }

        if (!manufacturerVifes)
        {
            ApplyVifes(extensions, modifiers, ref correction, ref recordError);
        }

        return true;
    }

    private static bool SkipVifes(ReadOnlySpan<byte> data, ref int at, int start, bool extended, out string error, out List<byte> vifes)
    {
        vifes = [];
        while (extended)
        {
            if (vifes.Count == MBusVariableData.MaxExtensionBytes)
            {
                error = $"more than {MBusVariableData.MaxExtensionBytes} VIFEs in the record at byte {start}";
                return false;
            }

            if (at >= data.Length)
            {
                error = $"the record at byte {start} ends inside its VIFEs";
                return false;
            }

            byte vife = data[at++];
            vifes.Add(vife);
            extended = (vife & 0x80) != 0;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The combinable (orthogonal) VIFEs of EN 13757-3 table 15; after 0x7F the rest are the manufacturer's.</summary>
    private static void ApplyVifes(List<byte> vifes, List<string> modifiers, ref double correction, ref string? recordError)
    {
        foreach (byte vife in vifes)
        {
            int code = vife & 0x7F;
            switch (code)
            {
                case <= 0x1F:
                    if (code != 0)
                    {
                        recordError = $"record error code {code}";
                    }

                    break;
                case <= 0x77 and >= 0x70:
                    correction *= MBusQuantity.Pow10((code & 7) - 6);
                    break;
                case 0x7D:
                    correction *= 1000;
                    break;
                case 0x7F:
                    modifiers.Add("manufacturer specific");
                    return;
                default:
                    modifiers.Add(MBusVifExtensions.Describe(code));
                    break;
            }
        }
    }

    /// <summary>LVAR (EN 13757-3, 6.3.3): text, positive or negative BCD, or binary, and how many bytes follow.</summary>
    private static bool TryVariableLength(byte lvar, out int length)
    {
        length = lvar switch
        {
            <= 0xBF => lvar,
            >= 0xC0 and <= 0xC9 => lvar - 0xC0,
            >= 0xD0 and <= 0xD9 => lvar - 0xD0,
            >= 0xE0 and <= 0xEF => lvar - 0xE0,
            >= 0xF0 and <= 0xF4 => 4 * (lvar - 0xEC),
            0xF5 => 6,
            0xF6 => 8,
            _ => -1,
        };
        return length >= 0;
    }

    private static MBusRecord DecodeVariable(MBusRecord record, byte lvar, ReadOnlySpan<byte> bytes)
    {
        switch (lvar)
        {
            case <= 0xBF:
                return record with { Text = ReversedAscii(bytes) };
            case <= 0xD9:
                if (!MBusDataTypes.TryBcd(bytes, out long bcd))
                {
                    return record with { Text = Hex(bytes), Error = "invalid BCD digit" };
                }

                return Number(record, lvar >= 0xD0 ? -bcd : bcd);
            default:
                return bytes.Length is >= 1 and <= 8 && record.Quantity.Kind == MBusQuantityKind.Number
                    ? Number(record, MBusDataTypes.SignedInteger(bytes))
                    : record with { Text = HexMostSignificantFirst(bytes) };
        }
    }

    private static MBusRecord Decode(MBusRecord record, byte[] value)
    {
        MBusQuantityKind kind = record.Quantity.Kind;
        if (kind is MBusQuantityKind.Date or MBusQuantityKind.DateTime && MBusDataTypes.DateFields(value) is { } fields)
        {
            return record with { Text = fields.ToString(), Time = fields.ToDateTime(), Error = fields.Invalid ? "time marked invalid" : record.Error };
        }

        switch (record.Coding)
        {
            case MBusDataCoding.None or MBusDataCoding.SelectionForReadout:
                return record with { Text = string.Empty };
            case MBusDataCoding.Real32:
                float real = MBusDataTypes.Real32(value);
                return float.IsFinite(real) ? Number(record, real) : record with { Text = Hex(value), Error = "not a finite number" };
            case MBusDataCoding.Bcd2 or MBusDataCoding.Bcd4 or MBusDataCoding.Bcd6 or MBusDataCoding.Bcd8 or MBusDataCoding.Bcd12:
                return MBusDataTypes.TryBcd(value, out long bcd) ? Number(record, bcd) : record with { Text = Hex(value), Error = "invalid BCD digit" };
            default:
                if (kind is MBusQuantityKind.Bits)
                {
                    return record with { Text = HexMostSignificantFirst(value), Value = MBusDataTypes.UnsignedInteger(value) };
                }

                long integer = kind == MBusQuantityKind.Identifier
                    ? (long)MBusDataTypes.UnsignedInteger(value)
                    : MBusDataTypes.SignedInteger(value);
                return Number(record, integer);
        }
    }

    private static MBusRecord Number(MBusRecord record, double raw)
    {
        double value = raw * record.Quantity.Multiplier;
        if (record.Quantity.Multiplier < 1 && Math.Abs(raw) < 1e15 && record.Quantity.Multiplier > 1e-15)
        {
            // 1234 x 0.01 is 12.340000000000002 in binary; the decimal digits the meter sent are exact.
            value = (double)((decimal)raw * (decimal)record.Quantity.Multiplier);
        }

        return record with { Value = value, Text = value.ToString("R", CultureInfo.InvariantCulture) };
    }

    private static string ReversedAscii(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            byte b = bytes[i];
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return text.ToString();
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>Binary data is least significant byte first on the wire; shown most significant first, as a number is written.</summary>
    private static string HexMostSignificantFirst(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Array.Reverse(copy);
        return Convert.ToHexString(copy);
    }
}
