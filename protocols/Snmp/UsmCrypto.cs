using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace City.Protocols.Snmp;

/// <summary>USM authentication protocols (RFC 3414 for MD5 and SHA-1, RFC 7860 for the SHA-2 family).</summary>
public enum SnmpAuthProtocol
{
    None = 0,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// <summary>The authentication protocol names net-snmp's tools accept (-a), so configuration and CLI read them alike.</summary>
public static class SnmpAuthProtocolNames
{
    /// <summary>MD5, SHA (SHA1, SHA-1), SHA-224, SHA-256, SHA-384, SHA-512, with or without the dash, any case.</summary>
    public static bool TryParse(string text, out SnmpAuthProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(text);
        protocol = text.Trim().ToUpperInvariant() switch
        {
            "MD5" => SnmpAuthProtocol.Md5,
            "SHA" or "SHA1" or "SHA-1" => SnmpAuthProtocol.Sha1,
            "SHA-224" or "SHA224" => SnmpAuthProtocol.Sha224,
            "SHA-256" or "SHA256" => SnmpAuthProtocol.Sha256,
            "SHA-384" or "SHA384" => SnmpAuthProtocol.Sha384,
            "SHA-512" or "SHA512" => SnmpAuthProtocol.Sha512,
            _ => SnmpAuthProtocol.None,
        };
        return protocol != SnmpAuthProtocol.None;
    }
}

/// <summary>USM privacy protocols. AES-128 in CFB-128 mode (RFC 3826).</summary>
public enum SnmpPrivProtocol
{
    None = 0,
    Aes128,
}

/// <summary>Key derivation, HMAC and AES-CFB of the User-based Security Model. Pure functions.</summary>
public static class UsmCrypto
{
    private const int PasswordExpansionLength = 1_048_576;

    /// <summary>Length of msgAuthenticationParameters: 12 for MD5/SHA-1 (RFC 3414), 16/24/32/48 for SHA-224..512 (RFC 7860).</summary>
    public static int MacLength(SnmpAuthProtocol protocol) => protocol switch
    {
        SnmpAuthProtocol.None => 0,
        SnmpAuthProtocol.Md5 or SnmpAuthProtocol.Sha1 => 12,
        SnmpAuthProtocol.Sha224 => 16,
        SnmpAuthProtocol.Sha256 => 24,
        SnmpAuthProtocol.Sha384 => 32,
        SnmpAuthProtocol.Sha512 => 48,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    private static HashAlgorithmName HashName(SnmpAuthProtocol protocol) => protocol switch
    {
        SnmpAuthProtocol.Md5 => HashAlgorithmName.MD5,
        SnmpAuthProtocol.Sha1 => HashAlgorithmName.SHA1,
        SnmpAuthProtocol.Sha224 => new HashAlgorithmName("SHA224"),
        SnmpAuthProtocol.Sha256 => HashAlgorithmName.SHA256,
        SnmpAuthProtocol.Sha384 => HashAlgorithmName.SHA384,
        SnmpAuthProtocol.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), "No hash for this protocol."),
    };

    /// <summary>RFC 3414 A.2: hash 1 MiB of the password repeated (Ku). The same algorithm applies to the SHA-2 family (RFC 7860).</summary>
    public static byte[] PasswordToKey(SnmpAuthProtocol protocol, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        if (protocol == SnmpAuthProtocol.Sha224)
        {
            return Sha224.Hash(Expand(passwordBytes));
        }

        using var hash = IncrementalHash.CreateHash(HashName(protocol));
        Span<byte> chunk = stackalloc byte[64];
        int passwordIndex = 0;
        for (int count = 0; count < PasswordExpansionLength; count += chunk.Length)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = passwordBytes[passwordIndex++ % passwordBytes.Length];
            }

            hash.AppendData(chunk);
        }

        return hash.GetHashAndReset();
    }

    private static byte[] Expand(byte[] password)
    {
        var expanded = new byte[PasswordExpansionLength];
        for (int i = 0; i < expanded.Length; i++)
        {
            expanded[i] = password[i % password.Length];
        }

        return expanded;
    }

    /// <summary>RFC 3414 A.2: Kul = H(Ku || engineID || Ku).</summary>
    public static byte[] LocalizeKey(SnmpAuthProtocol protocol, ReadOnlySpan<byte> key, ReadOnlySpan<byte> engineId)
    {
        byte[] input = new byte[(key.Length * 2) + engineId.Length];
        key.CopyTo(input);
        engineId.CopyTo(input.AsSpan(key.Length));
        key.CopyTo(input.AsSpan(key.Length + engineId.Length));
        return protocol == SnmpAuthProtocol.Sha224 ? Sha224.Hash(input) : Hash(protocol, input);
    }

    private static byte[] Hash(SnmpAuthProtocol protocol, ReadOnlySpan<byte> input) => protocol switch
    {
        SnmpAuthProtocol.Md5 => MD5.HashData(input),
        SnmpAuthProtocol.Sha1 => SHA1.HashData(input),
        SnmpAuthProtocol.Sha256 => SHA256.HashData(input),
        SnmpAuthProtocol.Sha384 => SHA384.HashData(input),
        SnmpAuthProtocol.Sha512 => SHA512.HashData(input),
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>The truncated HMAC of <paramref name="message"/> (computed with its authentication parameters zeroed).</summary>
    public static void ComputeMac(SnmpAuthProtocol protocol, ReadOnlySpan<byte> localizedKey, ReadOnlySpan<byte> message, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[64];
        int length = protocol switch
        {
            SnmpAuthProtocol.Md5 => HMACMD5.HashData(localizedKey, message, full),
            SnmpAuthProtocol.Sha1 => HMACSHA1.HashData(localizedKey, message, full),
            SnmpAuthProtocol.Sha224 => Sha224.Hmac(localizedKey, message, full),
            SnmpAuthProtocol.Sha256 => HMACSHA256.HashData(localizedKey, message, full),
            SnmpAuthProtocol.Sha384 => HMACSHA384.HashData(localizedKey, message, full),
            SnmpAuthProtocol.Sha512 => HMACSHA512.HashData(localizedKey, message, full),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
        };
        full[..Math.Min(length, mac.Length)].CopyTo(mac);
    }

    /// <summary>RFC 3826: IV = engineBoots (4, big-endian) || engineTime (4) || salt (8).</summary>
    public static void AesIv(int engineBoots, int engineTime, ReadOnlySpan<byte> salt, Span<byte> iv)
    {
        BinaryPrimitives.WriteInt32BigEndian(iv, engineBoots);
        BinaryPrimitives.WriteInt32BigEndian(iv[4..], engineTime);
        salt[..8].CopyTo(iv[8..]);
    }

    /// <summary>AES-128 CFB-128 (RFC 3826): a stream mode, so the ciphertext is as long as the plaintext.</summary>
    public static byte[] AesCfbEncrypt(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext) =>
        AesCfb(privKey, iv, plaintext, encrypt: true);

    public static byte[] AesCfbDecrypt(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext) =>
        AesCfb(privKey, iv, ciphertext, encrypt: false);

    // Creating an Aes and setting its key costs more than encrypting a message: keep the last one per thread (an Aes
    // instance is not safe for concurrent use; the manager and agent each run one message at a time per thread).
    [ThreadStatic]
    private static Aes? _aes;

    [ThreadStatic]
    private static byte[]? _aesKey;

    private static Aes AesFor(ReadOnlySpan<byte> key)
    {
        if (_aes is null || _aesKey is null || !key.SequenceEqual(_aesKey))
        {
            _aes?.Dispose();
            _aes = Aes.Create();
            _aesKey = key.ToArray();
            _aes.Key = _aesKey;
        }

        return _aes;
    }

    private static byte[] AesCfb(ReadOnlySpan<byte> privKey, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, bool encrypt)
    {
        Aes aes = AesFor(privKey[..16]);

        // .NET's CFB without padding wants whole blocks; CFB output byte i depends only on input bytes up to i,
        // so padding the last block with zeros and cutting the output back gives the stream-mode result.
        int padded = (input.Length + 15) / 16 * 16;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(padded * 2);
        try
        {
            Span<byte> source = buffer.AsSpan(0, padded);
            Span<byte> destination = buffer.AsSpan(padded, padded);
            input.CopyTo(source);
            source[input.Length..].Clear();
            _ = encrypt
                ? aes.EncryptCfb(source, iv, destination, PaddingMode.None, 128)
                : aes.DecryptCfb(source, iv, destination, PaddingMode.None, 128);
            return destination[..input.Length].ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}
