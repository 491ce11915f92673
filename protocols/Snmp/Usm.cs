using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace City.Protocols.Snmp;

/// <summary>Outcome of the USM's incoming-message checks (RFC 3414 section 3.2), in the order the RFC makes them.</summary>
public enum UsmStatus
{
    Ok = 0,
    UnknownEngineId,
    UnknownUserName,
    UnsupportedSecurityLevel,
    WrongDigest,
    NotInTimeWindow,
    DecryptionError,
    /// <summary>The decrypted (or plaintext) scoped PDU does not decode.</summary>
    ParseError,
}

/// <summary>The usmStats counters (1.3.6.1.6.3.15.1.1) and the OIDs a Report carries for each failure.</summary>
public static class UsmStats
{
    public static readonly Oid Root = Oid.Parse("1.3.6.1.6.3.15.1.1");
    public static readonly Oid UnsupportedSecLevels = Root.Append(1, 0);
    public static readonly Oid NotInTimeWindows = Root.Append(2, 0);
    public static readonly Oid UnknownUserNames = Root.Append(3, 0);
    public static readonly Oid UnknownEngineIds = Root.Append(4, 0);
    public static readonly Oid WrongDigests = Root.Append(5, 0);
    public static readonly Oid DecryptionErrors = Root.Append(6, 0);

    public static Oid? OidFor(UsmStatus status) => status switch
    {
        UsmStatus.UnsupportedSecurityLevel => UnsupportedSecLevels,
        UsmStatus.NotInTimeWindow => NotInTimeWindows,
        UsmStatus.UnknownUserName => UnknownUserNames,
        UsmStatus.UnknownEngineId => UnknownEngineIds,
        UsmStatus.WrongDigest => WrongDigests,
        UsmStatus.DecryptionError => DecryptionErrors,
        _ => null,
    };

    public static UsmStatus StatusFor(Oid oid) =>
        oid == UnsupportedSecLevels ? UsmStatus.UnsupportedSecurityLevel
        : oid == NotInTimeWindows ? UsmStatus.NotInTimeWindow
        : oid == UnknownUserNames ? UsmStatus.UnknownUserName
        : oid == UnknownEngineIds ? UsmStatus.UnknownEngineId
        : oid == WrongDigests ? UsmStatus.WrongDigest
        : oid == DecryptionErrors ? UsmStatus.DecryptionError
        : UsmStatus.Ok;
}

/// <summary>Security processing of single v3 messages: sealing (encrypt, then MAC) and the checks of an incoming one.</summary>
public static class Usm
{
    /// <summary>RFC 3414 section 2.2.3: the time window.</summary>
    public const int TimeWindowSeconds = 150;

    private static long _salt = RandomNumberGenerator.GetInt32(int.MaxValue) * (long)RandomNumberGenerator.GetInt32(int.MaxValue);

    public static SnmpSecurityLevel LevelOf(SnmpV3Flags flags) =>
        (flags & SnmpV3Flags.Priv) != 0 ? SnmpSecurityLevel.AuthPriv
        : (flags & SnmpV3Flags.Auth) != 0 ? SnmpSecurityLevel.AuthNoPriv
        : SnmpSecurityLevel.NoAuthNoPriv;

    public static SnmpV3Flags FlagsOf(SnmpSecurityLevel level) => level switch
    {
        SnmpSecurityLevel.AuthPriv => SnmpV3Flags.Auth | SnmpV3Flags.Priv,
        SnmpSecurityLevel.AuthNoPriv => SnmpV3Flags.Auth,
        _ => SnmpV3Flags.None,
    };

    /// <summary>
    /// Builds the bytes of an outgoing v3 message: encrypts the scoped PDU when the level asks for privacy, then
    /// authenticates the whole message. <paramref name="user"/> may be null only for noAuthNoPriv with an empty user name.
    /// </summary>
    public static byte[] Seal(int messageId, int maxSize, bool reportable, SnmpSecurityLevel level, ScopedPdu scopedPdu,
        string userName, UsmUser? user, ReadOnlySpan<byte> engineId, int engineBoots, int engineTime)
    {
        ArgumentNullException.ThrowIfNull(scopedPdu);
        if (level != SnmpSecurityLevel.NoAuthNoPriv && (user is null || user.MaxLevel < level))
        {
            throw new ArgumentException($"User '{userName}' does not support {level}.", nameof(level));
        }

        SnmpV3Flags flags = FlagsOf(level) | (reportable ? SnmpV3Flags.Reportable : SnmpV3Flags.None);
        UsmLocalizedKeys? keys = level == SnmpSecurityLevel.NoAuthNoPriv ? null : user!.KeysFor(engineId);
        byte[] privacyParameters = [];
        ReadOnlyMemory<byte> encrypted = default;
        ScopedPdu? plain = scopedPdu;
        if (level == SnmpSecurityLevel.AuthPriv)
        {
            privacyParameters = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(privacyParameters, Interlocked.Increment(ref _salt));
            Span<byte> iv = stackalloc byte[16];
            UsmCrypto.AesIv(engineBoots, engineTime, privacyParameters, iv);
            encrypted = UsmCrypto.AesCfbEncrypt(keys!.PrivKey, iv, SnmpCodec.EncodeScopedPdu(scopedPdu));
            plain = null;
        }

        int macLength = level == SnmpSecurityLevel.NoAuthNoPriv ? 0 : UsmCrypto.MacLength(user!.AuthProtocol);
        var security = new UsmSecurityParameters(engineId.ToArray(), engineBoots, engineTime,
            System.Text.Encoding.UTF8.GetBytes(userName), new byte[macLength], privacyParameters);
        var message = new V3Message(messageId, maxSize, flags, security, plain, encrypted);
        byte[] bytes = SnmpCodec.Encode(message, out int authOffset);
        if (macLength > 0)
        {
            UsmCrypto.ComputeMac(user!.AuthProtocol, keys!.AuthKey, bytes, bytes.AsSpan(authOffset, macLength));
        }

        return bytes;
    }

    /// <summary>
    /// Checks the HMAC of a decoded incoming message against <paramref name="rawMessage"/> (the bytes it was decoded from),
    /// in constant time. False for a wrong length or a wrong digest.
    /// </summary>
    public static bool VerifyDigest(V3Message message, ReadOnlySpan<byte> rawMessage, UsmUser user, UsmLocalizedKeys keys)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(keys);
        int macLength = UsmCrypto.MacLength(user.AuthProtocol);
        ReadOnlySpan<byte> received = message.Security.AuthenticationParameters.Span;
        int offset = message.AuthenticationParametersOffset;
        if (received.Length != macLength || offset < 0 || offset + macLength > rawMessage.Length)
        {
            return false;
        }

        // The MAC covers the message with its own field zeroed: do that on a pooled copy, not a new array per message.
        byte[] rented = ArrayPool<byte>.Shared.Rent(rawMessage.Length);
        try
        {
            Span<byte> copy = rented.AsSpan(0, rawMessage.Length);
            rawMessage.CopyTo(copy);
            copy.Slice(offset, macLength).Clear();
            Span<byte> expected = stackalloc byte[macLength];
            UsmCrypto.ComputeMac(user.AuthProtocol, keys.AuthKey, copy, expected);
            return CryptographicOperations.FixedTimeEquals(expected, received);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decrypts the encrypted scoped PDU (RFC 3826 section 3.1.4). Null when the parameters are wrong or the plaintext does not decode.</summary>
    public static ScopedPdu? Decrypt(V3Message message, UsmLocalizedKeys keys)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(keys);
        UsmSecurityParameters security = message.Security;
        if (security.PrivacyParameters.Length != 8 || message.EncryptedPdu.IsEmpty)
        {
            return null;
        }

        Span<byte> iv = stackalloc byte[16];
        UsmCrypto.AesIv(security.EngineBoots, security.EngineTime, security.PrivacyParameters.Span, iv);
        byte[] plaintext = UsmCrypto.AesCfbDecrypt(keys.PrivKey, iv, message.EncryptedPdu.Span);
        return SnmpCodec.TryDecodeScopedPdu(plaintext, allowTrailingBytes: true, out ScopedPdu? scoped) == SnmpDecodeStatus.Ok ? scoped : null;
    }

    /// <summary>
    /// Runs the user, level, digest, time and decryption checks shared by both roles. <paramref name="timeWindowCheck"/>
    /// is called only for authenticated messages after the digest is verified (the authoritative and non-authoritative
    /// engines judge time differently).
    /// </summary>
    public static UsmStatus Open(V3Message message, ReadOnlySpan<byte> rawMessage, Func<string, UsmUser?> findUser,
        Func<UsmSecurityParameters, bool> timeWindowCheck, out ScopedPdu? scopedPdu, out UsmUser? user)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(findUser);
        ArgumentNullException.ThrowIfNull(timeWindowCheck);
        scopedPdu = null;
        SnmpSecurityLevel level = LevelOf(message.Flags);
        string userName = message.Security.UserNameText;
        user = findUser(userName);
        if (user is null)
        {
            // An empty user at noAuthNoPriv is how discovery asks; it carries no user.
            if (level == SnmpSecurityLevel.NoAuthNoPriv && userName.Length == 0)
            {
                scopedPdu = message.ScopedPdu;
                return scopedPdu is null ? UsmStatus.ParseError : UsmStatus.Ok;
            }

            return UsmStatus.UnknownUserName;
        }

        if (level > user.MaxLevel)
        {
            return UsmStatus.UnsupportedSecurityLevel;
        }

        if (level == SnmpSecurityLevel.NoAuthNoPriv)
        {
            scopedPdu = message.ScopedPdu;
            return scopedPdu is null ? UsmStatus.ParseError : UsmStatus.Ok;
        }

        UsmLocalizedKeys keys = user.KeysFor(message.Security.EngineId.Span);
        if (!VerifyDigest(message, rawMessage, user, keys))
        {
            return UsmStatus.WrongDigest;
        }

        if (!timeWindowCheck(message.Security))
        {
            return UsmStatus.NotInTimeWindow;
        }

        if (level == SnmpSecurityLevel.AuthPriv)
        {
            scopedPdu = Decrypt(message, keys);
            return scopedPdu is null ? UsmStatus.DecryptionError : UsmStatus.Ok;
        }

        scopedPdu = message.ScopedPdu;
        return scopedPdu is null ? UsmStatus.ParseError : UsmStatus.Ok;
    }
}
