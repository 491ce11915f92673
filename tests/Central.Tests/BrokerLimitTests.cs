using City.Contract;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Central.Tests;

/// <summary>The embedded broker refuses a packet above Central:MaxPayloadBytes (plus headroom) before taking it in.</summary>
public sealed class BrokerLimitTests
{
    [Fact]
    public async Task OversizePublish_ClosesThatConnection_AndNeverReachesIngest_WhileANormalGatewayDelivers()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true", "--Central:MaxPayloadBytes=65536");
        await using var good = await FakeGateway.ConnectAsync(central.MqttPort, "cab-good");
        await good.BirthAsync(1);

        using var big = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        big.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await big.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", central.MqttPort)
            .WithClientId("cab-big")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        var publish = big.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Data("cab-big"))
            .WithPayload(new byte[16 * 1024 * 1024])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<Exception>(() => publish);

        await good.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await good.NextAckAsync()).CommittedSeqs);
        var stats = await central.StatsAsync();
        Assert.Equal(0, CentralHost.Rejected(stats, "oversize"));
        Assert.Equal(1, stats.GetProperty("batchesAccepted").GetInt64());
    }

    [Fact]
    public async Task PayloadJustAboveMaxPayloadBytes_StillReachesIngest_AndIsRejectedAsOversize()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true", "--Central:MaxPayloadBytes=65536");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-edge");
        await gateway.PublishAsync(Topics.Data("cab-edge"), new byte[65536 + 100]);
        await central.WaitForRejectedAsync("oversize", 1);
    }
}
