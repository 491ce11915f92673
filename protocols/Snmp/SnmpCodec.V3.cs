using static City.Protocols.Snmp.BerWriter;

namespace City.Protocols.Snmp;

/// <summary>
/// The SNMPv3 message (RFC 3412 6): header, the USM security parameters (RFC 3414 2.4) carried as an OCTET STRING,
/// and the scoped PDU, in clear or encrypted. Decoding and encoding; the PDU itself is in SnmpCodec.cs and SnmpCodec.Writer.cs.
/// </summary>
public static partial class SnmpCodec
{
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

    public static byte[] EncodeScopedPdu(ScopedPdu scopedPdu)
    {
        ArgumentNullException.ThrowIfNull(scopedPdu);
        PduLayout pdu = MeasurePdu(scopedPdu.Pdu);
        int contents = ScopedPduContentsLength(scopedPdu, pdu);
        byte[] encoded = new byte[TlvLength(contents)];
        WriteScopedPdu(encoded, scopedPdu, contents, pdu);
        return encoded;
    }

    public static byte[] EncodeUsmSecurityParameters(UsmSecurityParameters security)
    {
        ArgumentNullException.ThrowIfNull(security);
        int contents = UsmSecurityParametersContentsLength(security);
        byte[] encoded = new byte[TlvLength(contents)];
        WriteUsmSecurityParameters(encoded, security, contents, out _);
        return encoded;
    }

    /// <summary>Contents lengths of a v3 message's parts (the data is the scoped PDU's SEQUENCE or the encrypted OCTET STRING).</summary>
    private readonly record struct V3Layout(int Total, int MessageContents, int HeaderContents, int SecurityContents, int ScopedPduContents, PduLayout Pdu);

    private static V3Layout MeasureV3(V3Message message)
    {
        int headerContents = IntegerTlvLength(message.MessageId) + IntegerTlvLength(message.MaxSize) + TlvLength(1)
            + IntegerTlvLength(message.SecurityModel);
        int securityContents = UsmSecurityParametersContentsLength(message.Security);
        PduLayout pdu = default;
        int scopedContents = 0;
        int data;
        if (message.ScopedPdu is not null)
        {
            pdu = MeasurePdu(message.ScopedPdu.Pdu);
            scopedContents = ScopedPduContentsLength(message.ScopedPdu, pdu);
            data = TlvLength(scopedContents);
        }
        else
        {
            data = TlvLength(message.EncryptedPdu.Length);
        }

        int messageContents = IntegerTlvLength((int)SnmpVersion.V3) + TlvLength(headerContents) + TlvLength(TlvLength(securityContents)) + data;
        return new V3Layout(TlvLength(messageContents), messageContents, headerContents, securityContents, scopedContents, pdu);
    }

    /// <summary>Writes a v3 message; returns where msgAuthenticationParameters' contents sit.</summary>
    private static int WriteV3(Span<byte> destination, V3Message message, V3Layout layout)
    {
        int at = WriteHeader(destination, SequenceTag, layout.MessageContents);
        at += WriteInteger(destination[at..], IntegerTag, (int)SnmpVersion.V3);
        at += WriteHeader(destination[at..], SequenceTag, layout.HeaderContents);
        at += WriteInteger(destination[at..], IntegerTag, message.MessageId);
        at += WriteInteger(destination[at..], IntegerTag, message.MaxSize);
        at += WriteOctetString(destination[at..], OctetStringTag, [(byte)message.Flags]);
        at += WriteInteger(destination[at..], IntegerTag, message.SecurityModel);

        // msgSecurityParameters is an OCTET STRING holding the encoded UsmSecurityParameters SEQUENCE.
        at += WriteHeader(destination[at..], OctetStringTag, TlvLength(layout.SecurityContents));
        int securityStart = at;
        at += WriteUsmSecurityParameters(destination[at..], message.Security, layout.SecurityContents, out int authenticationParametersAt);

        if (message.ScopedPdu is not null)
        {
            WriteScopedPdu(destination[at..], message.ScopedPdu, layout.ScopedPduContents, layout.Pdu);
        }
        else
        {
            WriteOctetString(destination[at..], OctetStringTag, message.EncryptedPdu.Span);
        }

        return securityStart + authenticationParametersAt;
    }

    private static int ScopedPduContentsLength(ScopedPdu scopedPdu, PduLayout pdu) =>
        TlvLength(scopedPdu.ContextEngineId.Length) + TlvLength(scopedPdu.ContextName.Length) + TlvLength(pdu.Contents);

    private static int WriteScopedPdu(Span<byte> destination, ScopedPdu scopedPdu, int contents, PduLayout pdu)
    {
        int at = WriteHeader(destination, SequenceTag, contents);
        at += WriteOctetString(destination[at..], OctetStringTag, scopedPdu.ContextEngineId.Span);
        at += WriteOctetString(destination[at..], OctetStringTag, scopedPdu.ContextName.Span);
        return at + WritePdu(destination[at..], scopedPdu.Pdu, pdu);
    }

    private static int UsmSecurityParametersContentsLength(UsmSecurityParameters security) =>
        TlvLength(security.EngineId.Length) + IntegerTlvLength(security.EngineBoots) + IntegerTlvLength(security.EngineTime)
        + TlvLength(security.UserName.Length) + TlvLength(security.AuthenticationParameters.Length) + TlvLength(security.PrivacyParameters.Length);

    /// <summary>Writes the UsmSecurityParameters SEQUENCE (RFC 3414 2.4); <paramref name="authenticationParametersAt"/> is where the MAC's contents go.</summary>
    private static int WriteUsmSecurityParameters(Span<byte> destination, UsmSecurityParameters security, int contents, out int authenticationParametersAt)
    {
        int at = WriteHeader(destination, SequenceTag, contents);
        at += WriteOctetString(destination[at..], OctetStringTag, security.EngineId.Span);
        at += WriteInteger(destination[at..], IntegerTag, security.EngineBoots);
        at += WriteInteger(destination[at..], IntegerTag, security.EngineTime);
        at += WriteOctetString(destination[at..], OctetStringTag, security.UserName.Span);
        authenticationParametersAt = at + HeaderLength(security.AuthenticationParameters.Length);
        at += WriteOctetString(destination[at..], OctetStringTag, security.AuthenticationParameters.Span);
        return at + WriteOctetString(destination[at..], OctetStringTag, security.PrivacyParameters.Span);
    }
}
