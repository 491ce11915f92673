using System.Formats.Asn1;
using System.Net;

namespace City.Protocols.Snmp;

/// <summary>
/// BER codec for SNMP v1, v2c and v3 messages (RFC 1157, RFC 3416, RFC 3412, RFC 3414). Decoding never throws on
/// malformed input: it returns a <see cref="SnmpDecodeStatus"/>. Encoding writes definite lengths only.
/// </summary>
public static partial class SnmpCodec
{
    private const byte SequenceTag = 0x30;
    private const byte OctetStringTag = 0x04;

    // ---------------------------------------------------------------- decoding

    /// <summary>Decodes one whole message (a UDP datagram); bytes after the message are <see cref="SnmpDecodeStatus.TrailingData"/>.</summary>
    public static SnmpDecodeStatus TryDecode(ReadOnlySpan<byte> source, out SnmpMessage? message)
    {
        message = null;
        var outer = new BerCursor(source, 0, source.Length);
        SnmpDecodeStatus status = outer.TryEnter(SequenceTag, out BerCursor body);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (outer.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        if ((status = body.TryReadInt32(out int version)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        switch (version)
        {
            case (int)SnmpVersion.V1:
            case (int)SnmpVersion.V2c:
                status = DecodeCommunityMessage(ref body, (SnmpVersion)version, out CommunityMessage? community);
                message = community;
                break;
            case (int)SnmpVersion.V3:
                status = DecodeV3Message(ref body, out V3Message? v3);
                message = v3;
                break;
            default:
                return SnmpDecodeStatus.UnsupportedVersion;
        }

        if (status == SnmpDecodeStatus.Ok && body.HasData)
        {
            message = null;
            return SnmpDecodeStatus.TrailingData;
        }

        return status;
    }

    /// <summary>
    /// Reads only what a manager needs to match an answer to its request, without decoding the varbinds: the
    /// request-id of a v1/v2c Response, or the msgID of a v3 message (whose PDU may be encrypted). False when the header
    /// is malformed or the message is a v1/v2c PDU other than a Response; the full decode still checks the rest.
    /// </summary>
    public static bool TryPeekResponseKey(ReadOnlySpan<byte> source, out int key)
    {
        key = 0;
        var outer = new BerCursor(source, 0, source.Length);
        if (outer.TryEnter(SequenceTag, out BerCursor body) != SnmpDecodeStatus.Ok || outer.HasData
            || body.TryReadInt32(out int version) != SnmpDecodeStatus.Ok)
        {
            return false;
        }

        if (version == (int)SnmpVersion.V3)
        {
            return body.TryEnter(SequenceTag, out BerCursor header) == SnmpDecodeStatus.Ok
                && header.TryReadInt32(out key) == SnmpDecodeStatus.Ok && key >= 0;
        }

        return version is (int)SnmpVersion.V1 or (int)SnmpVersion.V2c
            && body.TryReadOctetString(out int _, out int _) == SnmpDecodeStatus.Ok
            && body.TryEnter((byte)SnmpPduType.Response, out BerCursor pdu) == SnmpDecodeStatus.Ok
            && pdu.TryReadInt32(out key) == SnmpDecodeStatus.Ok;
    }

    /// <summary>
    /// Decodes a ScopedPDU (the plaintext inside a v3 message, or the result of decrypting one). Bytes after it are
    /// ignored when <paramref name="allowTrailingBytes"/> (block-cipher padding).
    /// </summary>
    public static SnmpDecodeStatus TryDecodeScopedPdu(ReadOnlySpan<byte> source, bool allowTrailingBytes, out ScopedPdu? scopedPdu)
    {
        var cursor = new BerCursor(source, 0, source.Length);
        SnmpDecodeStatus status = DecodeScopedPdu(ref cursor, out scopedPdu);
        if (status == SnmpDecodeStatus.Ok && !allowTrailingBytes && cursor.HasData)
        {
            scopedPdu = null;
            return SnmpDecodeStatus.TrailingData;
        }

        return status;
    }

    private static SnmpDecodeStatus DecodeCommunityMessage(ref BerCursor body, SnmpVersion version, out CommunityMessage? message)
    {
        message = null;
        SnmpDecodeStatus status = body.TryReadOctetString(out ReadOnlySpan<byte> community);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if ((status = DecodePdu(ref body, version, out SnmpPdu? pdu)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        message = new CommunityMessage(version, community.ToArray(), pdu!);
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus DecodeV3Message(ref BerCursor body, out V3Message? message)
    {
        message = null;
        SnmpDecodeStatus status = body.TryEnter(SequenceTag, out BerCursor header);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if ((status = header.TryReadInt32(out int messageId)) != SnmpDecodeStatus.Ok
            || (status = header.TryReadInt32(out int maxSize)) != SnmpDecodeStatus.Ok
            || (status = header.TryReadOctetString(out ReadOnlySpan<byte> flagBytes)) != SnmpDecodeStatus.Ok
            || (status = header.TryReadInt32(out int securityModel)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (header.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        if (messageId < 0 || maxSize < 484)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        if (flagBytes.Length != 1)
        {
            return SnmpDecodeStatus.InvalidFlags;
        }

        var flags = (SnmpV3Flags)flagBytes[0];
        if ((flags & SnmpV3Flags.Priv) != 0 && (flags & SnmpV3Flags.Auth) == 0)
        {
            return SnmpDecodeStatus.InvalidFlags;
        }

        if (securityModel != V3Message.UsmSecurityModel)
        {
            return SnmpDecodeStatus.UnsupportedSecurityModel;
        }

        if ((status = body.TryReadOctetString(out int securityStart, out int securityLength)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        BerCursor securityCursor = body.Over(securityStart, securityLength);
        if ((status = securityCursor.TryEnter(SequenceTag, out BerCursor usm)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (securityCursor.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        if ((status = usm.TryReadOctetString(out ReadOnlySpan<byte> engineId)) != SnmpDecodeStatus.Ok
            || (status = usm.TryReadInt32(out int boots)) != SnmpDecodeStatus.Ok
            || (status = usm.TryReadInt32(out int time)) != SnmpDecodeStatus.Ok
            || (status = usm.TryReadOctetString(out ReadOnlySpan<byte> userName)) != SnmpDecodeStatus.Ok
            || (status = usm.TryReadOctetString(out int authStart, out int authLength)) != SnmpDecodeStatus.Ok
            || (status = usm.TryReadOctetString(out ReadOnlySpan<byte> privacy)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (usm.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        if (boots < 0 || time < 0 || engineId.Length > 32 || userName.Length > 32)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        var security = new UsmSecurityParameters(
            engineId.ToArray(), boots, time, userName.ToArray(), usm.Slice(authStart, authLength).ToArray(), privacy.ToArray());

        if ((status = body.TryRead(out byte dataTag, out int dataStart, out int dataLength)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        ScopedPdu? scoped = null;
        ReadOnlyMemory<byte> encrypted = default;
        if (dataTag == SequenceTag)
        {
            if ((flags & SnmpV3Flags.Priv) != 0)
            {
                return SnmpDecodeStatus.UnexpectedTag;
            }

            BerCursor inner = body.Over(dataStart, dataLength);
            if ((status = DecodeScopedPduContents(ref inner, out scoped)) != SnmpDecodeStatus.Ok)
            {
                return status;
            }
        }
        else if (dataTag == OctetStringTag)
        {
            if ((flags & SnmpV3Flags.Priv) == 0)
            {
                return SnmpDecodeStatus.UnexpectedTag;
            }

            encrypted = body.Slice(dataStart, dataLength).ToArray();
        }
        else
        {
            return SnmpDecodeStatus.UnexpectedTag;
        }

        message = new V3Message(messageId, maxSize, flags, security, scoped, encrypted, securityModel)
        {
            AuthenticationParametersOffset = authStart,
        };
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus DecodeScopedPdu(ref BerCursor cursor, out ScopedPdu? scopedPdu)
    {
        scopedPdu = null;
        SnmpDecodeStatus status = cursor.TryEnter(SequenceTag, out BerCursor inner);
        return status != SnmpDecodeStatus.Ok ? status : DecodeScopedPduContents(ref inner, out scopedPdu);
    }

    private static SnmpDecodeStatus DecodeScopedPduContents(ref BerCursor inner, out ScopedPdu? scopedPdu)
    {
        scopedPdu = null;
        SnmpDecodeStatus status;
        if ((status = inner.TryReadOctetString(out ReadOnlySpan<byte> contextEngineId)) != SnmpDecodeStatus.Ok
            || (status = inner.TryReadOctetString(out ReadOnlySpan<byte> contextName)) != SnmpDecodeStatus.Ok
            || (status = DecodePdu(ref inner, SnmpVersion.V3, out SnmpPdu? pdu)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (inner.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        scopedPdu = new ScopedPdu(contextEngineId.ToArray(), contextName.ToArray(), pdu!);
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus DecodePdu(ref BerCursor cursor, SnmpVersion version, out SnmpPdu? pdu)
    {
        pdu = null;
        SnmpDecodeStatus status = cursor.TryRead(out byte tag, out int start, out int length);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (tag is < (byte)SnmpPduType.GetRequest or > (byte)SnmpPduType.Report)
        {
            return SnmpDecodeStatus.UnknownPduType;
        }

        var type = (SnmpPduType)tag;
        bool allowed = version == SnmpVersion.V1
            ? type is SnmpPduType.GetRequest or SnmpPduType.GetNextRequest or SnmpPduType.Response or SnmpPduType.SetRequest or SnmpPduType.TrapV1
            : type != SnmpPduType.TrapV1;
        if (!allowed)
        {
            return SnmpDecodeStatus.UnknownPduType;
        }

        BerCursor body = cursor.Over(start, length);
        if (type == SnmpPduType.TrapV1)
        {
            return DecodeTrapV1(ref body, out pdu);
        }

        if ((status = body.TryReadInt32(out int requestId)) != SnmpDecodeStatus.Ok
            || (status = body.TryReadInt32(out int errorStatus)) != SnmpDecodeStatus.Ok
            || (status = body.TryReadInt32(out int errorIndex)) != SnmpDecodeStatus.Ok
            || (status = DecodeVarBinds(ref body, out List<VarBind>? varBinds)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (body.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        pdu = new SnmpPdu(type, requestId, varBinds!, errorStatus, errorIndex);
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus DecodeTrapV1(ref BerCursor body, out SnmpPdu? pdu)
    {
        pdu = null;
        SnmpDecodeStatus status;
        if ((status = body.TryRead(0x06, out int enterpriseStart, out int enterpriseLength)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (!Oid.TryDecodeContents(body.Slice(enterpriseStart, enterpriseLength), out Oid? enterprise))
        {
            return SnmpDecodeStatus.InvalidObjectIdentifier;
        }

        if ((status = body.TryRead((byte)SnmpValueType.IpAddress, out int addressStart, out int addressLength)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (addressLength != 4)
        {
            return SnmpDecodeStatus.InvalidValueLength;
        }

        var agentAddress = new IPAddress(body.Slice(addressStart, 4));
        if ((status = body.TryReadInt32(out int generic)) != SnmpDecodeStatus.Ok
            || (status = body.TryReadInt32(out int specific)) != SnmpDecodeStatus.Ok
            || (status = body.TryRead((byte)SnmpValueType.TimeTicks, out int ticksStart, out int ticksLength)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if ((status = BerCursor.DecodeUnsigned(body.Slice(ticksStart, ticksLength), 32, out ulong ticks)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if ((status = DecodeVarBinds(ref body, out List<VarBind>? varBinds)) != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        if (body.HasData)
        {
            return SnmpDecodeStatus.TrailingData;
        }

        if (generic is < 0 or > 6)
        {
            return SnmpDecodeStatus.IntegerOutOfRange;
        }

        pdu = SnmpPdu.CreateTrapV1(new SnmpTrapV1Fields(enterprise, agentAddress, (SnmpGenericTrap)generic, specific, (uint)ticks), varBinds!);
        return SnmpDecodeStatus.Ok;
    }

    private static SnmpDecodeStatus DecodeVarBinds(ref BerCursor body, out List<VarBind>? varBinds)
    {
        varBinds = null;
        SnmpDecodeStatus status = body.TryEnter(SequenceTag, out BerCursor list);
        if (status != SnmpDecodeStatus.Ok)
        {
            return status;
        }

        var result = new List<VarBind>(list.CountRemaining()); // sized once: a GETBULK answer has dozens
        while (list.HasData)
        {
            if ((status = list.TryEnter(SequenceTag, out BerCursor varBind)) != SnmpDecodeStatus.Ok)
            {
                return status;
            }

            if ((status = varBind.TryRead(0x06, out int oidStart, out int oidLength)) != SnmpDecodeStatus.Ok)
            {
                return status;
            }

            if (!Oid.TryDecodeContents(varBind.Slice(oidStart, oidLength), out Oid? oid))
            {
                return SnmpDecodeStatus.InvalidObjectIdentifier;
            }

            if ((status = varBind.TryRead(out byte tag, out int valueStart, out int valueLength)) != SnmpDecodeStatus.Ok)
            {
                return status;
            }

            if ((status = DecodeValue(tag, varBind.Slice(valueStart, valueLength), out SnmpValue? value)) != SnmpDecodeStatus.Ok)
            {
                return status;
            }

            if (varBind.HasData)
            {
                return SnmpDecodeStatus.TrailingData;
            }

            result.Add(new VarBind(oid, value!));
        }

        varBinds = result;
        return SnmpDecodeStatus.Ok;
    }

    /// <summary>Decodes the contents of one varbind value given its tag byte.</summary>
    public static SnmpDecodeStatus DecodeValue(byte tag, ReadOnlySpan<byte> contents, out SnmpValue? value)
    {
        value = null;
        SnmpDecodeStatus status;
        switch ((SnmpValueType)tag)
        {
            case SnmpValueType.Integer:
                if ((status = BerCursor.DecodeInt32(contents, out int integer)) != SnmpDecodeStatus.Ok)
                {
                    return status;
                }

                value = SnmpValue.Integer(integer);
                return SnmpDecodeStatus.Ok;
            case SnmpValueType.OctetString:
            case SnmpValueType.Opaque:
                value = SnmpValue.FromDecoded((SnmpValueType)tag, 0, contents.ToArray(), null);
                return SnmpDecodeStatus.Ok;
            case SnmpValueType.Null:
                value = SnmpValue.Null;
                return contents.IsEmpty ? SnmpDecodeStatus.Ok : SnmpDecodeStatus.InvalidValueLength;
            case SnmpValueType.NoSuchObject:
                value = SnmpValue.NoSuchObject;
                return contents.IsEmpty ? SnmpDecodeStatus.Ok : SnmpDecodeStatus.InvalidValueLength;
            case SnmpValueType.NoSuchInstance:
                value = SnmpValue.NoSuchInstance;
                return contents.IsEmpty ? SnmpDecodeStatus.Ok : SnmpDecodeStatus.InvalidValueLength;
            case SnmpValueType.EndOfMibView:
                value = SnmpValue.EndOfMibView;
                return contents.IsEmpty ? SnmpDecodeStatus.Ok : SnmpDecodeStatus.InvalidValueLength;
            case SnmpValueType.ObjectIdentifier:
                if (!Oid.TryDecodeContents(contents, out Oid? oid))
                {
                    return SnmpDecodeStatus.InvalidObjectIdentifier;
                }

                value = SnmpValue.ObjectIdentifier(oid);
                return SnmpDecodeStatus.Ok;
            case SnmpValueType.IpAddress:
                if (contents.Length != 4)
                {
                    return SnmpDecodeStatus.InvalidValueLength;
                }

                value = SnmpValue.FromDecoded(SnmpValueType.IpAddress, 0, contents.ToArray(), null);
                return SnmpDecodeStatus.Ok;
            case SnmpValueType.Counter32:
            case SnmpValueType.Gauge32:
            case SnmpValueType.TimeTicks:
                if ((status = BerCursor.DecodeUnsigned(contents, 32, out ulong small)) != SnmpDecodeStatus.Ok)
                {
                    return status;
                }

                value = SnmpValue.FromDecoded((SnmpValueType)tag, (long)small, null, null);
                return SnmpDecodeStatus.Ok;
            case SnmpValueType.Counter64:
                if ((status = BerCursor.DecodeUnsigned(contents, 64, out ulong big)) != SnmpDecodeStatus.Ok)
                {
                    return status;
                }

                value = SnmpValue.Counter64(big);
                return SnmpDecodeStatus.Ok;
            default:
                return SnmpDecodeStatus.UnknownValueType;
        }
    }

    // ---------------------------------------------------------------- encoding

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
                return CanWriteDirectly(community) ? EncodeCommunityDirectly(community) : WriteCommunityMessage(community).Encode();
            case V3Message v3:
                return EncodeV3(v3, out authenticationParametersOffset);
            default:
                throw new ArgumentException("Unknown message type.", nameof(message));
        }
    }

    private static AsnWriter WriteCommunityMessage(CommunityMessage community)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteInteger((int)community.Version);
            writer.WriteOctetString(community.Community.Span);
            WritePdu(writer, community.Pdu);
        }

        return writer;
    }

    /// <summary>Encodes into <paramref name="destination"/>; false when it is too small.</summary>
    public static bool TryEncode(SnmpMessage message, Span<byte> destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is CommunityMessage community)
        {
            return CanWriteDirectly(community)
                ? TryEncodeCommunityDirectly(community, destination, out bytesWritten)
                : WriteCommunityMessage(community).TryEncode(destination, out bytesWritten);
        }

        byte[] encoded = Encode(message);
        bytesWritten = 0;
        if (encoded.Length > destination.Length)
        {
            return false;
        }

        encoded.CopyTo(destination);
        bytesWritten = encoded.Length;
        return true;
    }

    public static byte[] EncodeScopedPdu(ScopedPdu scopedPdu)
    {
        ArgumentNullException.ThrowIfNull(scopedPdu);
        var writer = new AsnWriter(AsnEncodingRules.BER);
        WriteScopedPdu(writer, scopedPdu);
        return writer.Encode();
    }

    public static byte[] EncodeUsmSecurityParameters(UsmSecurityParameters security)
    {
        ArgumentNullException.ThrowIfNull(security);
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(security.EngineId.Span);
            writer.WriteInteger(security.EngineBoots);
            writer.WriteInteger(security.EngineTime);
            writer.WriteOctetString(security.UserName.Span);
            writer.WriteOctetString(security.AuthenticationParameters.Span);
            writer.WriteOctetString(security.PrivacyParameters.Span);
        }

        return writer.Encode();
    }

    private static byte[] EncodeV3(V3Message message, out int authenticationParametersOffset)
    {
        var data = new AsnWriter(AsnEncodingRules.BER);
        if (message.ScopedPdu is not null)
        {
            WriteScopedPdu(data, message.ScopedPdu);
        }
        else
        {
            data.WriteOctetString(message.EncryptedPdu.Span);
        }

        int dataLength = data.GetEncodedLength();
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteInteger((int)SnmpVersion.V3);
            using (writer.PushSequence())
            {
                writer.WriteInteger(message.MessageId);
                writer.WriteInteger(message.MaxSize);
                writer.WriteOctetString([(byte)message.Flags]);
                writer.WriteInteger(message.SecurityModel);
            }

            writer.WriteOctetString(EncodeUsmSecurityParameters(message.Security));
            writer.WriteEncodedValue(data.Encode());
        }

        byte[] encoded = writer.Encode();

        // msgSecurityParameters ends with the authentication and privacy OCTET STRINGs and is followed by msgData,
        // so the authentication parameters sit at a fixed distance from the end.
        int privacyLength = message.Security.PrivacyParameters.Length;
        authenticationParametersOffset = encoded.Length - dataLength - (HeaderLength(privacyLength) + privacyLength)
            - message.Security.AuthenticationParameters.Length;
        return encoded;
    }

    /// <summary>Bytes one varbind takes in an encoded PDU (used to fill a response up to a size limit).</summary>
    public static int EncodedLength(VarBind varBind)
    {
        ArgumentNullException.ThrowIfNull(varBind);
        int inner = VarBindContentsLength(varBind);
        return HeaderLength(inner) + inner;
    }

    private static int VarBindContentsLength(VarBind varBind)
    {
        int oidContents = OidContentsLength(varBind.Oid);
        SnmpValue value = varBind.Value;
        int valueContents = value.Type switch
        {
            SnmpValueType.Integer => SignedLength(value.RawNumber),
            SnmpValueType.OctetString or SnmpValueType.Opaque or SnmpValueType.IpAddress => value.RawBytes!.Length,
            SnmpValueType.ObjectIdentifier => OidContentsLength(value.AsOid()),
            SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks or SnmpValueType.Counter64 => UnsignedLength(unchecked((ulong)value.RawNumber)),
            _ => 0,
        };
        return HeaderLength(oidContents) + oidContents + HeaderLength(valueContents) + valueContents;
    }

    private static int OidContentsLength(Oid oid)
    {
        Span<byte> buffer = stackalloc byte[oid.MaxContentsLength];
        return oid.EncodeContents(buffer);
    }

    private static int SignedLength(long value)
    {
        int length = 1;
        while (length < 8 && (value < -(1L << ((8 * length) - 1)) || value >= 1L << ((8 * length) - 1)))
        {
            length++;
        }

        return length;
    }

    private static int UnsignedLength(ulong value)
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

    /// <summary>Identifier plus length octets of a definite-length TLV with a single-byte tag.</summary>
    internal static int HeaderLength(int contentLength) => contentLength switch
    {
        < 0x80 => 2,
        < 0x100 => 3,
        < 0x10000 => 4,
        < 0x1000000 => 5,
        _ => 6,
    };

    private static void WriteScopedPdu(AsnWriter writer, ScopedPdu scopedPdu)
    {
        using (writer.PushSequence())
        {
            writer.WriteOctetString(scopedPdu.ContextEngineId.Span);
            writer.WriteOctetString(scopedPdu.ContextName.Span);
            WritePdu(writer, scopedPdu.Pdu);
        }
    }

    private static void WritePdu(AsnWriter writer, SnmpPdu pdu)
    {
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, (int)pdu.Type & 0x1F, isConstructed: true)))
        {
            if (pdu.Type == SnmpPduType.TrapV1)
            {
                SnmpTrapV1Fields trap = pdu.TrapV1 ?? throw new ArgumentException("A v1 Trap-PDU needs its trap fields.", nameof(pdu));
                WriteOid(writer, trap.Enterprise);
                byte[] address = trap.AgentAddress.MapToIPv4().GetAddressBytes();
                writer.WriteOctetString(address, new Asn1Tag(TagClass.Application, 0));
                writer.WriteInteger((int)trap.GenericTrap);
                writer.WriteInteger(trap.SpecificTrap);
                writer.WriteInteger((ulong)trap.TimeStamp, new Asn1Tag(TagClass.Application, 3));
            }
            else
            {
                writer.WriteInteger(pdu.RequestId);
                writer.WriteInteger(pdu.RawErrorStatus);
                writer.WriteInteger(pdu.ErrorIndex);
            }

            using (writer.PushSequence())
            {
                foreach (VarBind varBind in pdu.VarBinds)
                {
                    using (writer.PushSequence())
                    {
                        WriteOid(writer, varBind.Oid);
                        WriteValue(writer, varBind.Value);
                    }
                }
            }
        }
    }

    private static void WriteValue(AsnWriter writer, SnmpValue value)
    {
        switch (value.Type)
        {
            case SnmpValueType.Integer:
                writer.WriteInteger(value.RawNumber);
                break;
            case SnmpValueType.OctetString:
                writer.WriteOctetString(value.RawBytes);
                break;
            case SnmpValueType.Null:
                writer.WriteNull();
                break;
            case SnmpValueType.ObjectIdentifier:
                WriteOid(writer, value.AsOid());
                break;
            case SnmpValueType.IpAddress:
            case SnmpValueType.Opaque:
                writer.WriteOctetString(value.RawBytes, new Asn1Tag(TagClass.Application, (int)value.Type & 0x1F));
                break;
            case SnmpValueType.Counter32:
            case SnmpValueType.Gauge32:
            case SnmpValueType.TimeTicks:
            case SnmpValueType.Counter64:
                writer.WriteInteger(unchecked((ulong)value.RawNumber), new Asn1Tag(TagClass.Application, (int)value.Type & 0x1F));
                break;
            case SnmpValueType.NoSuchObject:
            case SnmpValueType.NoSuchInstance:
            case SnmpValueType.EndOfMibView:
                writer.WriteNull(new Asn1Tag(TagClass.ContextSpecific, (int)value.Type & 0x1F));
                break;
            default:
                throw new ArgumentException($"Cannot encode value type {value.Type}.", nameof(value));
        }
    }

    private static void WriteOid(AsnWriter writer, Oid oid)
    {
        if (oid.Length < 2 || oid[0] > 2 || (oid[0] < 2 && oid[1] >= 40))
        {
            throw new ArgumentException($"OID {oid} cannot be BER-encoded (it needs two arcs, the first 0-2, the second below 40 under 0 and 1).", nameof(oid));
        }

        Span<byte> tlv = stackalloc byte[oid.MaxContentsLength + 6];
        int contentLength = oid.EncodeContents(tlv[6..]);
        int headerLength = HeaderLength(contentLength);
        int start = 6 - headerLength;
        tlv[start] = 0x06;
        WriteLength(tlv.Slice(start + 1, headerLength - 1), contentLength);
        writer.WriteEncodedValue(tlv.Slice(start, headerLength + contentLength));
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
