namespace City.Protocols.Snmp;

/// <summary>
/// BER primitives for the codec's writer (the counterpart of <see cref="BerCursor"/>): definite minimal lengths,
/// minimal two's-complement INTEGERs, single-byte tags. Every length is computed before anything is written, so a
/// message is written front to back straight into its destination.
/// </summary>
internal static class BerWriter
{
    public const byte IntegerTag = 0x02;
    public const byte OctetStringTag = 0x04;
    public const byte ObjectIdentifierTag = 0x06;
    public const byte SequenceTag = 0x30;

    /// <summary>Identifier plus length octets of a definite-length TLV with a single-byte tag.</summary>
    public static int HeaderLength(int contentLength) => contentLength switch
    {
        < 0x80 => 2,
        < 0x100 => 3,
        < 0x10000 => 4,
        < 0x1000000 => 5,
        _ => 6,
    };

    /// <summary>Bytes of a whole TLV whose contents take <paramref name="contentLength"/> bytes.</summary>
    public static int TlvLength(int contentLength) => HeaderLength(contentLength) + contentLength;

    public static int IntegerTlvLength(long value) => 2 + SignedLength(value);

    public static int UnsignedTlvLength(ulong value) => 2 + UnsignedLength(value);

    public static int SignedLength(long value)
    {
        int length = 1;
        while (length < 8 && (value < -(1L << ((8 * length) - 1)) || value >= 1L << ((8 * length) - 1)))
        {
            length++;
        }

        return length;
    }

    public static int UnsignedLength(ulong value)
    {
        // Two's complement: a value with its top bit set needs a leading 0x00.
        int length = 1;
        while (length < 9 && value >= 1UL << ((8 * length) - 1))
        {
            length++;
            if (length == 8 && value >= 1UL << 63)
            {
                return 9;
            }
        }

        return length;
    }

    public static int OidContentsLength(Oid oid)
    {
        Span<byte> buffer = stackalloc byte[oid.MaxContentsLength];
        return oid.EncodeContents(buffer);
    }

    public static int WriteHeader(Span<byte> destination, byte tag, int contentLength)
    {
        int headerLength = HeaderLength(contentLength);
        destination[0] = tag;
        WriteLength(destination.Slice(1, headerLength - 1), contentLength);
        return headerLength;
    }

    public static int WriteInteger(Span<byte> destination, byte tag, long value) =>
        WriteTwosComplement(destination, tag, unchecked((ulong)value), SignedLength(value));

    public static int WriteUnsigned(Span<byte> destination, byte tag, ulong value) =>
        WriteTwosComplement(destination, tag, value, UnsignedLength(value));

    public static int WriteOctetString(Span<byte> destination, byte tag, ReadOnlySpan<byte> contents)
    {
        int at = WriteHeader(destination, tag, contents.Length);
        contents.CopyTo(destination[at..]);
        return at + contents.Length;
    }

    public static int WriteOid(Span<byte> destination, Oid oid)
    {
        if (oid.Length < 2 || oid[0] > 2 || (oid[0] < 2 && oid[1] >= 40))
        {
            throw new ArgumentException($"OID {oid} cannot be BER-encoded (it needs two arcs, the first 0-2, the second below 40 under 0 and 1).", nameof(oid));
        }

        Span<byte> contents = stackalloc byte[oid.MaxContentsLength];
        int length = oid.EncodeContents(contents);
        return WriteOctetString(destination, ObjectIdentifierTag, contents[..length]);
    }

    /// <summary>Tag, one-byte length, then the low <paramref name="length"/> bytes of <paramref name="bits"/>, big-endian.</summary>
    private static int WriteTwosComplement(Span<byte> destination, byte tag, ulong bits, int length)
    {
        destination[0] = tag;
        destination[1] = (byte)length;
        for (int i = length + 1; i >= 2; i--)
        {
            destination[i] = (byte)bits;
            bits >>= 8;
        }

        return length + 2;
    }

    private static void WriteLength(Span<byte> destination, int length)
    {
        if (destination.Length == 1)
        {
            destination[0] = (byte)length;
            return;
        }

        destination[0] = (byte)(0x80 | (destination.Length - 1));
        for (int i = destination.Length - 1; i >= 1; i--)
        {
            destination[i] = (byte)length;
            length >>= 8;
        }
    }
}
