namespace City.Protocols.Snmp.Tests;

/// <summary><see cref="SnmpCodec.TryPeekResponseKey"/>: what the manager's receive loop reads to match an answer.</summary>
public class CodecPeekTests
{
    [Theory]
    // SEQUENCE { version 1 (v2c), "public", Response { request-id 0x1234, 0, 0, varbinds { } } }
    [InlineData("v2c Response, empty varbinds", "30 19 02 01 01 04 06 70 75 62 6C 69 63 A2 0C 02 02 12 34 02 01 00 02 01 00 30 00", 0x1234)]
    // version 0 (v1), request-id -1 as one byte
    [InlineData("v1 Response, negative request-id", "30 18 02 01 00 04 06 70 75 62 6C 69 63 A2 0B 02 01 FF 02 01 00 02 01 00 30 00", -1)]
    // v3: SEQUENCE { 3, header { msgID 0x0102, maxSize 65507, flags 00, model 3 }, ... } with anything after the header
    [InlineData("v3, msgID from the header", "30 16 02 01 03 30 0F 02 02 01 02 02 03 00 FF E3 04 01 00 02 01 03 04 00", 0x0102)]
    // the varbinds are not looked at: a broken varbind list still yields the id (the full decode rejects it later)
    [InlineData("v2c Response, varbind list malformed", "30 1B 02 01 01 04 06 70 75 62 6C 69 63 A2 0E 02 02 12 34 02 01 00 02 01 00 30 02 FF FF", 0x1234)]
    public void Valid_YieldsTheKey(string description, string hex, int expected)
    {
        Assert.True(SnmpCodec.TryPeekResponseKey(Hex.Parse(hex), out int key), description);
        Assert.Equal(expected, key);
    }

    [Theory]
    [InlineData("empty", "")]
    [InlineData("truncated sequence", "30 03 02 01")]
    [InlineData("GetRequest, not a Response", "30 19 02 01 01 04 06 70 75 62 6C 69 63 A0 0C 02 02 12 34 02 01 00 02 01 00 30 00")]
    [InlineData("unknown version 2", "30 19 02 01 02 04 06 70 75 62 6C 69 63 A2 0C 02 02 12 34 02 01 00 02 01 00 30 00")]
    [InlineData("trailing byte after the message", "30 19 02 01 01 04 06 70 75 62 6C 69 63 A2 0C 02 02 12 34 02 01 00 02 01 00 30 00 00")]
    [InlineData("v3 negative msgID", "30 16 02 01 03 30 0F 02 02 FF 02 02 03 00 FF E3 04 01 00 02 01 03 04 00")]
    [InlineData("request-id not an INTEGER", "30 19 02 01 01 04 06 70 75 62 6C 69 63 A2 0C 04 02 12 34 02 01 00 02 01 00 30 00")]
    public void Malformed_OrNotAnAnswer_IsFalse(string description, string hex)
    {
        Assert.False(SnmpCodec.TryPeekResponseKey(Hex.Parse(hex), out _), description);
    }

    [Fact]
    public void RandomAndMutatedBytes_NeverThrow_AndAgreeWithTheFullDecode()
    {
        var random = new Random(11);
        byte[] valid = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public",
            new SnmpPdu(SnmpPduType.Response, 777, [new VarBind(Mib2System.SysName.Append(0), SnmpValue.OctetString("name"))])));
        for (int i = 0; i < 20_000; i++)
        {
            byte[] data = (byte[])valid.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                data[random.Next(data.Length)] = (byte)random.Next(256);
            }

            bool peeked = SnmpCodec.TryPeekResponseKey(data, out int key);
            if (SnmpCodec.TryDecode(data, out SnmpMessage? message) == SnmpDecodeStatus.Ok && message is CommunityMessage { Pdu.Type: SnmpPduType.Response } community)
            {
                Assert.True(peeked);
                Assert.Equal(community.Pdu.RequestId, key);
            }
        }
    }
}
