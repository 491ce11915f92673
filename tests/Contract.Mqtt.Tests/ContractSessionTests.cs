using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace City.Contract.Mqtt.Tests;

/// <summary>The session steps against an in-process MQTTnet broker on loopback.</summary>
public sealed class ContractSessionTests : IAsyncLifetime
{
    private readonly MqttClientFactory _factory = new();
    private readonly ConcurrentQueue<MqttApplicationMessage> _received = new();
    private MqttServer _broker = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePort();
        var options = new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(_port).Build();
        _broker = new MqttServerFactory().CreateMqttServer(options);
        await _broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.StopAsync();
        _broker.Dispose();
    }

    [Fact]
    public async Task The_Birth_reaches_a_subscriber_that_comes_later()
    {
        using var gateway = await ConnectGatewayAsync("gw-1", epoch: 4);
        await gateway.PublishBirthAsync(new Birth { GatewayId = "gw-1", Epoch = 4 }, CancellationToken.None);

        using var central = await ConnectCentralAsync();

        var birth = await ReceivedAsync(m => m.Topic == Topics.Birth("gw-1"));
        Assert.True(birth.Retain);
        Assert.Equal(4ul, Birth.Parser.ParseFrom(birth.Payload.ToArray()).Epoch);
    }

    [Fact]
    public async Task A_dropped_gateway_leaves_its_Death_through_the_will()
    {
        using var central = await ConnectCentralAsync();
        var gateway = await ConnectGatewayAsync("gw-2", epoch: 9);

        gateway.Dispose(); // closes the socket without a DISCONNECT packet, as a dropped link does

        var will = await ReceivedAsync(m => m.Topic == Topics.Death("gw-2"));
        Assert.Equal(9ul, Death.Parser.ParseFrom(will.Payload.ToArray()).Epoch);
    }

    [Fact]
    public async Task A_clean_stop_sends_one_Death_and_the_broker_drops_the_will()
    {
        using var central = await ConnectCentralAsync();
        using var gateway = await ConnectGatewayAsync("gw-3", epoch: 2);

        await gateway.CloseWithDeathAsync(new Death { GatewayId = "gw-3", Epoch = 2 }, CancellationToken.None);
        await ReceivedAsync(m => m.Topic == Topics.Death("gw-3"));

        // A marker published after the stop arrives after any will would have: there must be none.
        using var marker = await ConnectGatewayAsync("gw-4", epoch: 1);
        await marker.PublishCheckedAsync(ContractMessages.Data("gw-4", [1]), CancellationToken.None);
        await ReceivedAsync(m => m.Topic == Topics.Data("gw-4"));
        Assert.Single(_received, m => m.Topic == Topics.Death("gw-3"));
    }

    [Fact]
    public async Task A_publish_the_broker_refuses_throws_with_the_reason()
    {
        _broker.InterceptingPublishAsync += e =>
        {
            if (e.ApplicationMessage.Topic == Topics.Data("gw-5"))
            {
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            }

            return Task.CompletedTask;
        };
        using var gateway = await ConnectGatewayAsync("gw-5", epoch: 1);

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => gateway.PublishCheckedAsync(ContractMessages.Data("gw-5", [1]), CancellationToken.None));

        Assert.Equal(Topics.Data("gw-5"), refused.Topic);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, refused.ReasonCode);
    }

    [Fact]
    public async Task A_publish_nobody_subscribed_to_is_still_accepted()
    {
        using var gateway = await ConnectGatewayAsync("gw-6", epoch: 1);

        await gateway.PublishCheckedAsync(ContractMessages.Data("gw-6", [1]), CancellationToken.None);
    }

    [Fact]
    public async Task A_subscription_the_broker_refuses_throws()
    {
        _broker.InterceptingSubscriptionAsync += e =>
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        };
        using var gateway = await ConnectGatewayAsync("gw-7", epoch: 1);

        await Assert.ThrowsAsync<BrokerRefusedException>(() => gateway.SubscribeAtLeastOnceAsync(Topics.Ack("gw-7"), noLocal: false, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_link_is_a_link_failure()
    {
        using var client = _factory.CreateMqttClient();
        var nobody = new BrokerConnection("127.0.0.1", FreePort(), "gw-8");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectCheckedAsync(ContractClientOptions.ForPublisher(nobody), CancellationToken.None));

        Assert.True(ContractClient.IsLinkFailure(failure), failure.ToString());
        Assert.False(ContractClient.IsLinkFailure(new PublishRefusedException("t", MqttClientPublishReasonCode.NotAuthorized, null)));
    }

    private async Task<IMqttClient> ConnectGatewayAsync(string gatewayId, ulong epoch)
    {
        var client = _factory.CreateMqttClient();
        var connection = new BrokerConnection("127.0.0.1", _port, gatewayId);
        await client.ConnectCheckedAsync(ContractClientOptions.ForGateway(connection, new Death { GatewayId = gatewayId, Epoch = epoch }), CancellationToken.None);
        return client;
    }

    private async Task<IMqttClient> ConnectCentralAsync()
    {
        var client = _factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.ConnectCheckedAsync(ContractClientOptions.ForPublisher(new BrokerConnection("127.0.0.1", _port, "central-test")), CancellationToken.None);
        await client.SubscribeAtLeastOnceAsync(Topics.AllGateways, noLocal: true, CancellationToken.None);
        return client;
    }

    private async Task<MqttApplicationMessage> ReceivedAsync(Func<MqttApplicationMessage, bool> match)
    {
        // A generous deadline: this is not a speed test, it only keeps a broken build from hanging.
        for (var i = 0; i < 1000; i++)
        {
            var found = _received.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no matching message received");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
