using System.Formats.Asn1;

namespace City.Protocols.Snmp;

/// <summary>
/// Reads consecutive BER TLVs from a window of one buffer, keeping absolute offsets (the USM needs the position of
/// msgAuthenticationParameters). TLV framing is read with <see cref="AsnDecoder"/>; failures are classified into
/// <see cref="SnmpDecodeStatus"/> values instead of exceptions.
/// </summary>
internal ref struct BerCursor
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private int _position;

    public BerCursor(ReadOnlySpan<byte> buffer, int start, int end)
    {
        _buffer = buffer;
        _position = start;
        _end = end;
    }

    public readonly bool HasData => _position < _end;

    public readonly int Position => _position;

    /// <summary>Reads the next TLV; <paramref name="tag"/> is the single identifier byte (class, constructed bit, number &lt; 31).</summary>
    public SnmpDecodeStatus TryRead(out byte tag, out int contentStart, out int contentLength)
    {
        tag = 0;
        contentStart = 0;
        contentLength = 0;
        ReadOnlySpan<byte> rest = _buffer[_position.._end];

        // Fast path for the shapes SNMP uses: a low tag number with a short-form or one/two-byte long-form length.
        // Anything else (and every malformed case) goes through AsnDecoder, which classifies it.
        if (rest.Length >= 2 && rest[0] != 0 && (rest[0] & 0x1F) != 0x1F)
        {
            int headerLength = 0;
            int fastLength = 0;
            byte first = rest[1];
            if (first < 0x80)
            {
                headerLength = 2;
                fastLength = first;
            }
            else if (first == 0x81 && rest.Length >= 3 && rest[2] >= 0x80)
            {
                headerLength = 3;
                fastLength = rest[2];
            }
            else if (first == 0x82 && rest.Length >= 4 && rest[2] != 0)
            {
                headerLength = 4;
                fastLength = (rest[2] << 8) | rest[3];
            }

            if (headerLength != 0 && fastLength <= rest.Length - headerLength)
            {
                tag = rest[0];
                contentStart = _position + headerLength;
                contentLength = fastLength;
                _position += headerLength + fastLength;
                return SnmpDecodeStatus.Ok;
            }
        }

        // Refuse indefinite lengths before AsnDecoder would scan (recursively) for their end-of-contents.
        if (rest.Length >= 2 && (rest[0] & 0x1F) != 0x1F && rest[1] == 0x80)
        {
            return SnmpDecodeStatus.IndefiniteLength;
        }

        Asn1Tag asnTag;
        int contentOffset;
        int length;
        int consumed;
        try
        {
            if (!AsnDecoder.TryReadEncodedValue(rest, AsnEncodingRules.BER, out asnTag, out contentOffset, out length, out consumed))
            {
                return Classify(rest);
            }
        }
        catch (AsnContentException)
        {
            // TryReadEncodedValue still throws for some malformed headers; the classification below names them.
            return Classify(rest);
        }

        if (consumed != contentOffset + length)
        {
            return SnmpDecodeStatus.IndefiniteLength;
        }

        if (asnTag.TagValue >= 31)
        {
            return SnmpDecodeStatus.UnexpectedTag;
        }

        tag = (byte)((int)asnTag.TagClass | (asnTag.IsConstructed ? 0x20 : 0) | asnTag.TagValue);
        contentStart = _position + contentOffset;
        contentLength = length;
        _position += consumed;
        return SnmpDecodeStatus.Ok;
    }

    /// <summary>Reads a TLV that must carry <paramref name="expectedTag"/>.</summary>
    public SnmpDecodeStatus TryRead(byte expectedTag, out int contentStart, out int contentLength)
    {
        SnmpDecodeStatus status = TryRead(out byte tag, out contentStart, out contentLength);
        if (status == SnmpDecodeStatus.Ok && tag != expectedTag)
        {
            return SnmpDecodeStatus.UnexpectedTag;
        }

        return status;
    }

    /// <summary>Opens a constructed TLV with <paramref name="expectedTag"/> and returns a cursor over its contents.</summary>
    public SnmpDecodeStatus TryEnter(byte expectedTag, out BerCursor inner)
    {
        inner = default;
        SnmpDecodeStatus status = TryRead(expectedTag, out int start, out int length);
        if (status == SnmpDecodeStatus.Ok)
        {
            inner = new BerCursor(_buffer, start, start + length);
        }

        return status;
    }

    /// <summary>How many TLVs follow up to the end (or up to the first malformed one), without moving this cursor.</summary>
    public readonly int CountRemaining()
    {
        BerCursor copy = this;
        int count = 0;
        while (copy.HasData && copy.TryRead(out _, out _, out _) == SnmpDecodeStatus.Ok)
        {
            count++;
        }

        return count;
    }

    public readonly BerCursor Over(int start, int length) => new(_buffer, start, start + length);

    public readonly ReadOnlySpan<byte> Slice(int start, int length) => _buffer.Slice(start, length);

    public SnmpDecodeStatus TryReadInt32(out int value)
    {
        value = 0;
        SnmpDecodeStatus status = TryRead(0x02, out int start, out int length);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        return DecodeInt32(_buffer.Slice(start, length), out value);
    }

    public SnmpDecodeStatus TryReadOctetString(out ReadOnlySpan<byte> value)
    {
        value = default;
        SnmpDecodeStatus status = TryRead(0x04, out int start, out int length);
        if (status == SnmpDecodeStatus.Ok)
        {
            value = _buffer.Slice(start, length);
        }

        return status;
    }

    public SnmpDecodeStatus TryReadOctetString(out int start, out int length) => TryRead(0x04, out start, out length);

    /// <summary>Two's complement INTEGER contents into Int32. Redundant leading bytes are tolerated (be liberal in what you accept).</summary>
    public static SnmpDecodeStatus DecodeInt32(ReadOnlySpan<byte> contents, out int value)
    {
        value = 0;
        SnmpDecodeStatus status = DecodeSigned(contents, out long wide);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (wide is < int.MinValue or > int.MaxValue)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        value = (int)wide;
        return SnmpDecodeStatus.Ok;
    }

    public static SnmpDecodeStatus DecodeSigned(ReadOnlySpan<byte> contents, out long value)
    {
        value = 0;
        if (contents.IsEmpty)
        {
            return SnmpDecodeStatus.InvalidInteger;
        }

        bool negative = (contents[0] & 0x80) != 0;
        byte filler = negative ? (byte)0xFF : (byte)0x00;
        while (contents.Length > 1 && contents[0] == filler && ((contents[1] & 0x80) != 0) == negative)
        {
            contents = contents[1..];
        }

        if (contents.Length > 8)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        long result = negative ? -1 : 0;
        foreach (byte b in contents)
        {
            result = (result << 8) | b;
        }

        value = result;
        return SnmpDecodeStatus.Ok;
    }

    /// <summary>
    /// Unsigned contents (Counter32, Gauge32, TimeTicks, Counter64) of at most <paramref name="maxBits"/> bits.
    /// A 32-bit value sent without its leading 0x00 (so negative in strict BER, a known agent bug) is read as unsigned, as net-snmp does.
    /// </summary>
    public static SnmpDecodeStatus DecodeUnsigned(ReadOnlySpan<byte> contents, int maxBits, out ulong value)
    {
        value = 0;
        if (contents.IsEmpty)
        {
            return SnmpDecodeStatus.InvalidInteger;
        }

        while (contents.Length > 1 && contents[0] == 0)
        {
            contents = contents[1..];
        }

        if (contents.Length > maxBits / 8)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        ulong result = 0;
        foreach (byte b in contents)
        {
            result = (result << 8) | b;
        }

        value = result;
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus Classify(ReadOnlySpan<byte> rest)
    {
        if (rest.Length < 2)
        {
            return SnmpDecodeStatus.Truncated;
        }

        if ((rest[0] & 0x1F) == 0x1F)
        {
            return SnmpDecodeStatus.UnexpectedTag;
        }

        byte first = rest[1];
        if (first == 0x80)
        {
            return SnmpDecodeStatus.IndefiniteLength;
        }

        if (first < 0x80)
        {
            return SnmpDecodeStatus.Truncated;
        }

        int lengthBytes = first & 0x7F;
        if (lengthBytes > 4)
        {
            return SnmpDecodeStatus.LengthTooLarge;
        }

        if (rest.Length < 2 + lengthBytes)
        {
            return SnmpDecodeStatus.Truncated;
        }

        ulong length = 0;
        for (int i = 0; i < lengthBytes; i++)
        {
            length = (length << 8) | rest[2 + i];
        }

        return length > int.MaxValue ? SnmpDecodeStatus.LengthTooLarge : SnmpDecodeStatus.Truncated;
    }
}
