using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using City.Contract.Wire;
using MQTTnet;
using MQTTnet.Server;

namespace City.Contract.Mqtt.Tests;

/// <summary>The client side of MQTT over TLS against an in-process MQTTnet broker with a certificate made in the test.</summary>
public sealed class BrokerTlsTests : IDisposable
{
    private readonly TestCertificates _ours = TestCertificates.CreateAuthority("city-test-ca");
    private readonly TestCertificates _theirs = TestCertificates.CreateAuthority("someone-elses-ca");
    private readonly ConcurrentQueue<string> _presentedClients = new();
    private readonly MqttClientFactory _factory = new();

    public void Dispose()
    {
        _ours.Dispose();
        _theirs.Dispose();
    }

    [Fact]
    public async Task Connects_to_a_broker_whose_certificate_chains_to_the_CA_and_presents_its_client_certificate()
    {
        using var serverCertificate = _ours.IssueServer("localhost", "127.0.0.1");
        await using var broker = await StartBrokerAsync(serverCertificate);
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");
        var tls = new BrokerTls(_ours.CaFile, certFile, keyFile);

        using var client = _factory.CreateMqttClient();
        await client.ConnectCheckedAsync(GatewayOptions("127.0.0.1", broker.Port, tls), CancellationToken.None);
        await client.PublishCheckedAsync(ContractMessages.Data("gw-1", [1]), CancellationToken.None);

        Assert.True(client.IsConnected);
        Assert.Equal(["CN=gw-1"], _presentedClients);
    }

    [Fact]
    public async Task Refuses_a_broker_certificate_from_another_CA()
    {
        using var serverCertificate = _theirs.IssueServer("localhost", "127.0.0.1");
        await using var broker = await StartBrokerAsync(serverCertificate);
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");

        var reasons = new ConcurrentQueue<string>();

        using var client = _factory.CreateMqttClient();
        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => client.ConnectCheckedAsync(GatewayOptions("127.0.0.1", broker.Port, new BrokerTls(_ours.CaFile, certFile, keyFile), reasons.Enqueue), CancellationToken.None));

        Assert.IsType<AuthenticationException>(failure.GetBaseException());
        Assert.False(client.IsConnected);
        Assert.Contains($"issued by CN=someone-elses-ca) is not trusted by {_ours.CaFile}", Assert.Single(reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_broker_certificate_that_does_not_name_the_host_connected_to()
    {
        using var serverCertificate = _ours.IssueServer("central.example");
        await using var broker = await StartBrokerAsync(serverCertificate);
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");

        var reasons = new ConcurrentQueue<string>();

        using var client = _factory.CreateMqttClient();
        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => client.ConnectCheckedAsync(GatewayOptions("127.0.0.1", broker.Port, new BrokerTls(_ours.CaFile, certFile, keyFile), reasons.Enqueue), CancellationToken.None));

        Assert.IsType<AuthenticationException>(failure.GetBaseException());
        Assert.Equal("the broker's certificate (CN=central-test-server) does not name the host 127.0.0.1", Assert.Single(reasons));
    }

    [Fact]
    public void The_system_trust_store_is_not_consulted_only_the_CA_file()
    {
        using var serverCertificate = _theirs.IssueServer("127.0.0.1");
        var anchors = new BrokerTls(_ours.CaFile).LoadTrustAnchors();

        Assert.False(BrokerTls.IsTrustedBroker(serverCertificate, null, System.Net.Security.SslPolicyErrors.None, anchors));
        Assert.True(BrokerTls.IsTrustedBroker(
            serverCertificate, null, System.Net.Security.SslPolicyErrors.None, new BrokerTls(_theirs.CaFile).LoadTrustAnchors()));
    }

    [Fact]
    public void A_missing_CA_file_is_named_in_the_error()
    {
        var missing = Path.Combine(_ours.Directory, "nowhere", "ca.crt");

        var error = Assert.Throws<BrokerTlsException>(() => ContractClientOptions.TlsOptions(new BrokerTls(missing)));

        Assert.Equal(BrokerTlsFile.Ca, error.Kind);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_certificate_file_is_named_in_the_error()
    {
        var (_, keyFile) = _ours.IssueClientFiles("gw-1");
        var directoryNotFile = Directory.CreateDirectory(Path.Combine(_ours.Directory, "gw-1.crt.d")).FullName;

        var error = Assert.Throws<BrokerTlsException>(() => new BrokerTls(_ours.CaFile, directoryNotFile, keyFile).LoadClientCertificate());

        Assert.Equal(BrokerTlsFile.Certificate, error.Kind);
        Assert.Contains(directoryNotFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_belongs_to_another_certificate_is_named_in_the_error()
    {
        var (certFile, _) = _ours.IssueClientFiles("gw-1");
        var (_, otherKey) = _ours.IssueClientFiles("gw-2");

        var error = Assert.Throws<BrokerTlsException>(() => new BrokerTls(_ours.CaFile, certFile, otherKey).LoadClientCertificate());

        Assert.Equal(BrokerTlsFile.Key, error.Kind);
        Assert.Contains(otherKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(certFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_certificate_carries_its_private_key()
    {
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");

        using var certificate = new BrokerTls(_ours.CaFile, certFile, keyFile).LoadClientCertificate();

        Assert.NotNull(certificate);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=gw-1", certificate.Subject);
    }

    private static MqttClientOptions GatewayOptions(string host, int port, BrokerTls tls, Action<string>? untrustedBroker = null) =>
        ContractClientOptions.ForGateway(new BrokerConnection(host, port, "gw-1") { Tls = tls, UntrustedBroker = untrustedBroker }, new Death { GatewayId = "gw-1", Epoch = 1 });

    private async Task<RunningBroker> StartBrokerAsync(X509Certificate2 serverCertificate)
    {
        var port = FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
            .WithEncryptedEndpointBoundIPV6Address(IPAddress.IPv6None)
            .WithEncryptedEndpointPort(port)
            .WithEncryptionCertificate(serverCertificate)
            .WithClientCertificate((_, certificate, _, _) =>
            {
                if (certificate is not null)
                {
                    _presentedClients.Enqueue(certificate.Subject);
                }

                return certificate is not null;
            })
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        return new RunningBroker(server, port);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record RunningBroker(MqttServer Server, int Port) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Server.StopAsync();
            Server.Dispose();
        }
    }
}
