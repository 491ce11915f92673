using City.Central.Mqtt;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>The embedded broker's rules as pure functions: client ids, publish and subscribe per identity, the admission rate.</summary>
public sealed class AccessRulesTests
{
    [Theory]
    [InlineData("gw-001", "gw-001", true)]
    [InlineData("gw-001", "gw-001:tool", true)]
    [InlineData("gw-001", "gw-001:a:b", true)]
    [InlineData("gw-001", "gw-001:", false)]
    [InlineData("gw-001", "gw-0011", false)]
    [InlineData("gw-001", "gw-00", false)]
    [InlineData("gw-001", "central:ingest", false)]
    [InlineData("gw-001", "GW-001", false)]
    [InlineData("central", "central:ingest", true)]
    [InlineData("central", "central:ingest-acks", true)]
    [InlineData("central", "centralx", false)]
    public void ClientIdMatches_IdentityOrIdentityColonSuffix(string identity, string clientId, bool expected) =>
        Assert.Equal(expected, AccessRules.ClientIdMatches(identity, clientId));

    [Theory]
    [InlineData("gw-001:tool", "gw-001")]
    [InlineData("gw-001", "gw-001")]
    [InlineData(":x", "")]
    [InlineData("", "")]
    public void IdentityOf_IsTheTextBeforeTheFirstColon(string clientId, string identity) =>
        Assert.Equal(identity, AccessRules.IdentityOf(clientId));

    [Theory]
    [InlineData("gw-001", "city/v1/gw-001/data", true)]
    [InlineData("gw-001", "city/v1/gw-001/birth", true)]
    [InlineData("gw-001", "city/v1/gw-001/death", true)]
    [InlineData("gw-001", "city/v1/gw-001/cmd-result", true)]
    [InlineData("gw-001", "city/v1/gw-001/ack", false)]
    [InlineData("gw-001", "city/v1/gw-001/cmd", false)]
    [InlineData("gw-001", "city/v1/gw-002/data", false)]
    [InlineData("gw-001", "city/v1/gw-001/data/x", false)]
    [InlineData("gw-001", "city/v1/gw-001/other", false)]
    [InlineData("gw-001", "elsewhere", false)]
    [InlineData("gw-001", "", false)]
    [InlineData("central", "city/v1/gw-001/ack", true)]
    [InlineData("central", "city/v1/gw-001/cmd", true)]
    [InlineData("central", "city/v1/gw-001/data", false)]
    [InlineData("central", "city/v1/gw-001/birth", false)]
    [InlineData("central", "elsewhere", false)]
    public void MayPublish(string identity, string topic, bool expected) =>
        Assert.Equal(expected, AccessRules.MayPublish(identity, topic));

    [Theory]
    [InlineData("gw-001", "city/v1/gw-001/ack", true)]
    [InlineData("gw-001", "city/v1/gw-001/cmd", true)]
    [InlineData("gw-001", "city/v1/gw-001/+", false)]
    [InlineData("gw-001", "city/v1/gw-001/#", false)]
    [InlineData("gw-001", "city/v1/gw-001/data", false)]
    [InlineData("gw-001", "city/v1/gw-002/ack", false)]
    [InlineData("gw-001", "city/v1/+/ack", false)]
    [InlineData("gw-001", "city/v1/#", false)]
    [InlineData("gw-001", "#", false)]
    [InlineData("gw-001", "$share/g/city/v1/gw-001/ack", false)]
    [InlineData("central", "city/v1/#", true)]
    [InlineData("central", "city/v1/+/data", true)]
    [InlineData("central", "#", false)]
    [InlineData("central", "$SYS/#", false)]
    public void MaySubscribe(string identity, string filter, bool expected) =>
        Assert.Equal(expected, AccessRules.MaySubscribe(identity, filter));

    [Theory]
    [InlineData("central", true)]
    [InlineData("gw-001", true)]
    [InlineData("gw/001", false)]
    [InlineData("gw+", false)]
    [InlineData("#", false)]
    [InlineData("", false)]
    public void IsKnownForm_CentralOrAValidGatewayId(string identity, bool expected) =>
        Assert.Equal(expected, AccessRules.IsKnownForm(identity));

    [Fact]
    public void AdmissionLimiter_BurstThenRate_AndAdmittedOnesAreFree()
    {
        var time = new FakeTimeProvider();
        var limiter = new AdmissionLimiter(3, time);
        Assert.True(limiter.TryAdmit("a"));
        Assert.True(limiter.TryAdmit("b"));
        Assert.True(limiter.TryAdmit("c"));
        Assert.False(limiter.TryAdmit("d"));
        Assert.True(limiter.TryAdmit("a"));

        time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(limiter.TryAdmit("d"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAdmit("d"));
        Assert.False(limiter.TryAdmit("e"));

        // A long quiet spell refills only up to the burst.
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(limiter.TryAdmit("e"));
        Assert.True(limiter.TryAdmit("f"));
        Assert.True(limiter.TryAdmit("g"));
        Assert.False(limiter.TryAdmit("h"));
    }
}
