using City.Edge.Configuration;

namespace City.Edge.Tests;

/// <summary>Edge:Central:Tls and Edge:Central:AllowPlain, checked at start with files made by a CA of the test's own.</summary>
public sealed class CentralLinkConfigTests : IDisposable
{
    private readonly TestCertificates _pki = TestCertificates.CreateAuthority("edge-test-ca");

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Without_TLS_and_without_AllowPlain_the_edge_refuses_naming_both_settings()
    {
        var values = TestConfig.Valid();
        values.Remove("Edge:Central:AllowPlain");

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith("Edge:Central:Tls: not configured", error, StringComparison.Ordinal);
        Assert.Contains("Edge:Central:Tls:CaFile, Edge:Central:Tls:CertFile and Edge:Central:Tls:KeyFile", error, StringComparison.Ordinal);
        Assert.Contains("Edge:Central:AllowPlain=true", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_broker_port_is_8883_unless_set()
    {
        var values = WithTls("gw-001");
        values.Remove("Edge:Central:Port");

        var (ok, settings, errors) = TestConfig.Load(values);

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal(8883, settings.Options.Central.Port);
        Assert.False(settings.Options.Central.AllowPlain);
    }

    [Fact]
    public void TLS_files_that_exist_and_belong_together_are_accepted_with_their_full_paths()
    {
        var (ok, settings, errors) = TestConfig.Load(WithTls("gw-001"));

        Assert.True(ok, string.Join("\n", errors));
        var tls = settings.Options.Central.Tls.ToBrokerTls();
        Assert.NotNull(tls);
        Assert.Equal(_pki.CaFile, tls.CaFile);
        Assert.Equal(Path.Combine(_pki.Directory, "gw-001.key"), tls.KeyFile);
    }

    [Theory]
    [InlineData("CaFile")]
    [InlineData("CertFile")]
    [InlineData("KeyFile")]
    public void A_missing_TLS_file_is_reported_under_its_key_with_its_path(string key)
    {
        var values = WithTls("gw-001");
        var missing = Path.Combine(_pki.Directory, "gone", key + ".pem");
        values[$"Edge:Central:Tls:{key}"] = missing;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith($"Edge:Central:Tls:{key}: ", error, StringComparison.Ordinal);
        Assert.Contains($"{missing} does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_some_TLS_files_set_names_the_ones_missing()
    {
        var values = TestConfig.Valid();
        values.Remove("Edge:Central:AllowPlain");
        values["Edge:Central:Tls:CaFile"] = _pki.CaFile;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Edge:Central:Tls:CertFile: must be set", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Edge:Central:Tls:KeyFile: must be set", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_another_certificate_is_reported_under_KeyFile()
    {
        var values = WithTls("gw-001");
        var (_, otherKey) = _pki.IssueClientFiles("gw-002");
        values["Edge:Central:Tls:KeyFile"] = otherKey;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith("Edge:Central:Tls:KeyFile: ", error, StringComparison.Ordinal);
        Assert.Contains(otherKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_file_that_is_not_PEM_is_reported_under_CaFile()
    {
        var values = WithTls("gw-001");
        var garbage = Path.Combine(_pki.Directory, "garbage.crt");
        File.WriteAllText(garbage, "not a certificate");
        values["Edge:Central:Tls:CaFile"] = garbage;

        var (_, _, errors) = TestConfig.Load(values);

        Assert.StartsWith("Edge:Central:Tls:CaFile: the CA file " + garbage, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_of_another_gateway_is_refused_at_start()
    {
        var (ok, _, errors) = TestConfig.Load(WithTls("gw-002"));

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith("Edge:Central:Tls:CertFile: ", error, StringComparison.Ordinal);
        Assert.Contains("issued to 'gw-002'", error, StringComparison.Ordinal);
        Assert.Contains("'gw-001' (Edge:GatewayId)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EdgeProcess_without_TLS_or_AllowPlain_exits_2_naming_both_and_touches_nothing()
    {
        using var dir = new TempDir();
        var config = dir.File("plain.json");
        File.WriteAllText(config, """
            { "Edge": { "GatewayId": "gw1", "Buffer": { "Path": "BUFFER" }, "LocalApi": { "SocketPath": "SOCKET" }, "Devices": [], "DaliLines": [] } }
            """.Replace("BUFFER", dir.File("buffer.db"), StringComparison.Ordinal).Replace("SOCKET", dir.File("edgectl.sock"), StringComparison.Ordinal));
        var edge = Path.Combine(AppContext.BaseDirectory, "edge.dll");

        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "dotnet", edge, "--config", config);

        Assert.True(exitCode == 2, $"exit {exitCode}: {output}");
        Assert.Contains("Edge:Central:Tls:CaFile", output, StringComparison.Ordinal);
        Assert.Contains("Edge:Central:AllowPlain=true", output, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("buffer.db")), "the edge must stop before it opens the buffer");
    }

    /// <summary>The valid test configuration with TLS instead of AllowPlain, the certificate issued to <paramref name="commonName"/>.</summary>
    private Dictionary<string, string?> WithTls(string commonName)
    {
        var (certFile, keyFile) = _pki.IssueClientFiles(commonName);
        var values = TestConfig.Valid();
        values.Remove("Edge:Central:AllowPlain");
        values["Edge:Central:Tls:CaFile"] = _pki.CaFile;
        values["Edge:Central:Tls:CertFile"] = certFile;
        values["Edge:Central:Tls:KeyFile"] = keyFile;
        return values;
    }
}
