using City.Edge.Commands;

namespace City.Edge.Tests;

/// <summary>Edge:Commands: central's command-signing key pinned beside the CA (or where SigningKeyFile says), and the clock skew.</summary>
public sealed class CommandConfigTests : IDisposable
{
    private readonly TestCertificates _pki = TestCertificates.CreateAuthority("edge-test-ca");

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void With_TLS_the_key_beside_the_CA_file_is_used_and_the_skew_is_30_s()
    {
        var (ok, settings, errors) = TestConfig.Load(WithTls());

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal(_pki.CommandSigningKeyFile, settings.Options.Commands.ResolveKeyFile(settings.Options.Central.Tls));
        Assert.Equal(30, settings.Options.Commands.ClockSkewSeconds);
    }

    [Fact]
    public void With_TLS_a_missing_key_file_is_a_configuration_error_naming_the_key()
    {
        File.Delete(_pki.CommandSigningKeyFile);

        var (ok, _, errors) = TestConfig.Load(WithTls());

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith("Edge:Commands:SigningKeyFile: ", error, StringComparison.Ordinal);
        Assert.Contains(_pki.CommandSigningKeyFile, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_that_is_not_a_P256_public_key_is_refused()
    {
        var values = WithTls();
        values["Edge:Commands:SigningKeyFile"] = _pki.CaFile; // a certificate, not a public key

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.StartsWith("Edge:Commands:SigningKeyFile: ", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_MQTT_without_a_key_starts_but_refuses_every_command()
    {
        var (ok, settings, errors) = TestConfig.Load(TestConfig.Valid());

        Assert.True(ok, string.Join("\n", errors));
        Assert.Null(settings.Options.Commands.ResolveKeyFile(settings.Options.Central.Tls));
        using var checks = new CommandChecks(null, "gw-001", TimeSpan.FromSeconds(30), settings, []);
        var refusal = checks.Verify(new City.Contract.Wire.SignedCommand(), DateTimeOffset.UtcNow, out _);
        Assert.Equal(City.Contract.CommandRejections.Signature, refusal?.Reason);
    }

    [Fact]
    public void A_clock_skew_out_of_range_is_refused()
    {
        var values = TestConfig.Valid();
        values["Edge:Commands:ClockSkewSeconds"] = "7200";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.StartsWith("Edge:Commands:ClockSkewSeconds: must be 0-3600", Assert.Single(errors), StringComparison.Ordinal);
    }

    private Dictionary<string, string?> WithTls()
    {
        var (certFile, keyFile) = _pki.IssueClientFiles("gw-001");
        var values = TestConfig.Valid();
        values.Remove("Edge:Central:AllowPlain");
        values["Edge:Central:Tls:CaFile"] = _pki.CaFile;
        values["Edge:Central:Tls:CertFile"] = certFile;
        values["Edge:Central:Tls:KeyFile"] = keyFile;
        return values;
    }
}
