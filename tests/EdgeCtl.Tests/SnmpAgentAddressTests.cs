using System.Net;
using City.EdgeCtl.Snmp;

namespace City.EdgeCtl.Tests;

public sealed class SnmpAgentAddressTests
{
    [Theory]
    [InlineData("10.20.0.5", "10.20.0.5:161")]
    [InlineData("10.20.0.5:1161", "10.20.0.5:1161")]
    [InlineData("udp:10.20.0.5", "10.20.0.5:161")]
    [InlineData("udp:10.20.0.5:162", "10.20.0.5:162")]
    [InlineData("[::1]:1161", "[::1]:1161")]
    [InlineData("::1", "[::1]:161")]
    [InlineData("localhost:1161", "127.0.0.1:1161")]
    public void Agents_ParseAsNetSnmp(string text, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), SnmpOptions.ParseAgent(text));

    [Theory]
    [InlineData("10.20.0.5:0")]
    [InlineData("10.20.0.5:70000")]
    [InlineData("10.20.0.5:x")]
    [InlineData("udp:")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    public void BadAgents_AreCliErrors(string text) =>
        Assert.Throws<SnmpCliException>(() => SnmpOptions.ParseAgent(text));

    [Theory]
    [InlineData(".1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5.0")]
    [InlineData("1.3.6.1", "1.3.6.1")]
    public void Oids_AllowALeadingDot(string text, string expected) =>
        Assert.Equal(expected, SnmpCli.ParseOids([text])[0].ToString());

    [Theory]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("1..3")]
    [InlineData("sysName.0")]
    public void BadOids_AreCliErrors(string text) =>
        Assert.Throws<SnmpCliException>(() => SnmpCli.ParseOids([text]));
}
