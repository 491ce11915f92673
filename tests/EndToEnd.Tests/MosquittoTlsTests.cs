using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The deployment docs/security.md describes, with real processes: central's PKI and <c>central mosquitto-config</c>
/// from the command line, Debian's mosquitto with that configuration, central in external mode and an edge, both over TLS.
/// </summary>
[Collection("processes")]
public sealed class MosquittoTlsTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Edge_and_central_speak_tls_through_mosquitto_with_the_generated_configuration_and_survive_its_restart()
    {
        await using var city = new CityStack(log, "gw-001");

        // mosquitto, as its own user, must reach its folder and the PKI's ca.crt and crl.pem: the temporary folder is 0700.
        await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chmod", "755", city.DataDirectory);
        var dataPath = Path.Combine(city.DataDirectory, "central");
        var certificates = Path.Combine(city.DataDirectory, "certificates");
        var mosquittoDirectory = Path.Combine(city.DataDirectory, "mosquitto");
        var gatewayPort = FreePort.Tcp();
        var centralPort = FreePort.Tcp();
        await CentralCommandAsync("pki", "init", $"--Central:DataPath={dataPath}");
        await CentralCommandAsync("pki", "issue-gateway", "gw-001", "--out", certificates, $"--Central:DataPath={dataPath}");
        await CentralCommandAsync(
            "mosquitto-config", "--out", mosquittoDirectory, "--port", Text(gatewayPort), "--central-port", Text(centralPort), $"--Central:DataPath={dataPath}");
        await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chown", "-R", "mosquitto:", mosquittoDirectory);
        var mosquitto = await StartMosquittoAsync(mosquittoDirectory, gatewayPort, centralPort);
        try
        {
            await using var central = ManagedProcess.Start("central/Central", "central",
            [
                $"--Central:DataPath={dataPath}",
                $"--Central:HttpUrl=http://127.0.0.1:{Text(city.HttpPort)}",
                "--Central:Mqtt:Mode=external",
                "--Central:Mqtt:Host=127.0.0.1",
                $"--Central:Mqtt:Port={Text(centralPort)}",
                "--Central:AllowedGateways:0=gw-001",
            ], log, "central");
            await central.WaitForOutputAsync("(TLS) as central:ingest", Patience);
            await city.StartMeterAsync();
            var edge = city.MeterEdgeSection(periodMs: 250);
            edge["Central"] = new JsonObject
            {
                ["Host"] = "localhost",
                ["Port"] = gatewayPort,
                ["AckTimeoutSeconds"] = 5,
                ["ReconnectMaxDelayMs"] = 2000,
                ["Tls"] = new JsonObject
                {
                    ["CaFile"] = Path.Combine(certificates, "ca.crt"),
                    ["CertFile"] = Path.Combine(certificates, "gw-001.crt"),
                    ["KeyFile"] = Path.Combine(certificates, "gw-001.key"),
                },
            };
            city.StartEdge(edge);
            var acked = await ReadingsAckedAsync(city, above: 0);

            // A clean restart of the broker: both sides reconnect, central to its persistent session.
            await StopAsync(mosquitto);
            mosquitto = await StartMosquittoAsync(mosquittoDirectory, gatewayPort, centralPort);
            await ReadingsAckedAsync(city, above: acked);

            Assert.Contains("as gw-001 (", mosquitto.Output, StringComparison.Ordinal);
            Assert.Contains("u'central'", mosquitto.Output, StringComparison.Ordinal);
            Assert.False(central.HasExited);
        }
        finally
        {
            await StopAsync(mosquitto);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task CentralCommandAsync(params string[] arguments)
    {
        await using var command = ManagedProcess.Start("central/Central", "central", arguments, log, "central " + arguments[0]);
        Assert.Equal(0, await command.WaitForExitAsync(Patience));
    }

    private static async Task<PeerProcess> StartMosquittoAsync(string directory, int gatewayPort, int centralPort)
    {
        var executable = PeerProcess.RequireExecutable("/usr/sbin/mosquitto", "apt-get install -y mosquitto");
        var process = PeerProcess.Start(executable, "-c", Path.Combine(directory, "mosquitto.conf"), "-v");
        await process.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, gatewayPort), Patience);
        await process.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, centralPort), Patience);
        return process;
    }

    /// <summary>SIGTERM, so mosquitto writes its persistence file, and the wait for it to exit.</summary>
    private static async Task StopAsync(PeerProcess mosquitto)
    {
        if (!mosquitto.HasExited)
        {
            await PeerProcess.RunAsync(TimeSpan.FromSeconds(5), "kill", "-TERM", Text(mosquitto.Id));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await mosquitto.WaitForExitAsync(timeout.Token);
        }

        await mosquitto.DisposeAsync();
    }

    private static async Task<long> ReadingsAckedAsync(CityStack city, long above)
    {
        var status = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["central"].Long("readingsAcked") > above ? s : null;
        }, Patience, $"the edge connected over TLS with more than {above} readings acknowledged");
        return status["central"].Long("readingsAcked");
    }
}
