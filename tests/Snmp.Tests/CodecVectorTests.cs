using System.Net;

namespace City.Protocols.Snmp.Tests;

public class CodecVectorTests
{
    private static T Decode<T>(string hex)
        where T : SnmpMessage
    {
        SnmpDecodeStatus status = SnmpCodec.TryDecode(Hex.Parse(hex), out SnmpMessage? message);
        Assert.Equal(SnmpDecodeStatus.Ok, status);
        return Assert.IsType<T>(message);
    }

    [Fact]
    public void NetSnmpV2cGet_DecodesAndReencodesToTheSameBytes()
    {
        CommunityMessage message = Decode<CommunityMessage>(NetSnmpCaptures.V2cGetRequest);

        Assert.Equal(SnmpVersion.V2c, message.Version);
        Assert.Equal("public", message.CommunityText);
        Assert.Equal(SnmpPduType.GetRequest, message.Pdu.Type);
        Assert.Equal(0x107F379A, message.Pdu.RequestId);
        VarBind varBind = Assert.Single(message.Pdu.VarBinds);
        Assert.Equal(Oid.Parse("1.3.6.1.2.1.1.5.0"), varBind.Oid);
        Assert.Equal(SnmpValueType.Null, varBind.Value.Type);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2cGetRequest), SnmpCodec.Encode(message));
    }

    [Fact]
    public void NetSnmpV2cResponse_CarriesTheOctetString()
    {
        CommunityMessage message = Decode<CommunityMessage>(NetSnmpCaptures.V2cGetResponse);

        Assert.Equal(SnmpPduType.Response, message.Pdu.Type);
        Assert.Equal(SnmpErrorStatus.NoError, message.Pdu.ErrorStatus);
        Assert.Equal("vm", message.Pdu.VarBinds[0].Value.AsString());
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2cGetResponse), SnmpCodec.Encode(message));
    }

    [Fact]
    public void NetSnmpGetBulk_ErrorSlotsCarryNonRepeatersAndMaxRepetitions()
    {
        CommunityMessage request = Decode<CommunityMessage>(NetSnmpCaptures.V2cGetBulkRequest);
        Assert.Equal(SnmpPduType.GetBulkRequest, request.Pdu.Type);
        Assert.Equal(1, request.Pdu.NonRepeaters);
        Assert.Equal(3, request.Pdu.MaxRepetitions);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2cGetBulkRequest), SnmpCodec.Encode(request));

        CommunityMessage response = Decode<CommunityMessage>(NetSnmpCaptures.V2cGetBulkResponse);
        Assert.Equal(4, response.Pdu.VarBinds.Count);
        Assert.Equal(SnmpValue.TimeTicks(541), response.Pdu.VarBinds[0].Value);
        Assert.Equal(Oid.Parse("1.3.6.1.2.1.2.2.1.1.3"), response.Pdu.VarBinds[3].Oid);
        Assert.Equal(3, response.Pdu.VarBinds[3].Value.AsInt32());
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2cGetBulkResponse), SnmpCodec.Encode(response));
    }

    [Fact]
    public void NetSnmpV1Trap_DecodesItsFields()
    {
        CommunityMessage message = Decode<CommunityMessage>(NetSnmpCaptures.V1Trap);

        Assert.Equal(SnmpVersion.V1, message.Version);
        Assert.Equal(SnmpPduType.TrapV1, message.Pdu.Type);
        SnmpTrapV1Fields trap = message.Pdu.TrapV1!;
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206"), trap.Enterprise);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), trap.AgentAddress);
        Assert.Equal(SnmpGenericTrap.EnterpriseSpecific, trap.GenericTrap);
        Assert.Equal(17, trap.SpecificTrap);
        Assert.Equal(1234u, trap.TimeStamp);
        Assert.Equal(128, message.Pdu.VarBinds[0].Value.AsInt32());
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V1Trap), SnmpCodec.Encode(message));
    }

    [Fact]
    public void NetSnmpV2Trap_DecodesEveryValueType()
    {
        CommunityMessage message = Decode<CommunityMessage>(NetSnmpCaptures.V2Trap);
        IReadOnlyList<VarBind> v = message.Pdu.VarBinds;

        Assert.Equal(SnmpPduType.TrapV2, message.Pdu.Type);
        Assert.Equal(SnmpValue.TimeTicks(4321), v[0].Value);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.1.1.4.1.0"), v[1].Oid);
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.0.1"), v[1].Value.AsOid());
        Assert.Equal("cab1", v[2].Value.AsString());
        Assert.Equal(SnmpValue.Counter32(uint.MaxValue), v[3].Value);
        Assert.Equal(SnmpValue.Counter64(ulong.MaxValue), v[4].Value);
        Assert.Equal(IPAddress.Parse("192.168.0.1"), v[5].Value.AsIpAddress());
        Assert.Equal(Oid.Parse("1.3.6"), v[6].Value.AsOid());
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, v[7].Value.AsBytes().ToArray());
        Assert.Equal(SnmpValue.Gauge32(7), v[8].Value);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2Trap), SnmpCodec.Encode(message));
    }

    [Fact]
    public void NetSnmpV3Discovery_RequestAndReport()
    {
        V3Message request = Decode<V3Message>(NetSnmpCaptures.V3DiscoveryRequest);
        Assert.Equal(0x351AA0DA, request.MessageId);
        Assert.Equal(65507, request.MaxSize);
        Assert.Equal(SnmpV3Flags.Reportable, request.Flags);
        Assert.True(request.Security.EngineId.IsEmpty);
        Assert.Empty(request.ScopedPdu!.Pdu.VarBinds);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V3DiscoveryRequest), SnmpCodec.Encode(request));

        V3Message report = Decode<V3Message>(NetSnmpCaptures.V3DiscoveryReport);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V3EngineId), report.Security.EngineId.ToArray());
        Assert.Equal(1, report.Security.EngineBoots);
        Assert.Equal(5, report.Security.EngineTime);
        Assert.Equal(SnmpPduType.Report, report.ScopedPdu!.Pdu.Type);
        Assert.Equal(UsmStats.UnknownEngineIds, report.ScopedPdu.Pdu.VarBinds[0].Oid);
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V3DiscoveryReport), SnmpCodec.Encode(report));
    }

    [Fact]
    public void NetSnmpV3AuthPriv_ReencodesWithTheAuthenticationParametersAtTheDecodedOffset()
    {
        byte[] bytes = Hex.Parse(NetSnmpCaptures.V3AuthPrivGetRequest);
        V3Message message = Decode<V3Message>(NetSnmpCaptures.V3AuthPrivGetRequest);

        Assert.Equal(SnmpV3Flags.Auth | SnmpV3Flags.Priv | SnmpV3Flags.Reportable, message.Flags);
        Assert.Equal("alice", message.Security.UserNameText);
        Assert.Equal(24, message.Security.AuthenticationParameters.Length);
        Assert.Equal(8, message.Security.PrivacyParameters.Length);
        Assert.Null(message.ScopedPdu);
        Assert.False(message.EncryptedPdu.IsEmpty);

        byte[] reencoded = SnmpCodec.Encode(message, out int authOffset);
        Assert.Equal(bytes, reencoded);
        Assert.Equal(message.AuthenticationParametersOffset, authOffset);
        Assert.Equal(message.Security.AuthenticationParameters.ToArray(), bytes.AsSpan(authOffset, 24).ToArray());
    }

    [Theory]
    [InlineData("noSuchObject", "80 00", SnmpValueType.NoSuchObject)]
    [InlineData("noSuchInstance", "81 00", SnmpValueType.NoSuchInstance)]
    [InlineData("endOfMibView", "82 00", SnmpValueType.EndOfMibView)]
    [InlineData("Opaque", "44 02 9F 78", SnmpValueType.Opaque)]
    [InlineData("NULL", "05 00", SnmpValueType.Null)]
    public void VarBindExceptionsAndRareTypes_RoundTrip(string description, string valueHex, SnmpValueType expected)
    {
        byte[] value = Hex.Parse(valueHex);
        byte[] message = BuildV2cResponse(value);

        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(message, out SnmpMessage? decoded));
        SnmpValue decodedValue = ((CommunityMessage)decoded!).Pdu.VarBinds[0].Value;
        Assert.True(expected == decodedValue.Type, description);
        Assert.Equal(message, SnmpCodec.Encode(decoded!));
    }

    [Theory]
    [InlineData("zero", "02 01 00", 0)]
    [InlineData("127", "02 01 7F", 127)]
    [InlineData("128 needs a leading zero", "02 02 00 80", 128)]
    [InlineData("-1", "02 01 FF", -1)]
    [InlineData("-129", "02 02 FF 7F", -129)]
    [InlineData("Int32.MaxValue", "02 04 7F FF FF FF", int.MaxValue)]
    [InlineData("Int32.MinValue", "02 04 80 00 00 00", int.MinValue)]
    [InlineData("redundant leading 0x00 is tolerated", "02 02 00 7F", 127)]
    public void Integer_Vectors(string description, string valueHex, int expected)
    {
        byte[] message = BuildV2cResponse(Hex.Parse(valueHex));

        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(message, out SnmpMessage? decoded));
        Assert.True(expected == ((CommunityMessage)decoded!).Pdu.VarBinds[0].Value.AsInt32(), description);
    }

    [Theory]
    [InlineData("Counter32 0", "41 01 00", SnmpValueType.Counter32, 0UL)]
    [InlineData("Gauge32 2^31 with leading zero", "42 05 00 80 00 00 00", SnmpValueType.Gauge32, 0x80000000UL)]
    [InlineData("TimeTicks without the leading zero (agent bug) read as unsigned", "43 04 FF FF FF FF", SnmpValueType.TimeTicks, 0xFFFFFFFFUL)]
    [InlineData("Counter64 2^63", "46 09 00 80 00 00 00 00 00 00 00", SnmpValueType.Counter64, 0x8000000000000000UL)]
    public void Unsigned_Vectors(string description, string valueHex, SnmpValueType type, ulong expected)
    {
        byte[] message = BuildV2cResponse(Hex.Parse(valueHex));

        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(message, out SnmpMessage? decoded));
        SnmpValue value = ((CommunityMessage)decoded!).Pdu.VarBinds[0].Value;
        Assert.Equal(type, value.Type);
        Assert.True(expected == value.AsUInt64(), description);
    }

    [Theory]
    [InlineData("2.999.3 (first sub-identifier above 80)", "06 03 88 37 03", "2.999.3")]
    [InlineData("1.3.6.1.4.1.1206 (two-byte arc)", "06 07 2B 06 01 04 01 89 36", "1.3.6.1.4.1.1206")]
    [InlineData("arc 2^32-1", "06 06 2B 8F FF FF FF 7F", "1.3.4294967295")]
    public void Oid_Vectors(string description, string valueHex, string expected)
    {
        byte[] message = BuildV2cResponse(Hex.Parse(valueHex));

        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(message, out SnmpMessage? decoded));
        Assert.True(Oid.Parse(expected) == ((CommunityMessage)decoded!).Pdu.VarBinds[0].Value.AsOid(), description);
        Assert.Equal(message, SnmpCodec.Encode(decoded!));
    }

    [Fact]
    public void EveryErrorStatus_RoundTrips()
    {
        foreach (SnmpErrorStatus status in Enum.GetValues<SnmpErrorStatus>())
        {
            var pdu = new SnmpPdu(SnmpPduType.Response, 7, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.1.0"))], (int)status, 1);
            byte[] bytes = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", pdu));
            Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(bytes, out SnmpMessage? decoded));
            Assert.Equal(status, ((CommunityMessage)decoded!).Pdu.ErrorStatus);
        }
    }

    [Theory]
    [InlineData(SnmpPduType.GetRequest)]
    [InlineData(SnmpPduType.GetNextRequest)]
    [InlineData(SnmpPduType.Response)]
    [InlineData(SnmpPduType.SetRequest)]
    [InlineData(SnmpPduType.GetBulkRequest)]
    [InlineData(SnmpPduType.InformRequest)]
    [InlineData(SnmpPduType.TrapV2)]
    [InlineData(SnmpPduType.Report)]
    public void EveryV2PduType_RoundTripsInV3PlaintextAndV2c(SnmpPduType type)
    {
        var pdu = new SnmpPdu(type, 1234, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(99))], 0, 0);
        byte[] community = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "x", pdu));
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(community, out SnmpMessage? decoded));
        Assert.Equal(type, ((CommunityMessage)decoded!).Pdu.Type);

        var v3 = new V3Message(42, 1500, SnmpV3Flags.Reportable, new UsmSecurityParameters(new byte[] { 0x80, 0, 0, 0, 5, 1 }, 3, 4, "u"u8.ToArray(), default, default),
            new ScopedPdu(new byte[] { 0x80, 0, 0, 0, 5, 1 }, default, pdu));
        byte[] v3Bytes = SnmpCodec.Encode(v3);
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(v3Bytes, out SnmpMessage? decodedV3));
        var message = (V3Message)decodedV3!;
        Assert.Equal(type, message.ScopedPdu!.Pdu.Type);
        Assert.Equal(1234, message.ScopedPdu.Pdu.RequestId);
        Assert.Equal(3, message.Security.EngineBoots);
        Assert.Equal("u", message.Security.UserNameText);
    }

    [Fact]
    public void TryEncode_WritesIntoASpan_AndRefusesOneTooSmall()
    {
        CommunityMessage message = Decode<CommunityMessage>(NetSnmpCaptures.V2cGetBulkResponse);
        V3Message v3 = Decode<V3Message>(NetSnmpCaptures.V3DiscoveryReport);
        Span<byte> buffer = stackalloc byte[256];

        Assert.True(SnmpCodec.TryEncode(message, buffer, out int written));
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V2cGetBulkResponse), buffer[..written].ToArray());
        Assert.True(SnmpCodec.TryEncode(v3, buffer, out written));
        Assert.Equal(Hex.Parse(NetSnmpCaptures.V3DiscoveryReport), buffer[..written].ToArray());
        Assert.False(SnmpCodec.TryEncode(message, buffer[..(Hex.Parse(NetSnmpCaptures.V2cGetBulkResponse).Length - 1)], out _));
    }

    /// <summary>A v2c Response with one varbind 1.3.6.1 = the given value TLV.</summary>
    internal static byte[] BuildV2cResponse(byte[] valueTlv)
    {
        byte[] varBind = [0x30, (byte)(5 + valueTlv.Length), 0x06, 0x03, 0x2B, 0x06, 0x01, .. valueTlv];
        byte[] list = [0x30, (byte)varBind.Length, .. varBind];
        byte[] pduBody = [0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, .. list];
        byte[] pdu = [0xA2, (byte)pduBody.Length, .. pduBody];
        byte[] body = [0x02, 0x01, 0x01, 0x04, 0x01, 0x70, .. pdu];
        return [0x30, (byte)body.Length, .. body];
    }
}
