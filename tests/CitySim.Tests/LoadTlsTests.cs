using System.Buffers;
using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Sim.Load;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Sim.Tests;

/// <summary>
/// <c>citysim load --tls-dir</c> against Debian's mosquitto with TLS, client certificates required, the certificate's CN
/// as the user name and an ACL that lets each identity publish only under its own topics: every batch acknowledged
/// proves each gateway connected with its own certificate.
/// </summary>
public sealed class LoadTlsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("citysim-tls-");
    private readonly int _port = FreePort.Tcp();
    private TestCertificates? _pki;
    private PeerProcess? _mosquitto;
    private IMqttClient? _acker;

    /// <summary>Where the CA and the gateways' files are, as <c>central pki issue-gateway --out</c> lays them out.</summary>
    private string Certificates => _pki!.Directory;

    public async Task InitializeAsync()
    {
        var mosquitto = PeerProcess.RequireExecutable("mosquitto", "apt-get install -y mosquitto (./test.sh does this)");
        _pki = TestCertificates.CreateAuthority("test-ca");
        var serverCert = Path.Combine(_directory.FullName, "server.crt");
        var serverKey = Path.Combine(_directory.FullName, "server.key");
        using (var server = _pki.IssueServer("localhost", "127.0.0.1", "::1"))
        {
            await File.WriteAllTextAsync(serverCert, server.ExportCertificatePem());
            await File.WriteAllTextAsync(serverKey, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }

        var config = Path.Combine(_directory.FullName, "mosquitto.conf");
        var acl = Path.Combine(_directory.FullName, "acl");
        await File.WriteAllTextAsync(acl, string.Join('\n',
            "pattern write city/v1/%u/data", "pattern write city/v1/%u/birth", "pattern write city/v1/%u/death", "pattern read city/v1/%u/ack",
            "pattern read city/v1/%u/cmd", "pattern write city/v1/%u/cmd-result",
            "user central", "topic readwrite city/v1/#", string.Empty));
        await File.WriteAllTextAsync(config, string.Join('\n',
            "user root", "persistence false", "per_listener_settings false", "allow_anonymous false", $"acl_file {acl}",
            $"listener {_port} 127.0.0.1", $"cafile {_pki.CaFile}", $"certfile {serverCert}", $"keyfile {serverKey}",
            "require_certificate true", "use_identity_as_username true", string.Empty));
        _mosquitto = PeerProcess.Start(mosquitto, "-c", config);
        await _mosquitto.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, _port), TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        _acker?.Dispose();
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        _pki?.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Over_tls_every_gateway_uses_its_own_certificate_and_every_batch_is_acknowledged()
    {
        foreach (var id in new[] { "t-0", "t-1", "t-2" })
        {
            _pki!.IssueClientFiles(id);
        }

        await StartAckerAsync();
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 3, Points: 10, ReadingsPerPoint: 5, Window: 4, TimeSpan.FromSeconds(2), "t-")
        {
            TlsDirectory = Certificates,
        };

        var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.True(report.Tls);
        Assert.Equal(3, report.GatewaysConnected);
        Assert.True(report.BatchesPublished > 3, $"only {report.BatchesPublished} batches published:\n{_mosquitto!.Output}");
        Assert.Equal(0, report.PublishFailures);
        Assert.Equal(report.BatchesPublished, report.BatchesAcked);
        Assert.Equal(0, report.UnackedBatches);
    }

    [Fact]
    public async Task A_broker_whose_certificate_is_not_from_the_ca_in_the_directory_is_refused()
    {
        using var otherCa = TestCertificates.CreateAuthority("other-ca");
        var other = otherCa.Directory;
        var (certFile, keyFile) = _pki!.IssueClientFiles("x-0");
        File.Copy(certFile, Path.Combine(other, "x-0.crt"));
        File.Copy(keyFile, Path.Combine(other, "x-0.key"));
        var options = new LoadOptions("127.0.0.1", _port, Gateways: 1, Points: 1, ReadingsPerPoint: 1, Window: 1, TimeSpan.FromSeconds(1), "x-")
        {
            TlsDirectory = other,
        };

        var report = await new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(0, report.GatewaysConnected);
        Assert.Equal(1, report.GatewaysFailed);
        Assert.Equal(0, report.BatchesPublished);
    }

    [Theory]
    [InlineData("ca.crt")]
    [InlineData("m-1.crt")]
    [InlineData("m-1.key")]
    public void A_missing_file_in_the_tls_directory_is_an_error_naming_it(string missing)
    {
        var directory = Path.Combine(_directory.FullName, "missing");
        Directory.CreateDirectory(directory);
        foreach (var name in new[] { "ca.crt", "m-0.crt", "m-0.key", "m-1.crt", "m-1.key" }.Where(n => n != missing))
        {
            File.WriteAllText(Path.Combine(directory, name), "PEM");
        }

        var parse = new RootCommand { LoadCommand.Create(TimeProvider.System) }
            .Parse(["load", "--gateways", "2", "--gateway-prefix", "m-", "--tls-dir", directory]);

        var error = Assert.Single(parse.Errors);
        Assert.Contains(Path.Combine(directory, missing) + " is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_tls_dir_no_certificate_is_needed()
    {
        var parse = new RootCommand { LoadCommand.Create(TimeProvider.System) }.Parse(["load", "--gateways", "2"]);

        Assert.Empty(parse.Errors);
    }

    /// <summary>Stands in for central: identity <c>central</c>, acknowledges every batch.</summary>
    private async Task StartAckerAsync()
    {
        var (certFile, keyFile) = _pki!.IssueClientFiles("central");
        _acker = new MqttClientFactory().CreateMqttClient();
        _acker.ApplicationMessageReceivedAsync += async e =>
        {
            if (!Topics.TryParse(e.ApplicationMessage.Topic, out var gatewayId, out var kind) || kind != TopicKind.Data)
            {
                return;
            }

            Assert.True(BatchCodec.TryParseEnvelope(e.ApplicationMessage.Payload.ToArray(), out var batch, out _));
            var ack = new Ack();
            ack.CommittedSeqs.Add(batch.Seq);
            await _acker.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Ack(gatewayId))
                .WithPayload(ack.ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
        };
        var connection = new BrokerConnection("127.0.0.1", _port, "central:acker") { Tls = new BrokerTls(_pki.CaFile, certFile, keyFile) };
        await _acker.ConnectAsync(ContractClientOptions.ForPublisher(connection));
        await _acker.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllGateways, MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }
}
