using System.Net;
using City.EdgeCtl.Snmp;
using City.Protocols.Snmp;

namespace City.EdgeCtl.Tests;

public sealed class SnmpSetValueTests
{
    [Fact]
    public void TypeLetters_MakeTheValuesSnmpsetMakes()
    {
        Assert.Equal(SnmpValue.Integer(-5), SnmpSetValues.ParseValue("i", "-5"));
        Assert.Equal(SnmpValue.Gauge32(4000000000), SnmpSetValues.ParseValue("u", "4000000000"));
        Assert.Equal(SnmpValue.TimeTicks(12345), SnmpSetValues.ParseValue("t", "12345"));
        Assert.Equal(SnmpValue.IpAddress(IPAddress.Parse("10.1.2.3")), SnmpSetValues.ParseValue("a", "10.1.2.3"));
        Assert.Equal(SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1")), SnmpSetValues.ParseValue("o", ".1.3.6.1.4.1"));
        Assert.Equal(SnmpValue.OctetString("cabinet 7"), SnmpSetValues.ParseValue("s", "cabinet 7"));
        Assert.Equal(SnmpValue.OctetString([0x0A, 0x1B, 0xFF]), SnmpSetValues.ParseValue("x", "0a 1B ff"));
        Assert.Equal(SnmpValue.OctetString([192, 168, 1, 1]), SnmpSetValues.ParseValue("d", "192.168.1.1"));
        Assert.Equal(SnmpValue.OctetString([0x90, 0x40]), SnmpSetValues.ParseValue("b", "0 3 9"));
        Assert.Equal(SnmpValue.Null, SnmpSetValues.ParseValue("n", ""));
    }

    [Theory]
    [InlineData("u", "-1")]
    [InlineData("a", "::1")]
    [InlineData("x", "0g")]
    [InlineData("d", "256")]
    [InlineData("o", "1")]
    [InlineData("b", "x")]
    public void MalformedValues_AreCliErrors(string type, string text) =>
        Assert.Throws<SnmpCliException>(() => SnmpSetValues.ParseValue(type, text));
}
