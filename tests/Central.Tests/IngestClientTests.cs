using Microsoft.Extensions.DependencyInjection;
using City.Central.Mqtt;
using MQTTnet;

namespace City.Central.Tests;

public sealed class IngestClientTests
{
    [Fact]
    public void Both_connections_use_large_socket_buffers_not_MQTTnets_default()
    {
        // MQTTnet's 8 KiB default fixes SO_RCVBUF at 16 KiB: against mosquitto a backlog then drains on
        // loopback in window-sized pieces on the kernel's 200 ms timers (tens of messages per second).
        var connection = IngestClient.Connection("127.0.0.1", 11883, "central:ingest", null, null);

        foreach (var options in new[] { ContractClientOptions.ForIngest(connection), ContractClientOptions.ForPublisher(connection) })
        {
            var tcp = Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions);
            Assert.True(tcp.BufferSize >= 256 * 1024, $"BufferSize {tcp.BufferSize}");
            Assert.Equal("central:ingest", options.ClientId);
        }
    }

    [Fact]
    public void The_intake_keeps_a_persistent_session_and_the_ack_publisher_starts_clean()
    {
        var connection = IngestClient.Connection("127.0.0.1", 11883, "central:ingest", "central", "secret");

        var intake = ContractClientOptions.ForIngest(connection);
        var publisher = ContractClientOptions.ForPublisher(connection);

        Assert.False(intake.CleanSession);
        Assert.Equal(24u * 3600, intake.SessionExpiryInterval);
        Assert.True(publisher.CleanSession);
        Assert.Equal("central", intake.Credentials.GetUserName(intake));
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5)), (intake.KeepAlivePeriod, intake.Timeout));
    }

    [Fact]
    public async Task Central_with_the_embedded_broker_gives_its_ingest_client_TLS_with_centrals_own_certificate()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false");
        var tls = central.App.Services.GetRequiredService<BrokerEndpoint>().Tls;
        Assert.NotNull(tls);
        Assert.Equal(Path.Combine(central.PkiDirectory, "ca.crt"), tls.CaFile);
        Assert.Equal(Path.Combine(central.PkiDirectory, "central.crt"), tls.CertFile);
        Assert.Equal(Path.Combine(central.PkiDirectory, "central.key"), tls.KeyFile);
        Assert.Equal(central.TlsPort, central.App.Services.GetRequiredService<BrokerEndpoint>().Port);
    }
}
