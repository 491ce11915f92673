using City.Central.Configuration;
using City.Central.Mqtt;

namespace City.Central.Tests;

/// <summary>Central:Mqtt:SharedGroup and Central:InstanceId: what is accepted, the client ids and the subscriptions they give.</summary>
public sealed class SharedGroupOptionsTests
{
    [Fact]
    public void SharedGroup_NeedsAnExternalBroker_AndAPlainName()
    {
        var embedded = new CentralOptions { Mqtt = { SharedGroup = "centrals" } };
        Assert.Contains(embedded.Validate(), e => e.StartsWith("Central:Mqtt:SharedGroup: needs Central:Mqtt:Mode=external", StringComparison.Ordinal));

        var badName = new CentralOptions { Mqtt = { Mode = MqttSettings.External, SharedGroup = "a/b", AllowPlain = true } };
        Assert.Contains(badName.Validate(), e => e.StartsWith("Central:Mqtt:SharedGroup: 'a/b'", StringComparison.Ordinal));

        var liteDb = new CentralOptions { Mqtt = { Mode = MqttSettings.External, SharedGroup = "centrals", AllowPlain = true } };
        Assert.Contains(liteDb.Validate(), e => e.StartsWith("Central:Mqtt:SharedGroup: needs Central:Store:Kind=postgres", StringComparison.Ordinal));

        var good = new CentralOptions
        {
            InstanceId = "c-2",
            Mqtt = { Mode = MqttSettings.External, SharedGroup = "centrals", AllowPlain = true },
            Store = { Kind = StoreSettings.Postgres, ConnectionString = "Host=127.0.0.1;Database=city" },
        };
        Assert.Empty(good.Validate());
    }

    [Fact]
    public void ClientIds_AreOwnPerInstance_OnlyWithASharedGroup()
    {
        var one = new CentralOptions { HttpUrl = "http://127.0.0.1:8080" };
        Assert.Equal("central:ingest", one.IngestClientId);
        Assert.EndsWith("-8080", one.ResolvedInstanceId, StringComparison.Ordinal);

        var shared = new CentralOptions { InstanceId = "c-2", Mqtt = { Mode = MqttSettings.External, SharedGroup = "centrals" } };
        Assert.Equal("central:ingest-c-2", shared.IngestClientId);
    }

    [Fact]
    public void Subscriptions_ShareOnlyTheData()
    {
        Assert.Equal([("city/v1/#", true)], IngestSubscriptions.For(null));
        Assert.Equal(
            ["city/v1/+/birth", "city/v1/+/death", "city/v1/+/cmd-result", "$share/g/city/v1/+/data"],
            IngestSubscriptions.For("g").Select(s => s.Filter));
        Assert.DoesNotContain(IngestSubscriptions.For("g"), s => s.NoLocal);
    }
}
