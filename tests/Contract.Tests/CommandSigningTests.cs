using System.Security.Cryptography;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract.Tests;

/// <summary>Signed commands: ECDSA P-256, SHA-256, IEEE P1363, over the body bytes as sent.</summary>
public sealed class CommandSigningTests
{
    // The P-256 key of RFC 6979, appendix A.2.5 (x = C9AFA9D8...).
    private const string PrivateKeyPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX
        Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth
        +mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ
        -----END PRIVATE KEY-----
        """;

    private const string PublicKeyPem = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7
        Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==
        -----END PUBLIC KEY-----
        """;

    private const string OtherPublicKeyPem = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwhTtPORjrGwE2/+CRakIpnHUwDrP
        yWg8koZFIh0hNnfmYoDMxBoblO7hOPRXNQm1Fw+MjE1RkRVKOVjrlTdeMQ==
        -----END PUBLIC KEY-----
        """;

    // A DALI broadcast "level 128" for gw-001, id 0b6b1a2e-..., issued 1790000000000, not after +60 s, issuer "ops".
    private const string BodyHex =
        "0A2430623662316132652D356333642D346637612D396532312D386434633262376636613130" // 1: id
        + "120667772D303031" // 2: gateway_id "gw-001"
        + "1880D8C1A28C34" // 3: issued_at_unix_ms 1790000000000
        + "20E0ACC5A28C34" // 4: not_after_unix_ms 1790000060000
        + "2A036F7073" // 5: issuer "ops"
        + "5A1F0A086C69676874732D61120962726F6164636173741A056C6576656C208001"; // 11: dali {lights-a, broadcast, level, 128}

    // Made once with the key above by another implementation (Python's cryptography), converted from DER to r||s.
    private const string SignatureHex =
        "308BF934BD47A716B8DADEE90193FA70F137EE019F1458A9CFC8823B5686D607"
        + "054904049CA13C31D019522E4E4395F8C21736F415867DEFD551E95284E7C6BC";

    private static CommandBody ExpectedBody() => new()
    {
        Id = "0b6b1a2e-5c3d-4f7a-9e21-8d4c2b7f6a10",
        GatewayId = "gw-001",
        IssuedAtUnixMs = 1_790_000_000_000,
        NotAfterUnixMs = 1_790_000_060_000,
        Issuer = "ops",
        Dali = new DaliAction { Line = "lights-a", Target = "broadcast", Command = "level", Value = 128 },
    };

    private static SignedCommand Vector() => new()
    {
        Body = ByteString.CopyFrom(Convert.FromHexString(BodyHex)),
        Signature = ByteString.CopyFrom(Convert.FromHexString(SignatureHex)),
    };

    private static ECDsa Key(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }

    [Fact]
    public void The_body_has_its_field_numbers_on_the_wire()
    {
        Assert.Equal(BodyHex, Convert.ToHexString(ExpectedBody().ToByteArray()));
    }

    [Fact]
    public void The_fixed_vector_verifies_with_the_public_key_and_yields_its_body()
    {
        using var key = Key(PublicKeyPem);

        Assert.True(CommandSigning.TryVerify(Vector(), key, out var body, out var reason), reason);
        Assert.Null(reason);
        Assert.Equal(ExpectedBody(), body);
    }

    [Fact]
    public void Sign_makes_a_64_byte_signature_over_the_serialized_body_that_verifies()
    {
        using var privateKey = Key(PrivateKeyPem);
        using var publicKey = Key(PublicKeyPem);

        var signed = CommandSigning.Sign(ExpectedBody(), privateKey);

        Assert.Equal(BodyHex, Convert.ToHexString(signed.Body.ToByteArray()));
        Assert.Equal(CommandSigning.SignatureLength, signed.Signature.Length);
        Assert.True(CommandSigning.TryVerify(signed, publicKey, out var body, out var reason), reason);
        Assert.Equal(ExpectedBody(), body);
        var parsed = SignedCommand.Parser.ParseFrom(signed.ToByteArray());
        Assert.True(CommandSigning.TryVerify(parsed, publicKey, out _, out reason), reason);
    }

    [Fact]
    public void Every_single_byte_flipped_in_the_body_is_refused()
    {
        using var key = Key(PublicKeyPem);
        var bytes = Convert.FromHexString(BodyHex);
        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                var tampered = (byte[])bytes.Clone();
                tampered[i] ^= mask;
                var command = new SignedCommand { Body = ByteString.CopyFrom(tampered), Signature = Vector().Signature };

                Assert.False(CommandSigning.TryVerify(command, key, out var body, out var reason), $"body byte {i} ^ {mask:X2}");
                Assert.False(string.IsNullOrEmpty(reason));
                Assert.Equal(new CommandBody(), body);
            }
        }
    }

    [Fact]
    public void Every_single_byte_flipped_in_the_signature_is_refused()
    {
        using var key = Key(PublicKeyPem);
        var signature = Convert.FromHexString(SignatureHex);
        for (var i = 0; i < signature.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                var tampered = (byte[])signature.Clone();
                tampered[i] ^= mask;
                var command = new SignedCommand { Body = Vector().Body, Signature = ByteString.CopyFrom(tampered) };

                Assert.False(CommandSigning.TryVerify(command, key, out _, out var reason), $"signature byte {i} ^ {mask:X2}");
                Assert.Equal("the signature does not match the body and the pinned key", reason);
            }
        }
    }

    [Fact]
    public void Another_key_is_refused()
    {
        using var other = Key(OtherPublicKeyPem);
        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.False(CommandSigning.TryVerify(Vector(), other, out _, out var reason));
        Assert.Equal("the signature does not match the body and the pinned key", reason);
        Assert.False(CommandSigning.TryVerify(Vector(), fresh, out _, out _));
    }

    [Fact]
    public void A_key_on_another_curve_is_refused_for_verifying_and_for_signing()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.False(CommandSigning.TryVerify(Vector(), p384, out _, out var reason));
        Assert.Equal("the verification key is not an ECDSA P-256 key", reason);
        Assert.Throws<ArgumentException>(() => CommandSigning.Sign(ExpectedBody(), p384));
    }

    public static TheoryData<string, string, string, string> Malformed() => new()
    {
        { "empty command", "", "", "the command has no body" },
        { "no signature", BodyHex, "", "the signature is 0 bytes, not 64 (IEEE P1363 r||s)" },
        { "DER signature length", BodyHex, "30440220" + SignatureHex[..60], "the signature is 34 bytes, not 64 (IEEE P1363 r||s)" },
        { "65-byte signature", BodyHex, SignatureHex + "00", "the signature is 65 bytes, not 64 (IEEE P1363 r||s)" },
        { "no body", "", SignatureHex, "the command has no body" },
        { "garbage body", "FFFFFFFF", SignatureHex, "the signature does not match the body and the pinned key" },
        { "zero signature", BodyHex, new string('0', 128), "the signature does not match the body and the pinned key" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_command_is_refused_with_a_reason(string description, string bodyHex, string signatureHex, string expectedReason)
    {
        using var key = Key(PublicKeyPem);
        var command = new SignedCommand
        {
            Body = ByteString.CopyFrom(Convert.FromHexString(bodyHex)),
            Signature = ByteString.CopyFrom(Convert.FromHexString(signatureHex)),
        };

        Assert.False(CommandSigning.TryVerify(command, key, out var body, out var reason), description);
        Assert.Equal(expectedReason, reason);
        Assert.Equal(new CommandBody(), body);
    }

    [Fact]
    public void An_oversized_body_is_refused_before_its_signature_is_checked()
    {
        using var key = Key(PublicKeyPem);
        var command = new SignedCommand
        {
            Body = ByteString.CopyFrom(new byte[CommandSigning.MaxBodyLength + 1]),
            Signature = Vector().Signature,
        };

        Assert.False(CommandSigning.TryVerify(command, key, out _, out var reason));
        Assert.Equal($"the body is {CommandSigning.MaxBodyLength + 1} bytes, more than {CommandSigning.MaxBodyLength}", reason);
    }

    [Fact]
    public void The_signature_covers_the_bytes_as_sent_not_a_re_serialization()
    {
        // The same fields in reverse order: a valid protobuf encoding that ToByteArray would never produce.
        var canonical = Convert.FromHexString(BodyHex);
        var reordered = Convert.FromHexString("2A036F7073" + "120667772D303031" + BodyHex[..76] + "5A1F0A086C69676874732D61120962726F6164636173741A056C6576656C208001" + "1880D8C1A28C34" + "20E0ACC5A28C34");
        Assert.NotEqual(canonical, reordered);
        using var privateKey = Key(PrivateKeyPem);
        using var publicKey = Key(PublicKeyPem);
        var signature = privateKey.SignData(reordered, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var asSent = new SignedCommand { Body = ByteString.CopyFrom(reordered), Signature = ByteString.CopyFrom(signature) };
        Assert.True(CommandSigning.TryVerify(asSent, publicKey, out var body, out var reason), reason);
        Assert.Equal(ExpectedBody(), body);

        var reserialized = new SignedCommand { Body = ByteString.CopyFrom(canonical), Signature = ByteString.CopyFrom(signature) };
        Assert.False(CommandSigning.TryVerify(reserialized, publicKey, out _, out _));
    }

    [Fact]
    public void A_signed_body_that_is_not_a_CommandBody_is_refused_after_the_signature()
    {
        using var privateKey = Key(PrivateKeyPem);
        using var publicKey = Key(PublicKeyPem);
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF];
        var signature = privateKey.SignData(garbage, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var command = new SignedCommand { Body = ByteString.CopyFrom(garbage), Signature = ByteString.CopyFrom(signature) };

        Assert.False(CommandSigning.TryVerify(command, publicKey, out _, out var reason));
        Assert.Equal("the signed body is not a CommandBody", reason);
    }

    [Fact]
    public void The_rejection_reasons_are_the_documented_names()
    {
        Assert.Equal(["signature", "expired", "wrong-gateway", "unknown-target", "out-of-range", "not-permitted", "duplicate", "invalid-config"], CommandRejections.All);
    }
}
