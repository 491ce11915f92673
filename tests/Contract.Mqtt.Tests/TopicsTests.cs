namespace City.Contract.Mqtt.Tests;

public sealed class TopicsTests
{
    [Theory]
    [InlineData("city/v1/gw-1/data", "gw-1", TopicKind.Data)]
    [InlineData("city/v1/a.b_c/birth", "a.b_c", TopicKind.Birth)]
    [InlineData("city/v1/x/cmd-result", "x", TopicKind.CmdResult)]
    public void Topics_parse(string topic, string gateway, TopicKind kind)
    {
        Assert.True(Topics.TryParse(topic, out var parsedGateway, out var parsedKind));
        Assert.Equal(gateway, parsedGateway);
        Assert.Equal(kind, parsedKind);
        Assert.Equal(topic, Topics.For(gateway, kind));
    }

    [Theory]
    [InlineData("city/v1/gw/other")]
    [InlineData("city/v1//data")]
    [InlineData("city/v2/gw/data")]
    [InlineData("city/v1/gw/data/extra")]
    [InlineData("city/v1/g+w/data")]
    public void Foreign_topics_do_not_parse(string topic) => Assert.False(Topics.TryParse(topic, out _, out _));

    [Fact]
    public void A_topic_for_an_invalid_gateway_id_is_refused() =>
        Assert.Throws<ArgumentException>(() => Topics.Data("gw/1"));

    [Fact]
    public void Central_subscribes_to_every_topic_of_every_gateway() =>
        Assert.Equal("city/v1/#", Topics.AllGateways);
}
