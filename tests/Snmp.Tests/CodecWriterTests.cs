using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>The codec's BER writer: byte-identical to an AsnWriter reference encoder, exact about sizes, allocation-free.</summary>
public class CodecWriterTests
{
    [Theory]
    // SEQUENCE { 1, "public", GetRequest { 0x7FFFFFFF, 0, 0, { { 1.3.6.1.2.1.1.5.0, NULL } } } }
    [InlineData("v2c GET, largest request-id", "30 29 02 01 01 04 06 70 75 62 6C 69 63 A0 1C 02 04 7F FF FF FF 02 01 00 02 01 00 30 0E 30 0C 06 08 2B 06 01 02 01 01 05 00 05 00",
        SnmpPduType.GetRequest, int.MaxValue, null)]
    // Response with request-id 128 (needs a leading 00) and a Counter64 2^64-1 (nine content bytes)
    [InlineData("v2c Response, Counter64 max", "30 30 02 01 01 04 06 70 75 62 6C 69 63 A2 23 02 02 00 80 02 01 00 02 01 00 30 17 30 15 06 08 2B 06 01 02 01 01 05 00 46 09 00 FF FF FF FF FF FF FF FF",
        SnmpPduType.Response, 128, ulong.MaxValue)]
    public void Vectors(string description, string hex, SnmpPduType type, int requestId, ulong? counter64)
    {
        SnmpValue value = counter64 is { } c ? SnmpValue.Counter64(c) : SnmpValue.Null;
        var message = new CommunityMessage(SnmpVersion.V2c, "public", new SnmpPdu(type, requestId, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.5.0"), value)]));

        Assert.Equal(Hex.Parse(hex), SnmpCodec.Encode(message));
        Span<byte> destination = stackalloc byte[100];
        Assert.True(SnmpCodec.TryEncode(message, destination, out int written), description);
        Assert.Equal(Hex.Parse(hex), destination[..written].ToArray());
    }

    [Fact]
    public void RandomMessages_MatchTheAsnWriterPath_AndSpanSizesAreExact()
    {
        var random = new Random(5);
        for (int i = 0; i < 2_000; i++)
        {
            var message = new CommunityMessage(random.Next(2) == 0 ? SnmpVersion.V1 : SnmpVersion.V2c, new string('c', random.Next(0, 300)),
                new SnmpPdu((SnmpPduType)(0xA0 + random.Next(0, 8) switch { 4 => 5, var n => n }), random.Next(int.MinValue, int.MaxValue),
                    Enumerable.Range(0, random.Next(0, 40)).Select(_ => new VarBind(RandomOid(random), RandomValue(random))).ToList(),
                    random.Next(0, 19), random.Next(0, 300)));

            byte[] expected = AsnWriterReference.Encode(message);
            Assert.Equal(expected, SnmpCodec.Encode(message));

            byte[] exact = new byte[expected.Length];
            Assert.True(SnmpCodec.TryEncode(message, exact, out int written));
            Assert.Equal(expected.Length, written);
            Assert.Equal(expected, exact);
            Assert.False(SnmpCodec.TryEncode(message, new byte[expected.Length - 1], out int none));
            Assert.Equal(0, none);
        }
    }

    [Fact]
    public void RandomTrapV1AndV3Messages_MatchTheAsnWriterReference()
    {
        var random = new Random(11);
        for (int i = 0; i < 1_000; i++)
        {
            var trap = SnmpPdu.CreateTrapV1(
                new SnmpTrapV1Fields(RandomOid(random), new IPAddress(random.NextInt64(0, uint.MaxValue + 1L)),
                    (SnmpGenericTrap)random.Next(0, 7), random.Next(int.MinValue, int.MaxValue), (uint)random.NextInt64(0, uint.MaxValue + 1L)),
                RandomVarBinds(random));
            AssertEncodesLikeTheReference(new CommunityMessage(SnmpVersion.V1, new string('t', random.Next(0, 200)), trap), AsnWriterReference.Encode);

            var security = new UsmSecurityParameters(RandomBytes(random, 32), random.Next(), random.Next(), RandomBytes(random, 32),
                RandomBytes(random, 48), RandomBytes(random, 16));
            var scoped = new ScopedPdu(RandomBytes(random, 32), RandomBytes(random, 300),
                new SnmpPdu((SnmpPduType)(0xA0 + random.Next(0, 8) switch { 4 => 5, var n => n }), random.Next(), RandomVarBinds(random), random.Next(0, 19), random.Next(0, 300)));
            bool encrypted = random.Next(2) == 0;
            var v3 = new V3Message(random.Next(), random.Next(484, int.MaxValue), encrypted ? SnmpV3Flags.Auth | SnmpV3Flags.Priv : SnmpV3Flags.Auth, security,
                encrypted ? null : scoped, encrypted ? RandomBytes(random, 70_000) : default);
            AssertEncodesLikeTheReference(v3, AsnWriterReference.Encode);

            byte[] withOffset = SnmpCodec.Encode(v3, out int authenticationParametersOffset);
            Assert.Equal(security.AuthenticationParameters.ToArray(),
                withOffset.AsSpan(authenticationParametersOffset, security.AuthenticationParameters.Length).ToArray());
            Assert.Equal(AsnWriterReference.EncodeScopedPdu(scoped), SnmpCodec.EncodeScopedPdu(scoped));
            Assert.Equal(AsnWriterReference.EncodeUsmSecurityParameters(security), SnmpCodec.EncodeUsmSecurityParameters(security));
        }
    }

    [Fact]
    public void ATrapV1WithoutItsTrapFields_ThrowsArgumentException()
    {
        var message = new CommunityMessage(SnmpVersion.V1, "public", new SnmpPdu(SnmpPduType.TrapV1, 0, []));
        Assert.Throws<ArgumentException>(() => SnmpCodec.Encode(message));
    }

    [Fact]
    public void EncodingAGetIntoASpan_AllocatesNothing()
    {
        var message = new CommunityMessage(SnmpVersion.V2c, "public", new SnmpPdu(SnmpPduType.GetBulkRequest, 42, [new VarBind(Oid.Parse("1.3.6.1.2.1.2.2.1"))]));
        byte[] destination = new byte[200];
        Assert.True(SnmpCodec.TryEncode(message, destination, out _)); // warm up (JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            SnmpCodec.TryEncode(message, destination, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AnInvalidOid_StillThrowsArgumentException()
    {
        var message = new CommunityMessage(SnmpVersion.V2c, "public", new SnmpPdu(SnmpPduType.GetRequest, 1, [new VarBind(Oid.Parse("1.50"))]));
        Assert.Throws<ArgumentException>(() => SnmpCodec.Encode(message));
    }

    private static void AssertEncodesLikeTheReference<T>(T message, Func<T, byte[]> reference)
        where T : SnmpMessage
    {
        byte[] expected = reference(message);
        Assert.Equal(expected, SnmpCodec.Encode(message));
        byte[] exact = new byte[expected.Length];
        Assert.True(SnmpCodec.TryEncode(message, exact, out int written));
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, exact);
        Assert.False(SnmpCodec.TryEncode(message, new byte[expected.Length - 1], out int none));
        Assert.Equal(0, none);
    }

    private static List<VarBind> RandomVarBinds(Random random) =>
        Enumerable.Range(0, random.Next(0, 20)).Select(_ => new VarBind(RandomOid(random), RandomValue(random))).ToList();

    private static byte[] RandomBytes(Random random, int maxLength)
    {
        byte[] bytes = new byte[random.Next(0, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static Oid RandomOid(Random random)
    {
        uint[] arcs = new uint[random.Next(2, 20)];
        arcs[0] = (uint)random.Next(0, 3);
        arcs[1] = (uint)random.Next(0, arcs[0] == 2 ? 1000 : 40);
        for (int i = 2; i < arcs.Length; i++)
        {
            arcs[i] = random.Next(4) == 0 ? (uint)random.NextInt64(0, uint.MaxValue + 1L) : (uint)random.Next(0, 200);
        }

        return new Oid(arcs);
    }

    private static SnmpValue RandomValue(Random random) => random.Next(12) switch
    {
        0 => SnmpValue.Integer(random.Next(int.MinValue, int.MaxValue)),
        1 => SnmpValue.OctetString(new byte[random.Next(0, 70_000) / (random.Next(2) == 0 ? 1 : 500)]),
        2 => SnmpValue.Null,
        3 => SnmpValue.ObjectIdentifier(RandomOid(random)),
        4 => SnmpValue.IpAddress(new IPAddress(random.NextInt64(0, uint.MaxValue + 1L))),
        5 => SnmpValue.Counter32((uint)random.NextInt64(0, uint.MaxValue + 1L)),
        6 => SnmpValue.Gauge32((uint)random.Next()),
        7 => SnmpValue.TimeTicks((uint)random.Next(0, 300)),
        8 => SnmpValue.Opaque(new byte[random.Next(0, 10)]),
        9 => SnmpValue.Counter64((ulong)random.NextInt64() << random.Next(0, 2)),
        10 => SnmpValue.NoSuchInstance,
        _ => SnmpValue.EndOfMibView,
    };
}
