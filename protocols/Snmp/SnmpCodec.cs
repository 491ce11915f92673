using System.Net;
using static City.Protocols.Snmp.BerWriter;

namespace City.Protocols.Snmp;

/// <summary>
/// BER codec for SNMP v1, v2c and v3 messages (RFC 1157, RFC 3416, RFC 3412, RFC 3414). Decoding never throws on
/// malformed input: it returns a <see cref="SnmpDecodeStatus"/>. Encoding writes definite lengths only.
/// This file decodes messages, PDUs, varbinds and values; the v3 message with its USM security parameters is in
/// SnmpCodec.V3.cs, the encoding in SnmpCodec.Writer.cs.
/// </summary>
public static partial class SnmpCodec
{
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
        if ((status = body.TryRead(ObjectIdentifierTag, out int enterpriseStart, out int enterpriseLength)) != SnmpDecodeStatus.Ok)
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

            if ((status = varBind.TryRead(ObjectIdentifierTag, out int oidStart, out int oidLength)) != SnmpDecodeStatus.Ok)
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
}
