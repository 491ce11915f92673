namespace City.Protocols.Snmp.Tests;

public class CodecMalformedTests
{
    [Theory]
    [InlineData("empty input", "", SnmpDecodeStatus.Truncated)]
    [InlineData("one byte", "30", SnmpDecodeStatus.Truncated)]
    [InlineData("outer length past the end", "30 29 02 01 01", SnmpDecodeStatus.Truncated)]
    [InlineData("indefinite outer length", "30 80 02 01 01 04 01 70 A0 0B 02 01 01 02 01 00 02 01 00 30 00 00 00", SnmpDecodeStatus.IndefiniteLength)]
    [InlineData("indefinite length, no end-of-contents", "30 80 02 01 01", SnmpDecodeStatus.IndefiniteLength)]
    [InlineData("five length bytes", "30 85 01 00 00 00 00 02 01 01", SnmpDecodeStatus.LengthTooLarge)]
    [InlineData("length 2^32-1", "30 84 FF FF FF FF 02 01 01", SnmpDecodeStatus.LengthTooLarge)]
    [InlineData("length 2^31-1 on a short input", "30 84 7F FF FF FF 02 01 01", SnmpDecodeStatus.Truncated)]
    [InlineData("outer tag is not SEQUENCE", "31 03 02 01 01", SnmpDecodeStatus.UnexpectedTag)]
    [InlineData("high tag number form", "1F 81 00 00", SnmpDecodeStatus.UnexpectedTag)]
    [InlineData("version 2", "30 03 02 01 02", SnmpDecodeStatus.UnsupportedVersion)]
    [InlineData("version is an OCTET STRING", "30 03 04 01 01", SnmpDecodeStatus.UnexpectedTag)]
    [InlineData("empty version INTEGER", "30 02 02 00", SnmpDecodeStatus.InvalidInteger)]
    [InlineData("missing PDU", "30 06 02 01 01 04 01 70", SnmpDecodeStatus.Truncated)]
    [InlineData("unknown PDU tag A9", "30 0F 02 01 01 04 01 70 A9 07 02 01 01 02 01 00 02", SnmpDecodeStatus.UnknownPduType)]
    [InlineData("GetBulk in v1", "30 15 02 01 00 04 01 70 A5 0D 02 01 01 02 01 00 02 01 00 30 02 30 00", SnmpDecodeStatus.UnknownPduType)]
    [InlineData("v1 Trap in v2c", "30 15 02 01 01 04 01 70 A4 0D 02 01 01 02 01 00 02 01 00 30 02 30 00", SnmpDecodeStatus.UnknownPduType)]
    [InlineData("trailing bytes after the message", "30 13 02 01 01 04 01 70 A0 0B 02 01 01 02 01 00 02 01 00 30 00 00", SnmpDecodeStatus.TrailingData)]
    [InlineData("request id above Int32", "30 17 02 01 01 04 01 70 A0 0F 02 05 01 00 00 00 00 02 01 00 02 01 00 30 00", SnmpDecodeStatus.IntegerOutOfRange)]
    [InlineData("varbind is not a SEQUENCE", "30 15 02 01 01 04 01 70 A0 0D 02 01 01 02 01 00 02 01 00 30 02 04 00", SnmpDecodeStatus.UnexpectedTag)]
    [InlineData("varbind name is not an OID", "30 19 02 01 01 04 01 70 A0 11 02 01 01 02 01 00 02 01 00 30 06 30 04 04 00 05 00", SnmpDecodeStatus.UnexpectedTag)]
    [InlineData("empty OID", "30 19 02 01 01 04 01 70 A0 11 02 01 01 02 01 00 02 01 00 30 06 30 04 06 00 05 00", SnmpDecodeStatus.InvalidObjectIdentifier)]
    [InlineData("OID ends inside a sub-identifier", "30 1A 02 01 01 04 01 70 A0 12 02 01 01 02 01 00 02 01 00 30 07 30 05 06 01 81 05 00", SnmpDecodeStatus.InvalidObjectIdentifier)]
    [InlineData("OID with non-minimal 0x80 sub-identifier", "30 1B 02 01 01 04 01 70 A0 13 02 01 01 02 01 00 02 01 00 30 08 30 06 06 02 80 01 05 00", SnmpDecodeStatus.InvalidObjectIdentifier)]
    [InlineData("varbind with a third element", "30 1C 02 01 01 04 01 70 A0 14 02 01 01 02 01 00 02 01 00 30 09 30 07 06 01 2B 05 00 05 00", SnmpDecodeStatus.TrailingData)]
    [InlineData("varbind value missing", "30 19 02 01 01 04 01 70 A0 11 02 01 01 02 01 00 02 01 00 30 06 30 03 06 01 2B 00", SnmpDecodeStatus.Truncated)]
    [InlineData("inner length runs past its SEQUENCE", "30 1B 02 01 01 04 01 70 A0 13 02 01 01 02 01 00 02 01 00 30 08 30 09 06 01 2B 05 00 00", SnmpDecodeStatus.Truncated)]
    [InlineData("nested garbage inside varbind list", "30 1B 02 01 01 04 01 70 A0 13 02 01 01 02 01 00 02 01 00 30 08 30 06 30 04 30 02 30 00", SnmpDecodeStatus.UnexpectedTag)]
    public void MalformedMessages_ReturnANamedStatus(string description, string hex, SnmpDecodeStatus expected)
    {
        SnmpDecodeStatus status = SnmpCodec.TryDecode(Hex.Parse(hex), out SnmpMessage? message);

        Assert.True(expected == status, $"{description}: expected {expected}, got {status}");
        Assert.Null(message);
    }

    [Theory]
    [InlineData("NULL with contents", "05 01 00", SnmpDecodeStatus.InvalidValueLength)]
    [InlineData("noSuchObject with contents", "80 01 00", SnmpDecodeStatus.InvalidValueLength)]
    [InlineData("IpAddress of 3 bytes", "40 03 01 02 03", SnmpDecodeStatus.InvalidValueLength)]
    [InlineData("Counter32 above 2^32", "41 05 01 00 00 00 00", SnmpDecodeStatus.IntegerOutOfRange)]
    [InlineData("Counter64 above 2^64", "46 09 01 00 00 00 00 00 00 00 00", SnmpDecodeStatus.IntegerOutOfRange)]
    [InlineData("INTEGER above Int32", "02 05 00 80 00 00 00", SnmpDecodeStatus.IntegerOutOfRange)]
    [InlineData("empty INTEGER", "02 00", SnmpDecodeStatus.InvalidInteger)]
    [InlineData("empty Gauge32", "42 00", SnmpDecodeStatus.InvalidInteger)]
    [InlineData("unknown application tag 45 (NsapAddress)", "45 00", SnmpDecodeStatus.UnknownValueType)]
    [InlineData("constructed OCTET STRING", "24 00", SnmpDecodeStatus.UnknownValueType)]
    [InlineData("BOOLEAN", "01 01 FF", SnmpDecodeStatus.UnknownValueType)]
    [InlineData("OID sub-identifier above 2^32-1", "06 07 2B 90 80 80 80 80 00", SnmpDecodeStatus.InvalidObjectIdentifier)]
    public void MalformedValues_ReturnANamedStatus(string description, string valueHex, SnmpDecodeStatus expected)
    {
        byte[] message = CodecVectorTests.BuildV2cResponse(Hex.Parse(valueHex));

        SnmpDecodeStatus status = SnmpCodec.TryDecode(message, out _);

        Assert.True(expected == status, $"{description}: expected {expected}, got {status}");
    }

    [Fact]
    public void V3_PrivFlagWithoutAuth_IsInvalidFlags()
    {
        byte[] bytes = Hex.Parse(NetSnmpCaptures.V3DiscoveryRequest);
        bytes[20] = 0x02; // msgFlags: priv only

        Assert.Equal(SnmpDecodeStatus.InvalidFlags, SnmpCodec.TryDecode(bytes, out _));
    }

    [Fact]
    public void V3_SecurityModelOtherThanUsm_IsRefused()
    {
        byte[] bytes = Hex.Parse(NetSnmpCaptures.V3DiscoveryRequest);
        bytes[23] = 0x02; // msgSecurityModel 2 (community-based)

        Assert.Equal(SnmpDecodeStatus.UnsupportedSecurityModel, SnmpCodec.TryDecode(bytes, out _));
    }

    [Fact]
    public void V3_PlaintextScopedPduWithPrivFlag_IsRefused()
    {
        byte[] bytes = Hex.Parse(NetSnmpCaptures.V3DiscoveryRequest);
        bytes[20] = 0x07;

        Assert.Equal(SnmpDecodeStatus.UnexpectedTag, SnmpCodec.TryDecode(bytes, out _));
    }

    [Fact]
    public void EveryTruncationOfRealPackets_ReturnsAStatus()
    {
        foreach (string hex in new[] { NetSnmpCaptures.V2Trap, NetSnmpCaptures.V3AuthPrivGetRequest, NetSnmpCaptures.V3DiscoveryReport, NetSnmpCaptures.V1Trap })
        {
            byte[] full = Hex.Parse(hex);
            for (int length = 0; length < full.Length; length++)
            {
                SnmpDecodeStatus status = SnmpCodec.TryDecode(full.AsSpan(0, length), out SnmpMessage? message);
                Assert.NotEqual(SnmpDecodeStatus.Ok, status);
                Assert.Null(message);
            }
        }
    }
}
