using Microsoft.Extensions.Time.Testing;

namespace City.Protocols.Snmp.Tests;

public class UsmTests
{
    private static readonly byte[] RfcEngineId = Hex.Parse("00 00 00 00 00 00 00 00 00 00 00 02");

    [Theory]
    [InlineData(SnmpAuthProtocol.Md5, "9f af 32 83 88 4e 92 83 4e bc 98 47 d8 ed d9 63", "52 6f 5e ed 9f cc e2 6f 89 64 c2 93 07 87 d8 2b")]
    [InlineData(SnmpAuthProtocol.Sha1, "9f b5 cc 03 81 49 7b 37 93 52 89 39 ff 78 8d 5d 79 14 52 11", "66 95 fe bc 92 88 e3 62 82 23 5f c7 15 1f 12 84 97 b3 8f 3f")]
    public void PasswordToKeyAndLocalization_MatchRfc3414AppendixA3(SnmpAuthProtocol protocol, string ku, string kul)
    {
        byte[] key = UsmCrypto.PasswordToKey(protocol, "maplesyrup");

        Assert.Equal(Hex.Parse(ku), key);
        Assert.Equal(Hex.Parse(kul), UsmCrypto.LocalizeKey(protocol, key, RfcEngineId));
    }

    [Fact]
    public void Sha224_MatchesFips180Vector()
    {
        Assert.Equal(Hex.Parse("23097d22 3405d822 8642a477 bda255b3 2aadbce4 bda0b3f7 e36c9da7"), Sha224.Hash("abc"u8));
        Assert.Equal(Hex.Parse("75388b16 512776cc 5dba5da1 fd890150 b0c6455c b4f58b19 52522525"),
            Sha224.Hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8));
    }

    [Fact]
    public void HmacSha224_MatchesRfc4231TestCase1And2()
    {
        Span<byte> mac = stackalloc byte[28];
        Sha224.Hmac(Hex.Parse("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "Hi There"u8, mac);
        Assert.Equal(Hex.Parse("896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"), mac.ToArray());

        Sha224.Hmac("Jefe"u8, "what do ya want for nothing?"u8, mac);
        Assert.Equal(Hex.Parse("a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"), mac.ToArray());
    }

    [Theory]
    [InlineData(SnmpAuthProtocol.Md5, 12)]
    [InlineData(SnmpAuthProtocol.Sha1, 12)]
    [InlineData(SnmpAuthProtocol.Sha224, 16)]
    [InlineData(SnmpAuthProtocol.Sha256, 24)]
    [InlineData(SnmpAuthProtocol.Sha384, 32)]
    [InlineData(SnmpAuthProtocol.Sha512, 48)]
    public void MacLengths_FollowRfc3414AndRfc7860(SnmpAuthProtocol protocol, int length) =>
        Assert.Equal(length, UsmCrypto.MacLength(protocol));

    [Fact]
    public void NetSnmpAuthPrivRequest_VerifiesAndDecryptsWithTheConfiguredPasswords()
    {
        byte[] raw = Hex.Parse(NetSnmpCaptures.V3AuthPrivGetRequest);
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(raw, out SnmpMessage? decoded));
        var message = (V3Message)decoded!;
        var alice = new UsmUser("alice", SnmpAuthProtocol.Sha256, "alicepassword", SnmpPrivProtocol.Aes128, "alicepriv1");
        UsmLocalizedKeys keys = alice.KeysFor(message.Security.EngineId.Span);

        Assert.True(Usm.VerifyDigest(message, raw, alice, keys));
        ScopedPdu? scoped = Usm.Decrypt(message, keys);
        Assert.NotNull(scoped);
        Assert.Equal(SnmpPduType.GetRequest, scoped.Pdu.Type);
        Assert.Equal(Oid.Parse("1.3.6.1.2.1.1.6.0"), scoped.Pdu.VarBinds[0].Oid);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V3EngineId), scoped.ContextEngineId.ToArray());
    }

    [Fact]
    public void NetSnmpAuthPrivResponse_DecryptsToTheAgentsAnswer()
    {
        byte[] raw = Hex.Parse(NetSnmpCaptures.V3AuthPrivGetResponse);
        SnmpCodec.TryDecode(raw, out SnmpMessage? decoded);
        var message = (V3Message)decoded!;
        var alice = new UsmUser("alice", SnmpAuthProtocol.Sha256, "alicepassword", SnmpPrivProtocol.Aes128, "alicepriv1");
        UsmLocalizedKeys keys = alice.KeysFor(message.Security.EngineId.Span);

        Assert.True(Usm.VerifyDigest(message, raw, alice, keys));
        Assert.Equal("cabinet 12", Usm.Decrypt(message, keys)!.Pdu.VarBinds[0].Value.AsString());
    }

    [Fact]
    public void NetSnmpRequest_WithWrongAuthPassword_FailsTheDigest_AndWithWrongPrivPassword_FailsDecryption()
    {
        byte[] raw = Hex.Parse(NetSnmpCaptures.V3AuthPrivGetRequest);
        SnmpCodec.TryDecode(raw, out SnmpMessage? decoded);
        var message = (V3Message)decoded!;

        var wrongAuth = new UsmUser("alice", SnmpAuthProtocol.Sha256, "not-the-password", SnmpPrivProtocol.Aes128, "alicepriv1");
        Assert.False(Usm.VerifyDigest(message, raw, wrongAuth, wrongAuth.KeysFor(message.Security.EngineId.Span)));

        var wrongPriv = new UsmUser("alice", SnmpAuthProtocol.Sha256, "alicepassword", SnmpPrivProtocol.Aes128, "wrong-privacy");
        UsmLocalizedKeys keys = wrongPriv.KeysFor(message.Security.EngineId.Span);
        Assert.True(Usm.VerifyDigest(message, raw, wrongPriv, keys));
        Assert.Null(Usm.Decrypt(message, keys));
    }

    [Fact]
    public void AnyFlippedBit_InAnAuthenticatedMessage_FailsTheDigest()
    {
        byte[] raw = Hex.Parse(NetSnmpCaptures.V3AuthPrivGetRequest);
        var alice = new UsmUser("alice", SnmpAuthProtocol.Sha256, "alicepassword", SnmpPrivProtocol.Aes128, "alicepriv1");
        for (int i = 0; i < raw.Length; i++)
        {
            byte[] tampered = (byte[])raw.Clone();
            tampered[i] ^= 0x01;
            if (SnmpCodec.TryDecode(tampered, out SnmpMessage? decoded) != SnmpDecodeStatus.Ok || decoded is not V3Message message)
            {
                continue;
            }

            if (message.Security.UserNameText != "alice" || (message.Flags & SnmpV3Flags.Auth) == 0)
            {
                continue;
            }

            Assert.False(Usm.VerifyDigest(message, tampered, alice, alice.KeysFor(message.Security.EngineId.Span)), $"byte {i}");
        }
    }

    public static TheoryData<SnmpAuthProtocol, SnmpPrivProtocol> Levels => new()
    {
        { SnmpAuthProtocol.None, SnmpPrivProtocol.None },
        { SnmpAuthProtocol.Md5, SnmpPrivProtocol.None },
        { SnmpAuthProtocol.Sha1, SnmpPrivProtocol.Aes128 },
        { SnmpAuthProtocol.Sha224, SnmpPrivProtocol.Aes128 },
        { SnmpAuthProtocol.Sha256, SnmpPrivProtocol.Aes128 },
        { SnmpAuthProtocol.Sha384, SnmpPrivProtocol.None },
        { SnmpAuthProtocol.Sha512, SnmpPrivProtocol.Aes128 },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public void SealedMessages_PassTheAuthoritativeEngine(SnmpAuthProtocol auth, SnmpPrivProtocol priv)
    {
        var engine = new SnmpEngine(timeProvider: new FakeTimeProvider());
        var user = new UsmUser("op", auth, auth == SnmpAuthProtocol.None ? null : "authpassword", priv, priv == SnmpPrivProtocol.None ? null : "privpassword");
        engine.AddUser(user);
        var pdu = new SnmpPdu(SnmpPduType.GetRequest, 77, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.1.0"))]);

        byte[] raw = Usm.Seal(9, 1500, true, user.MaxLevel, new ScopedPdu(engine.EngineId, default, pdu), "op", user, engine.EngineId.Span, engine.Boots, engine.Time);
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(raw, out SnmpMessage? decoded));

        UsmStatus status = engine.ProcessIncoming((V3Message)decoded!, raw, out ScopedPdu? scoped, out UsmUser? found);
        Assert.Equal(UsmStatus.Ok, status);
        Assert.Same(user, found);
        Assert.Equal(77, scoped!.Pdu.RequestId);
    }

    [Fact]
    public void AuthoritativeEngine_ReportsEachFailure_AndNeverAcceptsABadMessage()
    {
        var clock = new FakeTimeProvider();
        var engine = new SnmpEngine(boots: 4, timeProvider: clock);
        var user = new UsmUser("op", SnmpAuthProtocol.Sha256, "authpassword", SnmpPrivProtocol.Aes128, "privpassword");
        var authOnly = new UsmUser("auditor", SnmpAuthProtocol.Sha1, "authpassword");
        engine.AddUser(user);
        engine.AddUser(authOnly);
        clock.Advance(TimeSpan.FromSeconds(1000));
        var pdu = new SnmpPdu(SnmpPduType.GetRequest, 5, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.1.0"))]);

        UsmStatus Process(byte[] raw, out byte[]? report)
        {
            SnmpCodec.TryDecode(raw, out SnmpMessage? decoded);
            var message = (V3Message)decoded!;
            UsmStatus status = engine.ProcessIncoming(message, raw, out ScopedPdu? scoped, out UsmUser? found);
            report = engine.BuildReport(message, status, found);
            if (status != UsmStatus.Ok)
            {
                Assert.Null(scoped);
            }

            return status;
        }

        ScopedPdu scope = new(engine.EngineId, default, pdu);

        // unknown engine id (discovery)
        byte[] discovery = Usm.Seal(1, 1500, true, SnmpSecurityLevel.NoAuthNoPriv, scope, "", null, default, 0, 0);
        Assert.Equal(UsmStatus.UnknownEngineId, Process(discovery, out byte[]? report));
        AssertReport(report!, UsmStats.UnknownEngineIds, engine, authenticated: false);

        // unknown user
        var stranger = new UsmUser("mallory", SnmpAuthProtocol.Sha256, "authpassword");
        Assert.Equal(UsmStatus.UnknownUserName, Process(Usm.Seal(2, 1500, true, SnmpSecurityLevel.AuthNoPriv, scope, "mallory", stranger, engine.EngineId.Span, 4, 1000), out report));
        AssertReport(report!, UsmStats.UnknownUserNames, engine, authenticated: false);

        // a level above the user's
        var pretender = new UsmUser("auditor", SnmpAuthProtocol.Sha1, "authpassword", SnmpPrivProtocol.Aes128, "privpassword");
        Assert.Equal(UsmStatus.UnsupportedSecurityLevel, Process(Usm.Seal(3, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "auditor", pretender, engine.EngineId.Span, 4, 1000), out report));
        AssertReport(report!, UsmStats.UnsupportedSecLevels, engine, authenticated: false);

        // wrong auth password
        var impostor = new UsmUser("op", SnmpAuthProtocol.Sha256, "guessedpassword", SnmpPrivProtocol.Aes128, "privpassword");
        Assert.Equal(UsmStatus.WrongDigest, Process(Usm.Seal(4, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "op", impostor, engine.EngineId.Span, 4, 1000), out report));
        AssertReport(report!, UsmStats.WrongDigests, engine, authenticated: false);

        // stale time, wrong boots
        Assert.Equal(UsmStatus.NotInTimeWindow, Process(Usm.Seal(5, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "op", user, engine.EngineId.Span, 4, 1000 - 151), out report));
        AssertReport(report!, UsmStats.NotInTimeWindows, engine, authenticated: true);
        Assert.Equal(UsmStatus.NotInTimeWindow, Process(Usm.Seal(6, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "op", user, engine.EngineId.Span, 3, 1000), out _));
        Assert.Equal(UsmStatus.Ok, Process(Usm.Seal(7, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "op", user, engine.EngineId.Span, 4, 1000 - 150), out _));

        // wrong privacy password
        var halfRight = new UsmUser("op", SnmpAuthProtocol.Sha256, "authpassword", SnmpPrivProtocol.Aes128, "otherprivacy");
        Assert.Equal(UsmStatus.DecryptionError, Process(Usm.Seal(8, 1500, true, SnmpSecurityLevel.AuthPriv, scope, "op", halfRight, engine.EngineId.Span, 4, 1000), out report));
        AssertReport(report!, UsmStats.DecryptionErrors, engine, authenticated: false);

        // not reportable: no report
        Assert.Equal(UsmStatus.WrongDigest, Process(Usm.Seal(9, 1500, false, SnmpSecurityLevel.AuthPriv, scope, "op", impostor, engine.EngineId.Span, 4, 1000), out report));
        Assert.Null(report);
        Assert.Equal(2, engine.StatCount(UsmStatus.WrongDigest));
    }

    private static void AssertReport(byte[] raw, Oid expectedOid, SnmpEngine engine, bool authenticated)
    {
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(raw, out SnmpMessage? decoded));
        var message = (V3Message)decoded!;
        Assert.Equal(authenticated, (message.Flags & SnmpV3Flags.Auth) != 0);
        Assert.Equal(engine.EngineId.ToArray(), message.Security.EngineId.ToArray());
        Assert.Equal(engine.Boots, message.Security.EngineBoots);
        Assert.Equal(engine.Time, message.Security.EngineTime);
        Assert.NotNull(message.ScopedPdu);
        Assert.Equal(SnmpPduType.Report, message.ScopedPdu.Pdu.Type);
        Assert.Equal(expectedOid, message.ScopedPdu.Pdu.VarBinds[0].Oid);
    }

    [Fact]
    public void RemoteEngines_AdoptNewerTimes_AndRefuseOlderOnes()
    {
        var clock = new FakeTimeProvider();
        var remote = new SnmpRemoteEngines(clock);
        byte[] id = [0x80, 0, 0, 0, 5, 9];
        UsmSecurityParameters At(int boots, int time) => new(id, boots, time, default, default, default);

        Assert.True(remote.CheckAndUpdate(At(2, 500)));
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.True(remote.TryGet(id, out int boots, out int time));
        Assert.Equal((2, 600), (boots, time));
        Assert.True(remote.CheckAndUpdate(At(2, 460)));  // within 150 s of the notion
        Assert.False(remote.CheckAndUpdate(At(2, 440))); // more than 150 s behind
        Assert.False(remote.CheckAndUpdate(At(1, 9999))); // an older boot
        Assert.True(remote.CheckAndUpdate(At(3, 1)));    // a reboot moves on
        Assert.False(remote.CheckAndUpdate(At(int.MaxValue, 1)));
    }
}
