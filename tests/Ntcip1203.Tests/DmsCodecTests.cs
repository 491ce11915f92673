using System.Net;
using System.Text;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1203.Tests;

/// <summary>The NTCIP 1203 values this stack encodes, as octets, and the object identifiers it uses.</summary>
public class DmsCodecTests
{
    [Fact]
    public void ActivationCode_IsTwelveOctets_InTheStructuresOrder()
    {
        // duration 65535 (until replaced), priority 255, changeable (3), message 1, CRC 0x906E, source 10.20.0.1
        var code = new MessageActivationCode(0xFFFF, 255, MessageMemoryType.Changeable, 1, 0x906E, IPAddress.Parse("10.20.0.1"));
        Assert.Equal(Hex.Parse("FFFF FF 03 0001 906E 0A140001"), code.Encode());
        Assert.True(MessageActivationCode.TryDecode(code.Encode(), out var decoded));
        Assert.Equal(code, decoded);
    }

    [Fact]
    public void BlankActivation_UsesTheBlankMemoryType_WithoutCrc() =>
        Assert.Equal(Hex.Parse("FFFF 80 07 0001 0000 00000000"), MessageActivationCode.Blank(128, IPAddress.Any).Encode());

    [Theory]
    [InlineData("FFFF FF 03 0001 906E 0A1400")] // 11 octets
    [InlineData("FFFF FF 08 0001 906E 0A140001")] // memory type 8
    [InlineData("FFFF FF 00 0001 906E 0A140001")] // memory type 0
    public void ActivationCode_OfTheWrongShape_IsRefused(string hex) => Assert.False(MessageActivationCode.TryDecode(Hex.Parse(hex), out _));

    [Fact]
    public void MessageIdCode_IsFiveOctets()
    {
        var id = new MessageIdCode(MessageMemoryType.Changeable, 2, 0x1234);
        Assert.Equal(Hex.Parse("03 0002 1234"), id.Encode());
        Assert.True(MessageIdCode.TryDecode(id.Encode(), out var decoded));
        Assert.Equal(id, decoded);
        Assert.False(MessageIdCode.TryDecode(Hex.Parse("03 0002 12"), out _));
    }

    [Fact]
    public void Crc16_HasTheX25CheckValue()
    {
        // The CRC catalogue's check value of CRC-16/X-25 (ISO/IEC 3309 HDLC FCS) over "123456789".
        Assert.Equal(0x906E, MessageCrc.Crc16X25(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(MessageCrc.Crc16X25(Encoding.ASCII.GetBytes("ROAD WORK\0\0")), MessageCrc.Of("ROAD WORK", 0, 0));
        Assert.NotEqual(MessageCrc.Of("ROAD WORK", 0, 0), MessageCrc.Of("ROAD WORK", 1, 0));
    }

    [Fact]
    public void Objects_HaveTheirNtcip1203Identifiers()
    {
        Assert.Equal("1.3.6.1.4.1.1206.4.2.3.6.3.0", DmsObjects.DmsActivateMessage.ToString().TrimStart('.'));
        Assert.Equal("1.3.6.1.4.1.1206.4.2.3.9.7.1.0", DmsObjects.ShortErrorStatus.ToString().TrimStart('.'));
        Assert.Equal("1.3.6.1.4.1.1206.4.2.3.5.8.1.3.3.1", DmsObjects.MessageCell(DmsObjects.MessageMultiStringColumn, MessageMemoryType.Changeable, 1).ToString().TrimStart('.'));
        Assert.Equal("1.3.6.1.4.1.1206.4.2.3.9.6.0", DmsObjects.DmsStatDoorOpen.ToString().TrimStart('.'));
        Assert.Equal("1.3.6.1.4.1.1206.4.2.3.6.5.0", DmsObjects.DmsMsgTableSource.ToString().TrimStart('.'));
    }

    [Fact]
    public void Status_CountsFailedLampsByBit_AndNamesTheFaults()
    {
        Assert.Equal(3, SignStatus.CountBits(Hex.Parse("8001 40")));
        var status = new SignStatus(ShortErrorStatus.Pixel | ShortErrorStatus.Lamp | ShortErrorStatus.DoorOpen, 4, 1, 0, 1, 0);
        Assert.True(status.DoorOpen);
        Assert.Equal("pixel x4, lamp x1, door open", status.Describe());
        Assert.Equal("ok", new SignStatus(ShortErrorStatus.None, 0, 0, 0, 0, 0).Describe());
        Assert.Equal(1 << 13, (int)ShortErrorStatus.DoorOpen);
        Assert.Equal(1 << 5, (int)ShortErrorStatus.Pixel);
    }
}
