using System.Text;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Exceptions;

namespace City.Central.Tests;

/// <summary>
/// Debian's mosquitto 2.0 as central's broker, run with the configuration <c>central mosquitto-config</c> generates and
/// certificates from central's PKI: who may connect, who may publish and read what, and whose session is whose.
/// </summary>
public sealed class MosquittoSecurityTests : SecureMosquittoTest
{
    private ClientFiles CentralFiles => ClientFiles.Central(Pki.Store);

    [Fact]
    public async Task GatewayCertificate_IsAccepted_OnTheGatewayListener()
    {
        var gw1 = Pki.Issue("gw-001");

        var (exitCode, output) = await MosquittoCli.PublishAsync(Broker.GatewayPort, gw1, Topics.Data("gw-001"), "hello");

        Assert.True(exitCode == 0, output + Broker.Log);
        Assert.DoesNotContain("failed", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ClientWithoutCertificate_IsRefused_OnBothListeners()
    {
        var executable = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients");
        foreach (var port in new[] { Broker.GatewayPort, Broker.CentralPort })
        {
            var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (tlsExit, tlsOutput) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(20), executable, "-h", "localhost", "-p", portText, "--cafile", Pki.Store.CaFile, "-V", "mqttv5", "-t", "city/v1/gw-001/data", "-m", "x");
            Assert.True(tlsExit != 0, "TLS without a client certificate was accepted: " + tlsOutput);
            var (plainExit, plainOutput) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(20), executable, "-h", "127.0.0.1", "-p", portText, "-V", "mqttv5", "-t", "city/v1/gw-001/data", "-m", "x");
            Assert.True(plainExit != 0, "plain MQTT was accepted: " + plainOutput);
        }
    }

    [Fact]
    public async Task SelfSignedCertificate_IsRefused()
    {
        var forged = Pki.SelfSigned("gw-001");

        var (exitCode, output) = await MosquittoCli.PublishAsync(Broker.GatewayPort, forged, Topics.Data("gw-001"), "x");

        Assert.True(exitCode != 0, "a self-signed certificate was accepted: " + output);
        Assert.Contains("certificate verify failed", Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateOfAnotherCa_IsRefused()
    {
        var otherPki = TestPki.Create(Path.Combine(DataPath, "other-central"));
        var foreign = otherPki.Issue("gw-001");

        var (exitCode, output) = await MosquittoCli.PublishAsync(Broker.GatewayPort, foreign with { CaFile = Pki.Store.CaFile }, Topics.Data("gw-001"), "x");

        Assert.True(exitCode != 0, "a certificate of another CA was accepted: " + output);
    }

    [Fact]
    public async Task ExpiredCertificate_IsRefused()
    {
        var expired = Pki.IssueExpired("gw-old");

        var (exitCode, output) = await MosquittoCli.PublishAsync(Broker.GatewayPort, expired, Topics.Data("gw-old"), "x");

        Assert.True(exitCode != 0, "an expired certificate was accepted: " + output);
    }

    [Fact]
    public async Task RevokedCertificate_IsRefusedFromTheNextReload_AndAnOpenConnectionStaysUntilRestart()
    {
        var gw3 = Pki.Issue("gw-003");
        Pki.Store.Revoke("gw-003");

        // mosquitto reads the CRL when it starts and on SIGHUP only.
        var (beforeReload, beforeOutput) = await MosquittoCli.PublishAsync(Broker.GatewayPort, gw3, Topics.Data("gw-003"), "before reload");
        Assert.True(beforeReload == 0, "mosquitto applied the CRL before a reload: " + beforeOutput);
        await using var connected = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw3, "gw-003");
        await connected.SubscribeAsync(Topics.Ack("gw-003"));

        await Broker.ReloadAsync();
        var (afterReload, afterOutput) = await MosquittoCli.PublishAsync(Broker.GatewayPort, gw3, Topics.Data("gw-003"), "after reload");
        Assert.True(afterReload != 0, "a revoked certificate was accepted after the reload: " + afterOutput);

        // The connection made before the reload is not cut: only a restart (or the client reconnecting) ends it.
        await using (var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest-acks"))
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await central.PublishAsync(Topics.Ack("gw-003"), [1]));
        }

        Assert.Equal(Topics.Ack("gw-003"), (await connected.NextAsync(TimeSpan.FromSeconds(5))).Topic);

        await Broker.RestartAsync();
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => TlsTestClient.ConnectAsync(Broker.GatewayPort, gw3, "gw-003"));
    }

    [Fact]
    public async Task OtherGateway_CannotPublishOnAnotherGatewaysTopics_NorAnyAckOrCmd()
    {
        Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest");
        await central.SubscribeAsync("city/v1/#");
        await using var attacker = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw2, "gw-002");

        // mosquitto 2.0 grants any subscription and checks the read ACL on each delivery instead (see the test below).
        Assert.All(await attacker.SubscribeAsync("#", "city/v1/#"), code => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, code));
        string[] forbidden =
        [
            Topics.Data("gw-001"), Topics.Birth("gw-001"), Topics.Death("gw-001"), Topics.For("gw-001", TopicKind.CmdResult),
            Topics.Ack("gw-001"), Topics.For("gw-001", TopicKind.Cmd), Topics.Ack("gw-002"), Topics.For("gw-002", TopicKind.Cmd),
            "city/v1/central/data", "city/v1/gw-001", "elsewhere/topic",
        ];

        foreach (var topic in forbidden)
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(topic, Encoding.UTF8.GetBytes("forged"), retain: true));
        }

        Assert.Equal(MqttClientPublishReasonCode.Success, await attacker.PublishAsync(Topics.Data("gw-002"), Encoding.UTF8.GetBytes("own")));
        var received = await central.NextAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(Topics.Data("gw-002"), received.Topic);
        Assert.Empty(central.Drain());
        Assert.Empty(attacker.Drain());
    }

    [Fact]
    public async Task OtherGateway_ReceivesNothingOfAnotherGateway_ThroughAnySubscription()
    {
        var gw1 = Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest-acks");
        await using var owner = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001");
        await owner.SubscribeAsync(Topics.Ack("gw-001"), Topics.For("gw-001", TopicKind.Cmd));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, await owner.PublishAsync(Topics.Birth("gw-001"), Encoding.UTF8.GetBytes("retained birth"), retain: true));

        // One connection per identity on the gateway listener (the client id is the CN), so one snooper.
        await using var snoop = MosquittoCli.Subscribe(Broker.GatewayPort, gw2, "gw-002:snoop", "#", "city/v1/#", "city/v1/gw-001/#", "city/v1/+/ack");
        await Wait.UntilAsync(() => Task.FromResult(Broker.Log.Contains("gw-002 0 city/v1/+/ack", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the snooper's subscriptions");

        await owner.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("data"));
        await owner.PublishAsync(Topics.Death("gw-001"), Encoding.UTF8.GetBytes("death"));
        await central.PublishAsync(Topics.Ack("gw-001"), Encoding.UTF8.GetBytes("ack"));
        await central.PublishAsync(Topics.For("gw-001", TopicKind.Cmd), Encoding.UTF8.GetBytes("cmd"));
        Assert.Equal(Topics.Ack("gw-001"), (await owner.NextAsync(TimeSpan.FromSeconds(5))).Topic);
        Assert.Equal(Topics.For("gw-001", TopicKind.Cmd), (await owner.NextAsync(TimeSpan.FromSeconds(5))).Topic);

        // The same subscriptions do deliver the snooper's own ack, after everything above: an empty result means the ACL.
        await central.PublishAsync(Topics.Ack("gw-002"), Encoding.UTF8.GetBytes("own ack"));
        await Wait.UntilAsync(() => Task.FromResult(snoop.Output.Contains(Topics.Ack("gw-002"), StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "mosquitto_sub to get gw-002's ack");
        Assert.DoesNotContain("gw-001", snoop.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayCertificate_CannotTakeCentralsClientId_OnTheGatewayListener()
    {
        var gw1 = Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest", cleanStart: false, sessionExpirySeconds: 3600);
        await central.SubscribeAsync("city/v1/#");

        await using var attacker = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw2, "central:ingest", cleanStart: true);
        await attacker.SubscribeAsync("city/v1/#");
        await using var owner = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001");
        await owner.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("batch"));

        Assert.True(central.Client.IsConnected);
        Assert.Equal(Topics.Data("gw-001"), (await central.NextAsync(TimeSpan.FromSeconds(5))).Topic);
        Assert.Contains("as gw-002 (", Broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Client central:ingest already connected", Broker.Log, StringComparison.Ordinal);
        Assert.Empty(attacker.Drain());
    }

    [Fact]
    public async Task ToolWithTheDaemonsCertificate_BecomesTheDaemon_OnTheGatewayListener()
    {
        var gw1 = Pki.Issue("gw-001");
        await using var daemon = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001");

        // The price of binding the client id to the CN: a second connection of one certificate replaces the first.
        await using var tool = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001:tool");

        await Wait.UntilAsync(() => Task.FromResult(!daemon.Client.IsConnected), TimeSpan.FromSeconds(5), "the daemon's connection to be replaced");
        Assert.True(tool.Client.IsConnected);
        Assert.Contains("Client gw-001 already connected, closing old connection", Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EdgeSessionOptions_WithBrokerTls_ConnectToTheGatewayListener_AndRefuseABrokerOfAnotherCa()
    {
        var gw1 = Pki.Issue("gw-001");
        var foreignCa = TestPki.Create(Path.Combine(DataPath, "other-central")).Store.CaFile;
        using var client = new MqttClientFactory().CreateMqttClient();
        BrokerConnection Connection(string caFile) => new("localhost", Broker.GatewayPort, "gw-001") { Tls = new BrokerTls(caFile, gw1.CertFile, gw1.KeyFile) };
        var will = new Death { GatewayId = "gw-001", Epoch = 1 };

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => client.ConnectAsync(ContractClientOptions.ForGateway(Connection(foreignCa), will)));

        await client.ConnectCheckedAsync(ContractClientOptions.ForGateway(Connection(gw1.CaFile), will), CancellationToken.None);
        var birth = new Birth { GatewayId = "gw-001", Epoch = 1, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        var published = await client.PublishAsync(ContractMessages.AtLeastOnce(Topics.Birth("gw-001"), birth.ToByteArray()));
        Assert.True(published.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, published.ReasonCode.ToString());
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task WillOnAnotherGatewaysTopic_IsNeverPublished()
    {
        var gw2 = Pki.Issue("gw-002");
        await using var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest");
        await central.SubscribeAsync("city/v1/#");
        var connection = new BrokerConnection("localhost", Broker.GatewayPort, "gw-002") { Tls = new BrokerTls(gw2.CaFile, gw2.CertFile, gw2.KeyFile) };

        // mosquitto 2.0 accepts the CONNECT; the will is checked against the ACL when it would be published.
        foreach (var victim in new[] { "gw-001", "gw-002" })
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectCheckedAsync(ContractClientOptions.ForGateway(connection, new Death { GatewayId = victim, Epoch = 9 }), CancellationToken.None);

            // A second connection of the same certificate ends the first without a DISCONNECT: its will is due.
            var (exitCode, output) = await MosquittoCli.PublishAsync(Broker.GatewayPort, gw2, Topics.Data("gw-002"), "takes over");
            Assert.True(exitCode == 0, output);
        }

        // Only the will on its own topic came out, after both takeovers' data.
        var topics = new List<string>();
        await Wait.UntilAsync(
            () =>
            {
                topics.AddRange(central.Drain().Select(m => m.Topic));
                return Task.FromResult(topics.Contains(Topics.Death("gw-002")) && topics.Count(t => t == Topics.Data("gw-002")) == 2);
            },
            TimeSpan.FromSeconds(5),
            "gw-002's own will and both publishes");
        Assert.DoesNotContain(Topics.Death("gw-001"), topics);
    }

    [Fact]
    public async Task CentralsSession_SurvivesAMosquittoRestart()
    {
        var gw1 = Pki.Issue("gw-001");
        var central = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest", cleanStart: false, sessionExpirySeconds: 3600);
        await central.SubscribeAsync("city/v1/#");
        await central.DisposeAsync();
        await using (var owner = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw1, "gw-001"))
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await owner.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("queued while central was away")));
        }

        await Broker.RestartAsync();

        await using var back = await TlsTestClient.ConnectAsync(Broker.CentralPort, CentralFiles, "central:ingest", cleanStart: false, sessionExpirySeconds: 3600);
        Assert.True(back.ConnectResult!.IsSessionPresent, Broker.Log);
        Assert.Equal("queued while central was away", (await back.NextAsync(TimeSpan.FromSeconds(5))).ConvertPayloadToString());
    }

    [Fact]
    public async Task CentralInExternalMode_ConnectsOverTls_AndGarbageOnAGatewaysOwnTopicIsMalformed_DataKeepsFlowing()
    {
        var gw1 = Pki.Issue("gw-001");
        await using var central = await StartCentralAsync();
        await using var gateway = await FakeGateway.ConnectAsync(Broker.GatewayPort, "gw-001", gw1.LoadCertificate(), gw1.LoadCa());

        await gateway.PublishAsync(Topics.Data("gw-001"), Encoding.UTF8.GetBytes("not a batch at all"));
        await central.WaitForRejectedAsync("malformed", 1);

        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(5));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        Assert.Contains("as central:ingest (", Broker.Log, StringComparison.Ordinal);
        Assert.Contains("u'central'", Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedAck_SeqPreemption_AndBirthHijack_ByAnotherGateway_ChangeNothingAtCentral()
    {
        var gw1 = Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await StartCentralAsync();
        await using var gateway = await FakeGateway.ConnectAsync(Broker.GatewayPort, "gw-001", gw1.LoadCertificate(), gw1.LoadCa());
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(5));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await using var attacker = await TlsTestClient.ConnectAsync(Broker.GatewayPort, gw2, "gw-002");

        // Forged ack: the whole backlog "acknowledged".
        var forgedAck = new Ack();
        for (ulong seq = 1; seq <= 100_000; seq++)
        {
            forgedAck.CommittedSeqs.Add(seq);
        }

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(Topics.Ack("gw-001"), forgedAck.ToByteArray()));

        // Seq pre-emption: gw-001's next seqs, one reading dated 2036, on gw-001's topic and on the attacker's own.
        var dated2036 = new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        foreach (var seq in new ulong[] { 2, 3 })
        {
            var forged = BatchCodec.EncodeToBytes(
                new BatchHeader("gw-001", 1, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), BatchKind.Telemetry),
                [new Reading(1, dated2036, PointValue.FromNumber(666))]);
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(Topics.Data("gw-001"), forged));
            Assert.Equal(MqttClientPublishReasonCode.Success, await attacker.PublishAsync(Topics.Data("gw-002"), forged));
        }

        await central.WaitForRejectedAsync("gateway-mismatch", 2);

        // Birth hijack: a retained birth with the last possible epoch, then a death.
        var hijack = new Birth { GatewayId = "gw-001", Epoch = ulong.MaxValue, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "forged" };
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(Topics.Birth("gw-001"), hijack.ToByteArray(), retain: true));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(Topics.Death("gw-001"), new Death { GatewayId = "gw-001", Epoch = ulong.MaxValue }.ToByteArray()));

        // The real gateway: its next seqs are stored (not duplicates), its next birth is accepted, no forged ack reached it.
        Assert.False(gateway.TryTakeAck(out _));
        await gateway.DataAsync(2, FakeGateway.SampleReadings(5));
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.DataAsync(3, FakeGateway.SampleReadings(5));
        Assert.Equal([3UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.BirthAsync(2);
        await Wait.UntilAsync(async () => GatewayOf(await central.GetJsonAsync("/api/v1/gateways"), "gw-001").GetProperty("epoch").GetUInt64() == 2, TimeSpan.FromSeconds(10), "gw-001's real birth (epoch 2)");

        var state = GatewayOf(await central.GetJsonAsync("/api/v1/gateways"), "gw-001");
        Assert.True(state.GetProperty("online").GetBoolean());
        Assert.Equal("test-1.0", state.GetProperty("softwareVersion").GetString());
        Assert.Equal(3, state.GetProperty("points").GetInt32());
        var stats = await central.StatsAsync();
        Assert.Equal(0, stats.GetProperty("duplicateBatches").GetInt64());
        Assert.Equal(0, CentralHost.Rejected(stats, "stale-birth"));
        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=gw-001&point=meter1/power");
        Assert.Equal(15, history.GetProperty("readings").GetArrayLength());
        Assert.DoesNotContain("666", history.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayCertificate_OnCentralsListener_TakesTheSessionButGetsNothingAndLosesNothing()
    {
        var gw1 = Pki.Issue("gw-001");
        var gw2 = Pki.Issue("gw-002");
        await using var central = await StartCentralAsync();
        await using var gateway = await FakeGateway.ConnectAsync(Broker.GatewayPort, "gw-001", gw1.LoadCertificate(), gw1.LoadCa());
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(5));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        // On central's loopback listener the client id is not replaced: the takeover happens, with central's subscriptions.
        await using var attacker = await TlsTestClient.ConnectAsync(Broker.CentralPort, gw2, "central:ingest", cleanStart: false, sessionExpirySeconds: 3600);
        Assert.True(attacker.ConnectResult!.IsSessionPresent, "the attacker did not get central's session: " + Broker.Log);
        var payload = await gateway.DataAsync(2, FakeGateway.SampleReadings(5));

        // The edge resends a batch until it is acknowledged; central takes its client id back within its backoff.
        Ack? ack = null;
        for (var attempt = 0; attempt < 20 && ack is null; attempt++)
        {
            try
            {
                ack = await gateway.NextAckAsync(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
                await gateway.PublishAsync(Topics.Data("gw-001"), payload);
            }
        }

        Assert.NotNull(ack);
        Assert.Equal([2UL], ack.CommittedSeqs);
        Assert.Empty(attacker.Drain());
        Assert.Contains("Client central:ingest already connected, closing old connection", Broker.Log, StringComparison.Ordinal);
        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=gw-001&point=meter1/power");
        Assert.Equal(10, history.GetProperty("readings").GetArrayLength());
    }

    private Task<CentralHost> StartCentralAsync() =>
        CentralHost.StartAsync(
            DataPath,
            "--Central:Mqtt:Mode=external",
            "--Central:Mqtt:AllowPlain=false",
            "--Central:Mqtt:Host=127.0.0.1",
            $"--Central:Mqtt:Port={Broker.CentralPort}",
            "--Central:AllowedGateways:0=gw-001",
            "--Central:AllowedGateways:1=gw-002");

    private static System.Text.Json.JsonElement GatewayOf(System.Text.Json.JsonElement gateways, string id) =>
        gateways.EnumerateArray().Single(g => g.GetProperty("id").GetString() == id);
}
