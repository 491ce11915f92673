using static City.Protocols.Snmp.BerWriter;

namespace City.Protocols.Snmp;

/// <summary>
/// Encoding: the codec's one BER writer (<see cref="BerWriter"/>) for every message, v1/v2c (the v1 Trap-PDU
/// included) and v3. Every length is computed first, then the message is written front to back straight into the
/// destination, so encoding into a caller's span allocates nothing. Definite minimal lengths, minimal INTEGERs.
/// </summary>
public static partial class SnmpCodec
{
    private const int IpAddressLength = 4;

    /// <summary>Encodes a v1/v2c message, or a v3 message whose <see cref="V3Message.ScopedPdu"/> or encrypted PDU is set.</summary>
    public static byte[] Encode(SnmpMessage message) => Encode(message, out _);

    /// <summary>Encodes a message; for v3 also returns where msgAuthenticationParameters' contents sit (-1 otherwise).</summary>
    public static byte[] Encode(SnmpMessage message, out int authenticationParametersOffset)
    {
        ArgumentNullException.ThrowIfNull(message);
        authenticationParametersOffset = -1;
        switch (message)
        {
            case CommunityMessage community:
                int length = CommunityMessageLength(community, out int messageContents, out PduLayout pdu);
                byte[] encoded = new byte[length];
                WriteCommunityMessage(encoded, community, messageContents, pdu);
                return encoded;
            case V3Message v3:
                V3Layout layout = MeasureV3(v3);
                byte[] encodedV3 = new byte[layout.Total];
                authenticationParametersOffset = WriteV3(encodedV3, v3, layout);
                return encodedV3;
            default:
                throw new ArgumentException("Unknown message type.", nameof(message));
        }
    }

    /// <summary>Encodes into <paramref name="destination"/>; false when it is too small.</summary>
    public static bool TryEncode(SnmpMessage message, Span<byte> destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(message);
        bytesWritten = 0;
        switch (message)
        {
            case CommunityMessage community:
                int length = CommunityMessageLength(community, out int messageContents, out PduLayout pdu);
                if (length > destination.Length)
                {
                    return false;
                }

                bytesWritten = WriteCommunityMessage(destination, community, messageContents, pdu);
                return true;
            case V3Message v3:
                V3Layout layout = MeasureV3(v3);
                if (layout.Total > destination.Length)
                {
                    return false;
                }

                WriteV3(destination, v3, layout);
                bytesWritten = layout.Total;
                return true;
            default:
                throw new ArgumentException("Unknown message type.", nameof(message));
        }
    }

    /// <summary>Bytes one varbind takes in an encoded PDU (used to fill a response up to a size limit).</summary>
    public static int EncodedLength(VarBind varBind)
    {
        ArgumentNullException.ThrowIfNull(varBind);
        return TlvLength(VarBindContentsLength(varBind));
    }

    /// <summary>Bytes of the whole encoded message, with the contents lengths the writer needs.</summary>
    private static int CommunityMessageLength(CommunityMessage community, out int messageContents, out PduLayout pdu)
    {
        pdu = MeasurePdu(community.Pdu);
        messageContents = IntegerTlvLength((int)community.Version) + TlvLength(community.Community.Length) + TlvLength(pdu.Contents);
        return TlvLength(messageContents);
    }

    private static int WriteCommunityMessage(Span<byte> destination, CommunityMessage community, int messageContents, PduLayout pdu)
    {
        int at = WriteHeader(destination, SequenceTag, messageContents);
        at += WriteInteger(destination[at..], IntegerTag, (int)community.Version);
        at += WriteOctetString(destination[at..], OctetStringTag, community.Community.Span);
        return at + WritePdu(destination[at..], community.Pdu, pdu);
    }

    /// <summary>Contents lengths of a PDU and of its varbind list.</summary>
    private readonly record struct PduLayout(int Contents, int VarBindsContents);

    private static PduLayout MeasurePdu(SnmpPdu pdu)
    {
        int varBindsContents = 0;
        IReadOnlyList<VarBind> varBinds = pdu.VarBinds;
        for (int i = 0; i < varBinds.Count; i++) // indexed: foreach over the interface would box an enumerator
        {
            varBindsContents += EncodedLength(varBinds[i]);
        }

        int fields;
        if (pdu.Type == SnmpPduType.TrapV1)
        {
            SnmpTrapV1Fields trap = pdu.TrapV1 ?? throw new ArgumentException("A v1 Trap-PDU needs its trap fields.", nameof(pdu));
            fields = TlvLength(OidContentsLength(trap.Enterprise)) + TlvLength(IpAddressLength)
                + IntegerTlvLength((int)trap.GenericTrap) + IntegerTlvLength(trap.SpecificTrap) + UnsignedTlvLength(trap.TimeStamp);
        }
        else
        {
            fields = IntegerTlvLength(pdu.RequestId) + IntegerTlvLength(pdu.RawErrorStatus) + IntegerTlvLength(pdu.ErrorIndex);
        }

        return new PduLayout(fields + TlvLength(varBindsContents), varBindsContents);
    }

    private static int WritePdu(Span<byte> destination, SnmpPdu pdu, PduLayout layout)
    {
        int at = WriteHeader(destination, (byte)pdu.Type, layout.Contents);
        if (pdu.Type == SnmpPduType.TrapV1)
        {
            SnmpTrapV1Fields trap = pdu.TrapV1!;
            at += WriteOid(destination[at..], trap.Enterprise);
            at += WriteHeader(destination[at..], (byte)SnmpValueType.IpAddress, IpAddressLength);
            trap.AgentAddress.MapToIPv4().TryWriteBytes(destination.Slice(at, IpAddressLength), out _);
            at += IpAddressLength;
            at += WriteInteger(destination[at..], IntegerTag, (int)trap.GenericTrap);
            at += WriteInteger(destination[at..], IntegerTag, trap.SpecificTrap);
            at += WriteUnsigned(destination[at..], (byte)SnmpValueType.TimeTicks, trap.TimeStamp);
        }
        else
        {
            at += WriteInteger(destination[at..], IntegerTag, pdu.RequestId);
            at += WriteInteger(destination[at..], IntegerTag, pdu.RawErrorStatus);
            at += WriteInteger(destination[at..], IntegerTag, pdu.ErrorIndex);
        }

        at += WriteHeader(destination[at..], SequenceTag, layout.VarBindsContents);
        IReadOnlyList<VarBind> varBinds = pdu.VarBinds;
        for (int i = 0; i < varBinds.Count; i++)
        {
            at += WriteVarBind(destination[at..], varBinds[i]);
        }

        return at;
    }

    private static int VarBindContentsLength(VarBind varBind)
    {
        SnmpValue value = varBind.Value;
        int valueContents = value.Type switch
        {
            SnmpValueType.Integer => SignedLength(value.RawNumber),
            SnmpValueType.OctetString or SnmpValueType.Opaque or SnmpValueType.IpAddress => value.RawBytes!.Length,
            SnmpValueType.ObjectIdentifier => OidContentsLength(value.AsOid()),
            SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks or SnmpValueType.Counter64 => UnsignedLength(unchecked((ulong)value.RawNumber)),
            _ => 0,
        };
        return TlvLength(OidContentsLength(varBind.Oid)) + TlvLength(valueContents);
    }

    private static int WriteVarBind(Span<byte> destination, VarBind varBind)
    {
        int at = WriteHeader(destination, SequenceTag, VarBindContentsLength(varBind));
        at += WriteOid(destination[at..], varBind.Oid);
        SnmpValue value = varBind.Value;
        switch (value.Type)
        {
            case SnmpValueType.Integer:
                at += WriteInteger(destination[at..], IntegerTag, value.RawNumber);
                break;
            case SnmpValueType.OctetString:
            case SnmpValueType.IpAddress:
            case SnmpValueType.Opaque:
                at += WriteOctetString(destination[at..], (byte)value.Type, value.RawBytes);
                break;
            case SnmpValueType.ObjectIdentifier:
                at += WriteOid(destination[at..], value.AsOid());
                break;
            case SnmpValueType.Counter32:
            case SnmpValueType.Gauge32:
            case SnmpValueType.TimeTicks:
            case SnmpValueType.Counter64:
                at += WriteUnsigned(destination[at..], (byte)value.Type, unchecked((ulong)value.RawNumber));
                break;
            case SnmpValueType.Null:
            case SnmpValueType.NoSuchObject:
            case SnmpValueType.NoSuchInstance:
            case SnmpValueType.EndOfMibView:
                at += WriteHeader(destination[at..], (byte)value.Type, 0);
                break;
            default:
                throw new ArgumentException($"Cannot encode value type {value.Type}.", nameof(varBind));
        }

        return at;
    }
}
