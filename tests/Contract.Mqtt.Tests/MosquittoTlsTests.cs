using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using City.Contract.Wire;
using MQTTnet;

namespace City.Contract.Mqtt.Tests;

/// <summary>
/// BrokerTls against Debian's mosquitto (a TLS stack nobody here wrote) with a listener that requires a client certificate
/// and takes the certificate's CN as the user name, as central's mosquitto configuration does.
/// </summary>
public sealed class MosquittoTlsTests : IDisposable
{
    private readonly TestCertificates _ours = TestCertificates.CreateAuthority("city-test-ca");
    private readonly TestCertificates _theirs = TestCertificates.CreateAuthority("someone-elses-ca");
    private readonly MqttClientFactory _factory = new();

    public void Dispose()
    {
        _ours.Dispose();
        _theirs.Dispose();
    }

    [Fact]
    public async Task A_gateway_connects_to_mosquitto_with_its_certificate_and_its_messages_go_through()
    {
        await using var mosquitto = await StartMosquittoAsync(_ours);
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");
        var (centralCert, centralKey) = _ours.IssueClientFiles("central");
        var received = new ConcurrentQueue<MqttApplicationMessage>();

        using var central = _factory.CreateMqttClient();
        central.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await central.ConnectCheckedAsync(
            ContractClientOptions.ForIngest(new BrokerConnection("127.0.0.1", mosquitto.Port, "central:ingest") { Tls = new BrokerTls(_ours.CaFile, centralCert, centralKey) }),
            CancellationToken.None);
        await central.SubscribeAtLeastOnceAsync(Topics.AllGateways, noLocal: true, CancellationToken.None);

        using var gateway = _factory.CreateMqttClient();
        await gateway.ConnectCheckedAsync(
            ContractClientOptions.ForGateway(new BrokerConnection("localhost", mosquitto.Port, "gw-1") { Tls = new BrokerTls(_ours.CaFile, certFile, keyFile) }, new Death { GatewayId = "gw-1", Epoch = 1 }),
            CancellationToken.None);
        await gateway.PublishCheckedAsync(ContractMessages.Data("gw-1", [7]), CancellationToken.None);

        for (var i = 0; i < 500 && received.IsEmpty; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(Topics.Data("gw-1"), Assert.Single(received).Topic);
    }

    [Fact]
    public async Task Mosquitto_with_a_certificate_of_another_CA_is_refused()
    {
        await using var mosquitto = await StartMosquittoAsync(_theirs);
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-1");
        var reasons = new ConcurrentQueue<string>();

        using var gateway = _factory.CreateMqttClient();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => gateway.ConnectCheckedAsync(
            ContractClientOptions.ForGateway(
                new BrokerConnection("127.0.0.1", mosquitto.Port, "gw-1") { Tls = new BrokerTls(_ours.CaFile, certFile, keyFile), UntrustedBroker = reasons.Enqueue },
                new Death { GatewayId = "gw-1", Epoch = 1 }),
            CancellationToken.None));

        Assert.IsType<AuthenticationException>(failure.GetBaseException());
        Assert.Contains("is not trusted by", Assert.Single(reasons), StringComparison.Ordinal);
    }

    /// <summary>mosquitto with one TLS listener: the server certificate of <paramref name="authority"/>, client certificates of ours required.</summary>
    private async Task<RunningMosquitto> StartMosquittoAsync(TestCertificates authority)
    {
        var executable = PeerProcess.RequireExecutable("mosquitto", "apt-get update && apt-get install -y mosquitto");
        var (serverCert, serverKey) = authority.IssueServerFiles("localhost", "127.0.0.1");
        var port = FreePort.Tcp();
        var config = Path.Combine(authority.Directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            user root
            persistence false
            listener {port} 127.0.0.1
            cafile {_ours.CaFile}
            certfile {serverCert}
            keyfile {serverKey}
            require_certificate true
            use_identity_as_username true
            allow_anonymous false

            """);
        var process = PeerProcess.Start(executable, "-c", config);
        try
        {
            await process.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, port), TimeSpan.FromSeconds(10));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new RunningMosquitto(process, port);
    }

    private sealed record RunningMosquitto(PeerProcess Process, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
