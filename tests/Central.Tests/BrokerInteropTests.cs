using System.Globalization;
using City.Central.Pki;

namespace City.Central.Tests;

/// <summary>
/// The embedded broker's TLS listener against clients nobody here wrote: Debian's mosquitto_pub and mosquitto_sub, which
/// verify central's server certificate with the CA file alone (no --insecure).
/// </summary>
public sealed class BrokerInteropTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MosquittoPub_WithAGatewayCertificate_PublishesOnItsOwnTopic_AndIsRefusedOnAnothers()
    {
        var pub = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients");
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false", "--Central:AdmitOnBirth=true");
        var files = Issue(central, "gw-001");

        var (own, ownOutput) = await PeerProcess.RunAsync(Deadline, pub, [.. Tls(central, files), "-i", "gw-001:pub", "-t", "city/v1/gw-001/data", "-m", "garbage"]);
        Assert.True(own == 0, $"mosquitto_pub on its own topic: exit {own}: {ownOutput}");
        await central.WaitForRejectedAsync("malformed", 1);

        await PeerProcess.RunAsync(Deadline, pub, [.. Tls(central, files), "-i", "gw-001:pub", "-t", "city/v1/gw-002/data", "-m", "forged"]);
        await central.WaitForRefusedAsync("publish-not-authorized", 1);
        Assert.Equal(1, CentralHost.Rejected(await central.StatsAsync(), "malformed"));
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoPub_WithoutClientId_GetsOneOfItsIdentity_AndPublishes(string version)
    {
        var pub = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients");
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false", "--Central:AdmitOnBirth=true");
        var files = Issue(central, "gw-001");
        string[] arguments = [.. Tls(central, files), "-t", "city/v1/gw-001/data", "-m", "garbage"];
        arguments[Array.IndexOf(arguments, "mqttv5")] = version;
        var (code, output) = await PeerProcess.RunAsync(Deadline, pub, arguments);
        Assert.True(code == 0, $"mosquitto_pub -V {version} without -i: exit {code}: {output}");
        await central.WaitForRejectedAsync("malformed", 1);
    }

    [Fact]
    public async Task MosquittoPub_WithoutCertificate_OrWithAnotherIdentitysClientId_IsRefused()
    {
        var pub = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients");
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false", "--Central:AdmitOnBirth=true");
        var files = Issue(central, "gw-002");

        var (anonymous, anonymousOutput) = await PeerProcess.RunAsync(Deadline, pub,
            "-h", "127.0.0.1", "-p", central.TlsPort.ToString(CultureInfo.InvariantCulture), "--cafile", files.Ca, "-V", "mqttv5",
            "-i", "gw-002", "-t", "city/v1/gw-002/data", "-m", "x");
        Assert.True(anonymous != 0, $"mosquitto_pub without a certificate got in: {anonymousOutput}");
        await central.WaitForRefusedAsync("no-certificate", 1);

        var (takeover, takeoverOutput) = await PeerProcess.RunAsync(Deadline, pub, [.. Tls(central, files), "-i", "central:ingest", "-t", "city/v1/gw-001/ack", "-m", "x"]);
        Assert.True(takeover != 0, $"mosquitto_pub as central:ingest got in: {takeoverOutput}");
        await central.WaitForRefusedAsync("client-id-mismatch", 1);
        Assert.True(central.App.Services.GetService(typeof(City.Central.Mqtt.IBrokerLink)) is City.Central.Mqtt.IBrokerLink { IsConnected: true });
    }

    [Fact]
    public async Task MosquittoSub_OfAGateway_IsDeniedTheWildcard()
    {
        var sub = PeerProcess.RequireExecutable("mosquitto_sub", "apt-get install -y mosquitto-clients");
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false", "--Central:AdmitOnBirth=true");
        var files = Issue(central, "gw-002");
        var (_, output) = await PeerProcess.RunAsync(Deadline, sub, [.. Tls(central, files), "-i", "gw-002:sub", "-t", "#", "-C", "1", "-W", "5"]);
        // mosquitto_sub says so and exits 0.
        Assert.Contains("All subscription requests were denied", output, StringComparison.Ordinal);
        await central.WaitForRefusedAsync("subscribe-not-authorized", 1);
    }

    private static string[] Tls(CentralHost central, (string Ca, string Cert, string Key) files) =>
        ["-h", "127.0.0.1", "-p", central.TlsPort.ToString(CultureInfo.InvariantCulture), "--cafile", files.Ca, "--cert", files.Cert, "--key", files.Key, "-V", "mqttv5", "-q", "1"];

    private static (string Ca, string Cert, string Key) Issue(CentralHost central, string id)
    {
        var outDir = Path.Combine(central.DataPath, "issued", id);
        PkiStore.OpenOrCreate(central.DataPath, [], TimeProvider.System).IssueGateway(id, TimeSpan.FromDays(30), outDir);
        return (Path.Combine(outDir, "ca.crt"), Path.Combine(outDir, id + ".crt"), Path.Combine(outDir, id + ".key"));
    }
}
