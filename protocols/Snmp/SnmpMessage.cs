namespace City.Protocols.Snmp;

/// <summary>A decoded or to-be-encoded SNMP message: <see cref="CommunityMessage"/> (v1, v2c) or <see cref="V3Message"/>.</summary>
public abstract class SnmpMessage
{
    private protected SnmpMessage(SnmpVersion version) => Version = version;

    public SnmpVersion Version { get; }
}

/// <summary>A v1 or v2c message: version, community, PDU.</summary>
public sealed class CommunityMessage : SnmpMessage
{
    public CommunityMessage(SnmpVersion version, ReadOnlyMemory<byte> community, SnmpPdu pdu)
        : base(version)
    {
        if (version == SnmpVersion.V3)
        {
            throw new ArgumentException("A community message is v1 or v2c.", nameof(version));
        }

        Community = community;
        Pdu = pdu;
    }

    public CommunityMessage(SnmpVersion version, string community, SnmpPdu pdu)
        : this(version, System.Text.Encoding.UTF8.GetBytes(community), pdu)
    {
    }

    public ReadOnlyMemory<byte> Community { get; }

    public string CommunityText => System.Text.Encoding.UTF8.GetString(Community.Span);

    public SnmpPdu Pdu { get; }
}

/// <summary>USM security parameters (RFC 3414 section 2.4), carried BER-encoded in msgSecurityParameters.</summary>
public sealed record UsmSecurityParameters(
    ReadOnlyMemory<byte> EngineId,
    int EngineBoots,
    int EngineTime,
    ReadOnlyMemory<byte> UserName,
    ReadOnlyMemory<byte> AuthenticationParameters,
    ReadOnlyMemory<byte> PrivacyParameters)
{
    public static UsmSecurityParameters Empty { get; } = new(default, 0, 0, default, default, default);

    public string UserNameText => System.Text.Encoding.UTF8.GetString(UserName.Span);
}

/// <summary>The scoped PDU of a v3 message (RFC 3412).</summary>
public sealed record ScopedPdu(ReadOnlyMemory<byte> ContextEngineId, ReadOnlyMemory<byte> ContextName, SnmpPdu Pdu);

/// <summary>
/// A v3 message. Either <see cref="ScopedPdu"/> (plaintext) or <see cref="EncryptedPdu"/> is set.
/// After decoding, <see cref="AuthenticationParametersOffset"/> locates msgAuthenticationParameters in the input,
/// which the USM needs to check the HMAC.
/// </summary>
public sealed class V3Message : SnmpMessage
{
    public V3Message(int messageId, int maxSize, SnmpV3Flags flags, UsmSecurityParameters security, ScopedPdu? scopedPdu, ReadOnlyMemory<byte> encryptedPdu = default, int securityModel = UsmSecurityModel)
        : base(SnmpVersion.V3)
    {
        MessageId = messageId;
        MaxSize = maxSize;
        Flags = flags;
        Security = security;
        ScopedPdu = scopedPdu;
        EncryptedPdu = encryptedPdu;
        SecurityModel = securityModel;
    }

    public const int UsmSecurityModel = 3;

    public int MessageId { get; }

    public int MaxSize { get; }

    public SnmpV3Flags Flags { get; }

    public int SecurityModel { get; }

    public UsmSecurityParameters Security { get; }

    public ScopedPdu? ScopedPdu { get; }

    public ReadOnlyMemory<byte> EncryptedPdu { get; }

    /// <summary>Offset of the msgAuthenticationParameters contents in the decoded buffer (-1 when not decoded from bytes).</summary>
    public int AuthenticationParametersOffset { get; internal init; } = -1;
}
