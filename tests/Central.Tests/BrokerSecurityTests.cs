using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using City.Central.Pki;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace City.Central.Tests;

/// <summary>
/// The embedded broker with its defaults (TLS only, client certificate of our CA required): who gets in, and that the
/// attacks of issue 12 (forged acks, seq pre-emption, birth hijack, session takeover, reading others' data) change nothing.
/// </summary>
public sealed class BrokerSecurityTests
{
    private const string Secure = "--Central:Mqtt:AllowPlain=false";
    private const string AdmitOnBirth = "--Central:AdmitOnBirth=true";

    [Fact]
    public async Task ClientWithoutCertificate_IsRefusedNotAuthorized_AndCounted()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var refused = await ConnectRefusedAsync(central, "gw-001", null, TestTls.LoadCaCertificate(central.PkiDirectory));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused);
        await central.WaitForRefusedAsync("no-certificate", 1);
    }

    [Fact]
    public async Task PlainConnection_ToTheTlsPort_NeverGetsIn()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        using var client = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", central.TlsPort)
            .WithClientId("gw-001")
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build()));
        Assert.False(client.IsConnected);
        await central.WaitForRefusedAsync("tls-handshake", 1);
    }

    [Fact]
    public async Task SelfSignedCertificate_IsRefusedAsUntrusted()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        using var selfSigned = TestTls.SelfSigned("gw-001");
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectRefusedAsync(central, "gw-001", selfSigned, TestTls.LoadCaCertificate(central.PkiDirectory)));
        await central.WaitForRefusedAsync("untrusted", 1);
    }

    [Fact]
    public async Task CertificateOfAnotherCa_IsRefusedAsUntrusted()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        using var otherCa = TestTls.NewCa("Other City CA");
        using var foreign = TestTls.Issue(otherCa, "gw-001", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectRefusedAsync(central, "gw-001", foreign, TestTls.LoadCaCertificate(central.PkiDirectory)));
        await central.WaitForRefusedAsync("untrusted", 1);
    }

    [Fact]
    public async Task ExpiredCertificateOfOurCa_IsRefusedAsExpired()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        using var ca = TestTls.LoadCa(central.PkiDirectory);
        using var expired = TestTls.Issue(ca, "gw-001", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectRefusedAsync(central, "gw-001", expired, TestTls.LoadCaCertificate(central.PkiDirectory)));
        await central.WaitForRefusedAsync("expired", 1);
    }

    [Fact]
    public async Task CertificateRevokedWhileCentralRuns_IsRefusedAtItsNextConnection()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-001");
        await using (var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", certificate, ca))
        {
            await gateway.BirthAsync(1);
            await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
            Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        }

        // As `central pki revoke gw-001` would, from another process's view of the same folder.
        PkiStore.OpenOrCreate(central.DataPath, [], TimeProvider.System).Revoke("gw-001");
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectRefusedAsync(central, "gw-001", certificate, ca));
        await central.WaitForRefusedAsync("revoked", 1);
    }

    [Fact]
    public async Task Gateway_CannotPublishOnAnotherGatewaysTopics_NorAnyAckOrCmd()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (cert2, ca) = Issue(central, "gw-002");
        await using var gw2 = await FakeGateway.ConnectAsync(central.TlsPort, "gw-002", cert2, ca);
        foreach (var topic in new[]
        {
            "city/v1/gw-001/data", "city/v1/gw-001/birth", "city/v1/gw-001/death", "city/v1/gw-001/cmd-result",
            "city/v1/gw-001/ack", "city/v1/gw-001/cmd", "city/v1/gw-002/ack", "city/v1/gw-002/cmd", "city/v1/gw-002/other", "elsewhere",
        })
        {
            var result = await gw2.TryPublishAsync(topic, [1, 2, 3]);
            Assert.True(result.ReasonCode == MqttClientPublishReasonCode.NotAuthorized, $"{topic}: {result.ReasonCode}");
        }

        await central.WaitForRefusedAsync("publish-not-authorized", 10);
        var stats = await central.StatsAsync();
        Assert.Equal(0, stats.GetProperty("rejectedTotal").GetInt64());
    }

    [Fact]
    public async Task Gateway_ReceivesNothingOfAnother_ThroughAnyWildcard()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (cert1, ca) = Issue(central, "gw-001");
        var (cert2, _) = Issue(central, "gw-002");
        await using var gw1 = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", cert1, ca);
        await using var spy = await FakeGateway.ConnectAsync(central.TlsPort, "gw-002", cert2, ca);
        foreach (var filter in new[] { "city/v1/#", "city/v1/gw-001/#", "#", "city/v1/+/data", "city/v1/gw-001/ack", "+/+/+/+" })
        {
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await spy.SubscribeAsync(filter));
        }

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await spy.SubscribeAsync("city/v1/gw-002/cmd"));
        await gw1.BirthAsync(1);
        await gw1.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gw1.NextAckAsync()).CommittedSeqs);

        // The spy's own ack topic sees a message only once its own batch is acknowledged: anything of gw-001 came earlier.
        await spy.BirthAsync(1);
        await spy.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await spy.NextAckAsync()).CommittedSeqs);
        Assert.Equal(["city/v1/gw-002/ack"], spy.ReceivedTopics);
        Assert.Equal(6, CentralHost.Refused(await central.StatsAsync(), "subscribe-not-authorized"));
    }

    [Fact]
    public async Task GarbageOnItsOwnDataTopic_IsRejectedMalformed_AndDataKeepsFlowing()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-001");
        await using var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", certificate, ca);
        await gateway.BirthAsync(1);
        await gateway.PublishAsync(Topics.Data("gw-001"), [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await central.WaitForRejectedAsync("malformed", 1);
        Assert.Equal(1, (await central.StatsAsync()).GetProperty("batchesAccepted").GetInt64());
    }

    [Fact]
    public async Task ForgedAck_ByAnotherGateway_NeverReachesTheVictim()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (cert1, ca) = Issue(central, "gw-001");
        var (cert2, _) = Issue(central, "gw-002");
        await using var victim = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", cert1, ca);
        await using var forger = await FakeGateway.ConnectAsync(central.TlsPort, "gw-002", cert2, ca);
        var forged = new Ack();
        forged.CommittedSeqs.AddRange(Enumerable.Range(1, 1000).Select(i => (ulong)i));
        var result = await forger.TryPublishAsync(Topics.Ack("gw-001"), forged.ToByteArray());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);

        await victim.BirthAsync(1);
        await victim.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await victim.NextAckAsync()).CommittedSeqs);
        Assert.Equal(["city/v1/gw-001/ack"], victim.ReceivedTopics);
    }

    [Fact]
    public async Task SeqPreemption_ByAnotherGateway_IsRefused_AndTheRealBatchesAreStored()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (cert1, ca) = Issue(central, "gw-001");
        var (cert2, _) = Issue(central, "gw-002");
        await using var real = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", cert1, ca);
        await using var forger = await FakeGateway.ConnectAsync(central.TlsPort, "gw-002", cert2, ca);
        await real.BirthAsync(1);
        var future = DateTimeOffset.UtcNow.AddYears(10).ToUnixTimeMilliseconds();
        for (ulong seq = 1; seq <= 5; seq++)
        {
            var forged = BatchCodec.EncodeToBytes(new BatchHeader("gw-001", 1, seq, future), FakeGateway.SampleReadings(2, future, start: 9999));
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await forger.TryPublishAsync(Topics.Data("gw-001"), forged)).ReasonCode);
        }

        for (ulong seq = 1; seq <= 5; seq++)
        {
            await real.DataAsync(seq, FakeGateway.SampleReadings(3));
            Assert.Equal([seq], (await real.NextAckAsync()).CommittedSeqs);
        }

        var stats = await central.StatsAsync();
        Assert.Equal(5, stats.GetProperty("batchesAccepted").GetInt64());
        Assert.Equal(0, stats.GetProperty("duplicateBatches").GetInt64());
        var latest = await central.GetJsonAsync("/api/v1/points/latest?gateway=gw-001");
        Assert.DoesNotContain("9999", latest.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BirthHijack_RetainedForgedBirthAndDeath_AreRefused_AndTheRealBirthCounts()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (cert1, ca) = Issue(central, "gw-001");
        var (cert2, _) = Issue(central, "gw-002");
        await using var forger = await FakeGateway.ConnectAsync(central.TlsPort, "gw-002", cert2, ca);
        var birth = new Birth { GatewayId = "gw-001", Epoch = ulong.MaxValue, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        birth.Points.Add(new PointInfo { Alias = 1, Id = "forged/point", Type = PointType.Number, Device = "forged" });
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await forger.TryPublishAsync(Topics.Birth("gw-001"), birth.ToByteArray(), retain: true)).ReasonCode);
        var death = new Death { GatewayId = "gw-001", Epoch = ulong.MaxValue };
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await forger.TryPublishAsync(Topics.Death("gw-001"), death.ToByteArray())).ReasonCode);

        await using var real = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", cert1, ca);
        await real.BirthAsync(1);
        await real.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await real.NextAckAsync()).CommittedSeqs);
        var gateway = Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray(), g => g.GetProperty("id").GetString() == "gw-001");
        Assert.True(gateway.GetProperty("online").GetBoolean());
        Assert.Equal(0, CentralHost.Rejected(await central.StatsAsync(), "stale-birth"));
        Assert.DoesNotContain("forged", (await central.GetJsonAsync("/api/v1/points/latest?gateway=gw-001")).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayRetainedBirth_IsNotKeptByTheBroker()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-001");
        await using var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", certificate, ca);
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        await gateway.NextAckAsync();
        var broker = central.App.Services.GetRequiredService<City.Central.Mqtt.EmbeddedBroker>();
        Assert.Empty(await broker.RetainedMessagesAsync());
    }

    [Fact]
    public async Task SessionTakeover_AGatewayAsCentralIngest_IsRefused_AndIngestionKeepsFlowing()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-001");
        foreach (var clientId in new[] { "central:ingest", "central:ingest-acks", "central", "gw-0011", "gw-001:" })
        {
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await ConnectRefusedAsync(central, clientId, certificate, ca));
        }

        await central.WaitForRefusedAsync("client-id-mismatch", 5);
        await using var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-001", certificate, ca);
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
    }

    [Fact]
    public async Task WillOnAnotherGatewaysDeath_IsRefusedAtConnect()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-002");
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", central.TlsPort)
            .WithClientId("gw-002")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTlsOptions(TestTls.ClientOptions(ca, certificate))
            .WithWillTopic(Topics.Death("gw-001"))
            .WithWillPayload(new Death { GatewayId = "gw-001", Epoch = ulong.MaxValue }.ToByteArray())
            .Build());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        await central.WaitForRefusedAsync("will-not-authorized", 1);
    }

    [Fact]
    public async Task AdmitOnBirth_AdmitsACertificateOfOurCa()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth);
        var (certificate, ca) = Issue(central, "gw-new");
        await using var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-new", certificate, ca);
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
    }

    [Fact]
    public async Task WithoutAdmitOnBirth_AnUnlistedGatewayIsRefusedAndCounted_AListedOneFlows()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, "--Central:AllowedGateways:0=gw-listed");
        var (stranger, ca) = Issue(central, "gw-stranger");
        var (listed, _) = Issue(central, "gw-listed");
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectRefusedAsync(central, "gw-stranger", stranger, ca));
        await central.WaitForRefusedAsync("unknown-gateway", 1);

        await using var gateway = await FakeGateway.ConnectAsync(central.TlsPort, "gw-listed", listed, ca);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
    }

    [Fact]
    public async Task AdmissionRate_NewGatewaysAboveIt_AreRefused_KnownOnesReconnect()
    {
        await using var central = await CentralHost.StartAsync(null, Secure, AdmitOnBirth, "--Central:AdmitRatePerMinute=2");
        var (first, ca) = Issue(central, "gw-a");
        var (second, _) = Issue(central, "gw-b");
        var (third, _) = Issue(central, "gw-c");
        await using (await FakeGateway.ConnectAsync(central.TlsPort, "gw-a", first, ca))
        await using (await FakeGateway.ConnectAsync(central.TlsPort, "gw-b", second, ca))
        {
        }

        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, await ConnectRefusedAsync(central, "gw-c", third, ca));
        await central.WaitForRefusedAsync("admission-rate", 1);

        // Admitted once, admitted again: a reconnect spends nothing.
        await using var again = await FakeGateway.ConnectAsync(central.TlsPort, "gw-a", first, ca);
        await again.BirthAsync(1);
    }

    [Fact]
    public async Task PlainListener_RefusesTheCentralIdentity_AndAClientWithoutId()
    {
        await using var central = await CentralHost.StartAsync(null, AdmitOnBirth);
        foreach (var (clientId, code) in new[] { ("central:ingest", MqttClientConnectResultCode.NotAuthorized), (string.Empty, MqttClientConnectResultCode.ClientIdentifierNotValid) })
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", central.MqttPort)
                .WithClientId(clientId)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .Build());
            Assert.Equal(code, result.ResultCode);
        }

        var stats = await central.StatsAsync();
        Assert.Equal(1, CentralHost.Refused(stats, "reserved-identity"));
        Assert.Equal(1, CentralHost.Refused(stats, "no-identity"));
    }

    /// <summary>A gateway certificate issued by central's CA (as `central pki issue-gateway` does), and that CA.</summary>
    private static (X509Certificate2 Certificate, X509Certificate2 Ca) Issue(CentralHost central, string id)
    {
        var outDir = Path.Combine(central.DataPath, "issued", id);
        PkiStore.OpenOrCreate(central.DataPath, [], TimeProvider.System).IssueGateway(id, TimeSpan.FromDays(30), outDir);
        return (TestTls.LoadClient(Path.Combine(outDir, id + ".crt"), Path.Combine(outDir, id + ".key")), TestTls.LoadCaCertificate(outDir));
    }

    /// <summary>Connects over TLS and expects a refusal; returns its reason code.</summary>
    private static async Task<MqttClientConnectResultCode> ConnectRefusedAsync(CentralHost central, string clientId, X509Certificate2? certificate, X509Certificate2 ca)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", central.TlsPort)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTlsOptions(TestTls.ClientOptions(ca, certificate))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        return result.ResultCode;
    }
}
