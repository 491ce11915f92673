namespace City.Protocols.Snmp;

/// <summary>
/// The hand-written BER writer for v1/v2c messages other than the v1 Trap-PDU: every length is computed first, then
/// the message is written front to back straight into the destination, so encoding into a caller's span allocates
/// nothing. Its output is byte for byte what the AsnWriter path produced (minimal definite lengths, minimal INTEGERs).
/// </summary>
public static partial class SnmpCodec
{
    /// <summary>The general AsnWriter path, kept for the v1 Trap-PDU; tests compare the direct writer with it.</summary>
    internal static byte[] EncodeWithAsnWriter(CommunityMessage community) => WriteCommunityMessage(community).Encode();

    private static bool CanWriteDirectly(CommunityMessage community) => community.Pdu.Type != SnmpPduType.TrapV1;

    /// <summary>Bytes of the whole encoded message; also validates what the writer would otherwise throw on.</summary>
    private static int CommunityMessageLength(CommunityMessage community, out int messageContents, out int pduContents, out int varBindsContents)
    {
        SnmpPdu pdu = community.Pdu;
        varBindsContents = 0;
        IReadOnlyList<VarBind> varBinds = pdu.VarBinds;
        for (int i = 0; i < varBinds.Count; i++) // indexed: foreach over the interface would box an enumerator
        {
            varBindsContents += EncodedLength(varBinds[i]);
        }

        pduContents = IntegerTlvLength(pdu.RequestId) + IntegerTlvLength(pdu.RawErrorStatus) + IntegerTlvLength(pdu.ErrorIndex)
            + HeaderLength(varBindsContents) + varBindsContents;
        messageContents = IntegerTlvLength((int)community.Version) + HeaderLength(community.Community.Length) + community.Community.Length
            + HeaderLength(pduContents) + pduContents;
        return HeaderLength(messageContents) + messageContents;
    }

    private static byte[] EncodeCommunityDirectly(CommunityMessage community)
    {
        int length = CommunityMessageLength(community, out int messageContents, out int pduContents, out int varBindsContents);
        byte[] encoded = new byte[length];
        WriteCommunityDirectly(community, encoded, messageContents, pduContents, varBindsContents);
        return encoded;
    }

    private static bool TryEncodeCommunityDirectly(CommunityMessage community, Span<byte> destination, out int bytesWritten)
    {
        int length = CommunityMessageLength(community, out int messageContents, out int pduContents, out int varBindsContents);
        if (length > destination.Length)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = WriteCommunityDirectly(community, destination, messageContents, pduContents, varBindsContents);
        return true;
    }

    private static int WriteCommunityDirectly(CommunityMessage community, Span<byte> destination, int messageContents, int pduContents, int varBindsContents)
    {
        SnmpPdu pdu = community.Pdu;
        int at = WriteHeader(destination, SequenceTag, messageContents);
        at += WriteIntegerTlv(destination[at..], 0x02, (int)community.Version);
        at += WriteHeader(destination[at..], OctetStringTag, community.Community.Length);
        community.Community.Span.CopyTo(destination[at..]);
        at += community.Community.Length;
        at += WriteHeader(destination[at..], (byte)pdu.Type, pduContents);
        at += WriteIntegerTlv(destination[at..], 0x02, pdu.RequestId);
        at += WriteIntegerTlv(destination[at..], 0x02, pdu.RawErrorStatus);
        at += WriteIntegerTlv(destination[at..], 0x02, pdu.ErrorIndex);
        at += WriteHeader(destination[at..], SequenceTag, varBindsContents);
        IReadOnlyList<VarBind> varBinds = pdu.VarBinds;
        for (int i = 0; i < varBinds.Count; i++)
        {
            at += WriteVarBind(destination[at..], varBinds[i]);
        }

        return at;
    }

    private static int WriteVarBind(Span<byte> destination, VarBind varBind)
    {
        int at = WriteHeader(destination, SequenceTag, VarBindContentsLength(varBind));
        at += WriteOidTlv(destination[at..], varBind.Oid);
        SnmpValue value = varBind.Value;
        switch (value.Type)
        {
            case SnmpValueType.Integer:
                at += WriteIntegerTlv(destination[at..], 0x02, value.RawNumber);
                break;
            case SnmpValueType.OctetString:
            case SnmpValueType.IpAddress:
            case SnmpValueType.Opaque:
                byte[] bytes = value.RawBytes!;
                at += WriteHeader(destination[at..], (byte)value.Type, bytes.Length);
                bytes.CopyTo(destination[at..]);
                at += bytes.Length;
                break;
            case SnmpValueType.ObjectIdentifier:
                at += WriteOidTlv(destination[at..], value.AsOid());
                break;
            case SnmpValueType.Counter32:
            case SnmpValueType.Gauge32:
            case SnmpValueType.TimeTicks:
            case SnmpValueType.Counter64:
                at += WriteUnsignedTlv(destination[at..], (byte)value.Type, unchecked((ulong)value.RawNumber));
                break;
            case SnmpValueType.Null:
            case SnmpValueType.NoSuchObject:
            case SnmpValueType.NoSuchInstance:
            case SnmpValueType.EndOfMibView:
                destination[at++] = (byte)value.Type;
                destination[at++] = 0;
                break;
            default:
                throw new ArgumentException($"Cannot encode value type {value.Type}.", nameof(varBind));
        }

        return at;
    }

    private static int WriteOidTlv(Span<byte> destination, Oid oid)
    {
        if (oid.Length < 2 || oid[0] > 2 || (oid[0] < 2 && oid[1] >= 40))
        {
            throw new ArgumentException($"OID {oid} cannot be BER-encoded (it needs two arcs, the first 0-2, the second below 40 under 0 and 1).", nameof(oid));
        }

        Span<byte> contents = stackalloc byte[oid.MaxContentsLength];
        int length = oid.EncodeContents(contents);
        int at = WriteHeader(destination, 0x06, length);
        contents[..length].CopyTo(destination[at..]);
        return at + length;
    }

    private static int IntegerTlvLength(long value) => 2 + SignedLength(value);

    private static int WriteIntegerTlv(Span<byte> destination, byte tag, long value) =>
        WriteTwosComplementTlv(destination, tag, unchecked((ulong)value), SignedLength(value));

    private static int WriteUnsignedTlv(Span<byte> destination, byte tag, ulong value) =>
        WriteTwosComplementTlv(destination, tag, value, UnsignedLength(value));

    /// <summary>Tag, one-byte length, then the low <paramref name="length"/> bytes of <paramref name="bits"/>, big-endian.</summary>
    private static int WriteTwosComplementTlv(Span<byte> destination, byte tag, ulong bits, int length)
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

    private static int WriteHeader(Span<byte> destination, byte tag, int contentLength)
    {
        int headerLength = HeaderLength(contentLength);
        destination[0] = tag;
        WriteLength(destination.Slice(1, headerLength - 1), contentLength);
        return headerLength;
    }
}
