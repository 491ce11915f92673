using System.Formats.Asn1;

namespace City.Protocols.Snmp.Tests;

/// <summary>
/// An independent SNMP message encoder over System.Formats.Asn1's AsnWriter (the codec's former encoding path), kept
/// as the reference the codec's own BER writer is checked against byte for byte.
/// </summary>
internal static class AsnWriterReference
{
    public static byte[] Encode(CommunityMessage community)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteInteger((int)community.Version);
            writer.WriteOctetString(community.Community.Span);
            WritePdu(writer, community.Pdu);
        }

        return writer.Encode();
    }

    public static byte[] Encode(V3Message message)
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

        return writer.Encode();
    }

    public static byte[] EncodeScopedPdu(ScopedPdu scopedPdu)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        WriteScopedPdu(writer, scopedPdu);
        return writer.Encode();
    }

    public static byte[] EncodeUsmSecurityParameters(UsmSecurityParameters security)
    {
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
                SnmpTrapV1Fields trap = pdu.TrapV1!;
                WriteOid(writer, trap.Enterprise);
                writer.WriteOctetString(trap.AgentAddress.MapToIPv4().GetAddressBytes(), new Asn1Tag(TagClass.Application, 0));
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

    private static void WriteOid(AsnWriter writer, Oid oid) => writer.WriteObjectIdentifier(oid.ToString());
}
