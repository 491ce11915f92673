using System.Text.Json;
using City.Central.Auth;

namespace City.Central.Tests;

/// <summary>Central:HttpUrl=https://...: the API is served with central's server certificate, which standard clients verify against DataPath/pki/ca.crt.</summary>
public sealed class HttpsApiTests
{
    private static readonly TimeSpan CurlDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Curl_verifies_centrals_certificate_against_the_ca_without_insecure_and_the_token_is_still_needed()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:HttpUrl=https://127.0.0.1:0");
        Assert.Equal("https", central.BaseUrl.Scheme);
        var caFile = Path.Combine(central.DataPath, "pki", "ca.crt");
        Assert.True(File.Exists(caFile), "central created its PKI at start");
        var viewer = central.CreateToken("curl-viewer", ApiRole.Viewer);

        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            var url = $"https://{host}:{central.BaseUrl.Port}/api/v1/stats";
            var (code, output) = await CurlAsync("--cacert", caFile, "-H", $"Authorization: Bearer {viewer}", url);
            Assert.True(code == 0, output);
            Assert.EndsWith("\n200", output.TrimEnd(), StringComparison.Ordinal);
            Assert.Contains("\"batchesAccepted\"", output, StringComparison.Ordinal);

            (code, output) = await CurlAsync("--cacert", caFile, url);
            Assert.True(code == 0, output);
            Assert.EndsWith("\n401", output.TrimEnd(), StringComparison.Ordinal);
        }

        // Without our CA the certificate is not trusted: verification is real (curl: 60, peer certificate cannot be authenticated).
        var (untrusted, message) = await CurlAsync("-H", $"Authorization: Bearer {viewer}", $"https://127.0.0.1:{central.BaseUrl.Port}/api/v1/stats");
        Assert.True(untrusted == 60, message);

        // Plain http on the https port is not served.
        var (_, plainOutput) = await CurlAsync($"http://127.0.0.1:{central.BaseUrl.Port}/healthz");
        Assert.DoesNotContain("\"status\"", plainOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reset_command_verifies_https_against_the_data_paths_ca_by_default()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:HttpUrl=https://127.0.0.1:0", "--Central:AllowedGateways:0=gw-tls");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-tls");
        await gateway.BirthAsync(5);
        using var admin = central.NewClient(central.AdminToken);
        await Wait.UntilAsync(async () => JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/v1/stats", UriKind.Relative))).RootElement.GetProperty("births").GetInt64() == 1, TimeSpan.FromSeconds(10), "the birth");

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommand.RunAsync(
            ["gateway", "reset", "gw-tls", "--url", $"https://localhost:{central.BaseUrl.Port}", $"--Central:DataPath={central.DataPath}"],
            output, error, central.AdminToken);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("gateway gw-tls reset by 'tests-admin': epoch 5", output.ToString(), StringComparison.Ordinal);

        // Another CA: refused before anything is sent.
        var otherCa = Path.Combine(central.DataPath, "other-ca.crt");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(otherCa, other.ExportCertificatePem());
        }

        code = await GatewayCommand.RunAsync(
            ["gateway", "reset", "gw-tls", "--url", $"https://127.0.0.1:{central.BaseUrl.Port}", "--cacert", otherCa],
            output, error, central.AdminToken);
        Assert.Equal(1, code);
        Assert.Contains("SSL", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>curl's exit code, and its output: the body, then the HTTP status on a line of its own.</summary>
    private static Task<(int ExitCode, string Output)> CurlAsync(params string[] arguments) =>
        PeerProcess.RunAsync(CurlDeadline, "curl", ["-sS", "-w", "\n%{http_code}", .. arguments], environment: null);
}
