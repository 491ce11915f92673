using System.Security.Cryptography;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract;

/// <summary>
/// Signs and verifies commands (docs/contract.md, "Commands"): ECDSA P-256 over SHA-256 of the serialized
/// <see cref="CommandBody"/> exactly as carried in <see cref="SignedCommand.Body"/>, signature in IEEE P1363
/// form (r || s, 64 bytes). Verification checks the bytes as received and parses them only afterwards, so a
/// body is never re-serialized to be checked. Pure: no clock, no I/O; expiry and target checks are the caller's.
/// </summary>
public static class CommandSigning
{
    /// <summary>The length of an IEEE P1363 P-256 signature: r and s, 32 bytes each.</summary>
    public const int SignatureLength = 64;

    /// <summary>The largest body a verifier looks at; a command is a few hundred bytes.</summary>
    public const int MaxBodyLength = 64 * 1024;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>Serializes <paramref name="body"/> once and signs those bytes with <paramref name="privateKey"/> (P-256).</summary>
    public static SignedCommand Sign(CommandBody body, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!IsP256(privateKey))
        {
            throw new ArgumentException("The command-signing key must be an ECDSA P-256 key.", nameof(privateKey));
        }

        var bytes = body.ToByteArray();
        if (bytes.Length > MaxBodyLength)
        {
            throw new ArgumentException($"The command body is {bytes.Length} bytes; at most {MaxBodyLength} are allowed.", nameof(body));
        }

        var signature = privateKey.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new SignedCommand { Body = ByteString.CopyFrom(bytes), Signature = ByteString.CopyFrom(signature) };
    }

    /// <summary>
    /// True when <paramref name="command"/>'s signature is <paramref name="publicKey"/>'s over its body and the body is
    /// a <see cref="CommandBody"/>; otherwise false with <paramref name="reason"/> saying why (for logs and a result's detail).
    /// </summary>
    public static bool TryVerify(SignedCommand command, ECDsa publicKey, out CommandBody body, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(publicKey);
        body = new CommandBody();
        reason = Check(command, publicKey);
        if (reason is not null)
        {
            return false;
        }

        if (!BatchCodec.TryParse(CommandBody.Parser, command.Body.Span, out var parsed))
        {
            reason = "the signed body is not a CommandBody";
            return false;
        }

        body = parsed;
        return true;
    }

    private static string? Check(SignedCommand command, ECDsa publicKey)
    {
        if (!IsP256(publicKey))
        {
            return "the verification key is not an ECDSA P-256 key";
        }

        if (command.Body.IsEmpty)
        {
            return "the command has no body";
        }

        if (command.Body.Length > MaxBodyLength)
        {
            return $"the body is {command.Body.Length} bytes, more than {MaxBodyLength}";
        }

        if (command.Signature.Length != SignatureLength)
        {
            return $"the signature is {command.Signature.Length} bytes, not {SignatureLength} (IEEE P1363 r||s)";
        }

        var valid = publicKey.VerifyData(command.Body.Span, command.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return valid ? null : "the signature does not match the body and the pinned key";
    }

    private static bool IsP256(ECDsa key)
    {
        if (key.KeySize != 256)
        {
            return false;
        }

        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        return curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1");
    }
}
