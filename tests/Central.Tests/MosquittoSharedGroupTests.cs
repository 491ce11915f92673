using System.Text;
using City.Central.Mqtt;
using City.Contract;
using MQTTnet;

namespace City.Central.Tests;

/// <summary>
/// Several centrals on Debian's mosquitto 2.0, configured by <c>central mosquitto-config</c>: each with client ids of its
/// own and the subscriptions of <see cref="IngestSubscriptions"/> for one shared group.
/// </summary>
public sealed class MosquittoSharedGroupTests : SecureMosquittoTest
{
    private async Task<TlsTestClient> CentralAsync(string clientId, bool persistent = true)
    {
        var client = await TlsTestClient.ConnectAsync(Broker.CentralPort, ClientFiles.Central(Pki.Store), clientId, cleanStart: !persistent, sessionExpirySeconds: persistent ? 3600u : 0u);
        foreach (var (filter, _) in IngestSubscriptions.For("centrals"))
        {
            Assert.Equal([MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1], await client.SubscribeAsync(filter));
        }

        return client;
    }

    [Fact]
    public async Task TwoCentrals_SplitTheData_AndBothGetEveryBirthDeathAndCommandResult()
    {
        var gw = Pki.Issue("gw-001");
        await using var a = await CentralAsync("central:ingest-a");
        await using var b = await CentralAsync("central:ingest-b");
        await using var gateway = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw, "gw-001");

        await gateway.PublishAsync(Topics.Birth("gw-001"), Encoding.UTF8.GetBytes("birth"));
        const int Batches = 20;
        for (var i = 0; i < Batches; i++)
        {
            await gateway.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("batch " + i));
        }

        await gateway.PublishAsync(Topics.CommandResult("gw-001"), Encoding.UTF8.GetBytes("result"));
        await gateway.PublishAsync(Topics.Death("gw-001"), Encoding.UTF8.GetBytes("death"));

        // Each central gets the birth, the result and the death; the batches go to one central or the other, never both.
        var received = new List<(string Central, MqttApplicationMessage Message)>();
        await Wait.UntilAsync(
            () =>
            {
                received.AddRange(a.Drain().Select(m => ("a", m)));
                received.AddRange(b.Drain().Select(m => ("b", m)));
                return Task.FromResult(received.Count >= Batches + 6);
            },
            TimeSpan.FromSeconds(10),
            "the messages to arrive");
        foreach (var central in new[] { "a", "b" })
        {
            var topics = received.Where(r => r.Central == central).Select(r => r.Message.Topic).ToList();
            Assert.Single(topics, Topics.Birth("gw-001"));
            Assert.Single(topics, Topics.Death("gw-001"));
            Assert.Single(topics, Topics.CommandResult("gw-001"));
        }

        var batches = received.Where(r => r.Message.Topic == Topics.Data("gw-001")).ToList();
        Assert.Equal(Batches, batches.Select(r => Encoding.UTF8.GetString(r.Message.Payload)).Distinct().Count());
        Assert.Equal(Batches, batches.Count);
        Assert.Contains(batches, r => r.Central == "a");
        Assert.Contains(batches, r => r.Central == "b");
    }

    [Fact]
    public async Task Gateway_ReadsNothingThroughSharedSubscriptions_AndOneInTheGroupOnlyDivertsBatches()
    {
        var gw1 = Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await CentralAsync("central:ingest-a");
        await using var snoop = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw2, "gw-002");

        // mosquitto 2.0's acl_file does not refuse these SUBSCRIBEs; its ACL is applied to each delivery instead.
        Assert.Equal([MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1], await snoop.SubscribeAsync("$share/centrals/city/v1/+/data", "$share/x/city/v1/#"));
        await using var owner = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001");
        const int Batches = 6;
        for (var i = 0; i < Batches; i++)
        {
            await owner.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("batch " + i));
        }

        // The snooper joined central's group: its turns of the round robin are refused by the ACL and dropped, so central
        // gets only some of the batches (their edges get no ack and send them again); the snooper reads none.
        await central.PublishAsync(Topics.Ack("gw-002"), Encoding.UTF8.GetBytes("own ack"));
        await Wait.UntilAsync(() => Task.FromResult(snoop.Drain().Any(m => m.Topic == Topics.Ack("gw-002"))), TimeSpan.FromSeconds(10), "the snooper's own ack");
        Assert.Empty(snoop.Drain());
        var atCentral = central.Drain().Count(m => m.Topic == Topics.Data("gw-001"));
        Assert.InRange(atCentral, 1, Batches - 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MemberThatLeft_GetsItsShareQueuedOnlyWithAPersistentSession(bool persistent)
    {
        var gw = Pki.Issue("gw-001");
        await using var a = await CentralAsync("central:ingest-a", persistent: false);
        var b = await CentralAsync("central:ingest-b", persistent);
        await b.DisposeAsync();
        await using var gateway = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw, "gw-001");
        const int Batches = 10;
        for (var i = 0; i < Batches; i++)
        {
            await gateway.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("batch " + i));
        }

        // A marker through a's plain subscription, after the batches: what a has not got by then went to b's session.
        await gateway.PublishAsync(Topics.Death("gw-001"), Encoding.UTF8.GetBytes("death"));
        var received = new List<MqttApplicationMessage>();
        await Wait.UntilAsync(
            () =>
            {
                received.AddRange(a.Drain());
                return Task.FromResult(received.Any(m => m.Topic == Topics.Death("gw-001")));
            },
            TimeSpan.FromSeconds(10),
            "the death after the batches");
        var atA = received.Count(m => m.Topic == Topics.Data("gw-001"));
        if (persistent)
        {
            Assert.InRange(atA, 1, Batches - 1);
        }
        else
        {
            Assert.Equal(Batches, atA);
        }
    }

    [Fact]
    public async Task TwoCentralsClientIds_BothStayConnected()
    {
        await using var a = await CentralAsync("central:ingest-a");
        await using var aAcks = await TlsTestClient.ConnectAsync(Broker.CentralPort, ClientFiles.Central(Pki.Store), "central:ingest-a-acks");
        await using var b = await CentralAsync("central:ingest-b");
        await using var bAcks = await TlsTestClient.ConnectAsync(Broker.CentralPort, ClientFiles.Central(Pki.Store), "central:ingest-b-acks");
        Assert.True(a.Client.IsConnected && aAcks.Client.IsConnected && b.Client.IsConnected && bAcks.Client.IsConnected);
        Assert.DoesNotContain("already connected", Broker.Log, StringComparison.Ordinal);
    }
}
