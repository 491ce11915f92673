namespace City.Central.Tests;

/// <summary>Central's ingest client in external mode, over TLS to a broker that checks certificates (another central's embedded one).</summary>
public sealed class ExternalTlsTests
{
    [Fact]
    public async Task ExternalMode_ConnectsWithTheConfiguredTlsFiles_AndIngests()
    {
        await using var broker = await CentralHost.StartAsync(null, "--Central:Mqtt:AllowPlain=false", "--Central:AdmitOnBirth=true");
        var pki = broker.PkiDirectory;
        await using var central = await CentralHost.StartAsync(
            null,
            "--Central:Mqtt:Mode=external",
            "--Central:Mqtt:AllowPlain=false",
            $"--Central:Mqtt:Port={broker.TlsPort}",
            "--Central:Mqtt:ClientId=central:ingest-external",
            $"--Central:Mqtt:Tls:CaFile={Path.Combine(pki, "ca.crt")}",
            $"--Central:Mqtt:Tls:CertFile={Path.Combine(pki, "central.crt")}",
            $"--Central:Mqtt:Tls:KeyFile={Path.Combine(pki, "central.key")}",
            "--Central:AdmitOnBirth=true");

        var outDir = Path.Combine(broker.DataPath, "issued", "gw-ext");
        City.Central.Pki.PkiStore.OpenOrCreate(broker.DataPath, [], TimeProvider.System).IssueGateway("gw-ext", TimeSpan.FromDays(30), outDir);
        using var certificate = TestTls.LoadClient(Path.Combine(outDir, "gw-ext.crt"), Path.Combine(outDir, "gw-ext.key"));
        await using var gateway = await FakeGateway.ConnectAsync(broker.TlsPort, "gw-ext", certificate, TestTls.LoadCaCertificate(pki));
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        await Wait.UntilAsync(async () => (await central.StatsAsync()).GetProperty("batchesAccepted").GetInt64() == 1, TimeSpan.FromSeconds(10), "the external central to store the batch");
    }
}
