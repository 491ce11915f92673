using System.Net;
using System.Security.Authentication;
using City.Contract.Wire;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace City.Contract.Mqtt.Tests;

public sealed class ContractClientOptionsTests
{
    private static readonly BrokerConnection Connection = new("127.0.0.1", 11883, "gw-1");

    [Fact]
    public void Every_session_pins_large_socket_buffers_not_MQTTnets_8_KiB_default()
    {
        // MQTTnet's 8 KiB default fixes SO_RCVBUF at 16 KiB: against mosquitto a backlog then drains on
        // loopback in window-sized pieces on the kernel's 200 ms timers (tens of messages per second).
        foreach (var options in new[]
        {
            ContractClientOptions.ForGateway(Connection, new Death { GatewayId = "gw-1", Epoch = 1 }),
            ContractClientOptions.ForIngest(Connection),
            ContractClientOptions.ForPublisher(Connection),
        })
        {
            var tcp = Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions);
            Assert.Equal(BrokerConnection.DefaultSocketBufferBytes, tcp.BufferSize);
            Assert.True(tcp.BufferSize >= 256 * 1024, $"BufferSize {tcp.BufferSize}");
            var endpoint = Assert.IsType<DnsEndPoint>(tcp.RemoteEndpoint);
            Assert.Equal(("127.0.0.1", 11883), (endpoint.Host, endpoint.Port));
            Assert.Equal(MqttProtocolVersion.V500, options.ProtocolVersion);
            Assert.Equal("gw-1", options.ClientId);
        }
    }

    [Fact]
    public void The_connection_sets_buffer_size_keep_alive_and_timeout()
    {
        var connection = Connection with { SocketBufferBytes = 256 * 1024, KeepAlive = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(10) };

        var options = ContractClientOptions.ForPublisher(connection);

        Assert.Equal(256 * 1024, Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions).BufferSize);
        Assert.Equal(TimeSpan.FromSeconds(30), options.KeepAlivePeriod);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
    }

    [Fact]
    public void A_gateway_starts_clean_and_its_will_is_the_Death_of_this_epoch()
    {
        var death = new Death { GatewayId = "gw-1", Epoch = 7, BufferId = "0123456789abcdef0123456789abcdef" };

        var options = ContractClientOptions.ForGateway(Connection, death);

        Assert.True(options.CleanSession);
        Assert.Equal("city/v1/gw-1/death", options.WillTopic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, options.WillQualityOfServiceLevel);
        Assert.False(options.WillRetain);
        Assert.Equal(death, Death.Parser.ParseFrom(options.WillPayload));
    }

    [Fact]
    public void Central_intake_keeps_its_session_a_day_so_the_broker_queues_while_it_restarts()
    {
        var options = ContractClientOptions.ForIngest(Connection);

        Assert.False(options.CleanSession);
        Assert.Equal(24u * 3600, options.SessionExpiryInterval);
        Assert.Null(options.WillTopic);
    }

    [Fact]
    public void A_publisher_starts_clean_without_a_will()
    {
        var options = ContractClientOptions.ForPublisher(Connection);

        Assert.True(options.CleanSession);
        Assert.Null(options.WillTopic);
    }

    [Fact]
    public void Credentials_and_TLS_only_when_asked()
    {
        var plain = ContractClientOptions.ForPublisher(Connection);
        Assert.Null(plain.Credentials);
        Assert.False(Assert.IsType<MqttClientTcpOptions>(plain.ChannelOptions).TlsOptions.UseTls);

        using var certificates = TestCertificates.CreateAuthority("options-ca");
        var secured = ContractClientOptions.ForPublisher(Connection with { Username = "central", Password = "secret", Tls = new BrokerTls(certificates.CaFile) });
        Assert.Equal("central", secured.Credentials.GetUserName(secured));
        var tls = Assert.IsType<MqttClientTcpOptions>(secured.ChannelOptions).TlsOptions;
        Assert.True(tls.UseTls);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, tls.SslProtocol);
        Assert.Equal(certificates.Authority.Thumbprint, Assert.Single(tls.TrustChain).Thumbprint);
        Assert.NotNull(tls.CertificateValidationHandler);
        Assert.Null(tls.ClientCertificatesProvider);
    }
}
