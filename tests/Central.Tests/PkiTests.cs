using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using City.Central.Pki;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>Central's PKI: what it creates, what it issues, and which client certificates it accepts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PkiTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _dataPath = Directory.CreateTempSubdirectory("central-pki-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private string OutDir => Path.Combine(_dataPath, "out");

    [Fact]
    public void OpenOrCreate_creates_the_ca_the_crl_and_central_s_server_and_client_certificates()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, ["central.example.net", "10.1.2.3"], _time);

        Assert.Equal(Path.Combine(_dataPath, "pki"), pki.Directory);
        foreach (var file in new[] { pki.CaFile, pki.ServerCertFile, pki.ServerKeyFile, pki.CentralCertFile, pki.CentralKeyFile, pki.CrlFile })
        {
            Assert.True(File.Exists(file), file);
        }

        Assert.True(pki.CaCertificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        using var caKey = pki.CaCertificate.GetECDsaPublicKey();
        Assert.Equal(256, caKey!.KeySize);
        Assert.NotEmpty(pki.Changes);

        using var server = pki.LoadServerCertificate();
        Assert.True(server.HasPrivateKey);
        var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost", "central.example.net"], names.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1", "10.1.2.3"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal([CertificateFactory.ServerAuthOid], UsageOids(server));
        Assert.Equal(pki.CaCertificate.SubjectName.Name, server.IssuerName.Name);

        using var central = pki.LoadCentralClientCertificate();
        Assert.Equal("central", central.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal([CertificateFactory.ClientAuthOid], UsageOids(central));
        Assert.Equal("central", pki.Verify(central).CommonName);
    }

    [Fact]
    public void OpenOrCreate_again_changes_nothing_and_keeps_the_ca()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var server = File.ReadAllText(first.ServerCertFile);

        var second = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Empty(second.Changes);
        Assert.Equal(first.CaCertificate.Thumbprint, second.CaCertificate.Thumbprint);
        Assert.Equal(server, File.ReadAllText(second.ServerCertFile));
    }

    [Fact]
    public void A_new_server_name_renews_the_server_certificate_under_the_same_ca()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var second = PkiStore.OpenOrCreate(_dataPath, ["central.example.net"], _time);

        Assert.Equal(first.CaCertificate.Thumbprint, second.CaCertificate.Thumbprint);
        Assert.Contains(second.Changes, c => c.Contains("renewed the server certificate", StringComparison.Ordinal) && c.Contains("central.example.net", StringComparison.Ordinal));
        using var server = second.LoadServerCertificate();
        Assert.Contains("central.example.net", CertificateFactory.AlternativeNames(server));
    }

    [Theory]
    [InlineData("central example")]
    [InlineData("")]
    [InlineData("http://central")]
    public void A_server_name_that_is_no_host_name_nor_address_is_refused(string name)
    {
        var exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [name], _time));

        Assert.Equal($"'{name}' is not a host name or an IP address for the server certificate.", exception.Message);
    }

    [Theory]
    [InlineData("ca.key")]
    [InlineData("ca.crt")]
    public void Half_a_ca_is_refused_and_nothing_is_overwritten(string removed)
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var kept = removed == "ca.key" ? pki.CaFile : Path.Combine(pki.Directory, "ca.key");
        var keptText = File.ReadAllText(kept);
        File.Delete(Path.Combine(pki.Directory, removed));

        var exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [], _time));

        Assert.Contains($"{Path.Combine(pki.Directory, removed)} does not", exception.Message, StringComparison.Ordinal);
        Assert.Equal(keptText, File.ReadAllText(kept));
        Assert.False(File.Exists(Path.Combine(pki.Directory, removed)));
    }

    [Fact]
    public void A_gateway_certificate_has_the_id_as_cn_and_client_auth_and_is_accepted()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var issued = pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(OutDir, "gw-001.crt"), Path.Combine(OutDir, "gw-001.key"));
        Assert.Equal("CN=gw-001", certificate.Subject);
        Assert.Equal([CertificateFactory.ClientAuthOid], UsageOids(certificate));
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(File.ReadAllText(pki.CaFile), File.ReadAllText(Path.Combine(OutDir, "ca.crt")));
        Assert.Equal(certificate.SerialNumber, issued.Serial);
        Assert.Equal(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), issued.NotAfter);
        Assert.Equal([issued], pki.List());

        var verdict = pki.Verify(certificate);
        Assert.True(verdict.Ok);
        Assert.Equal("gw-001", verdict.CommonName);
        Assert.Null(verdict.Reason);
    }

    [Fact]
    public void Every_key_is_written_with_mode_0600()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);

        foreach (var key in new[] { Path.Combine(pki.Directory, "ca.key"), pki.ServerKeyFile, pki.CentralKeyFile, pki.CommandSigningKeyFile, Path.Combine(OutDir, "gw-001.key") })
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(key));
        }

    }

    [Theory]
    [InlineData("central")]
    [InlineData("CENTRAL")]
    [InlineData("")]
    [InlineData("gw/001")]
    [InlineData("gw+")]
    [InlineData("gw#")]
    [InlineData("gw 1")]
    [InlineData("g\u00e9")]
    public void Central_s_identity_and_invalid_gateway_ids_are_refused(string id)
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Throws<ArgumentException>(() => pki.IssueGateway(id, TimeSpan.FromDays(1), OutDir));

        Assert.Empty(pki.List());
        Assert.False(Directory.Exists(OutDir) && Directory.EnumerateFiles(OutDir).Any());
    }

    [Fact]
    public void Many_gateways_are_issued_at_once_and_one_bad_id_issues_none()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Throws<ArgumentException>(() => pki.IssueGateways(["gw-001", "central"], TimeSpan.FromDays(1), OutDir));
        Assert.Throws<ArgumentException>(() => pki.IssueGateways(["gw-001", "gw-001"], TimeSpan.FromDays(1), OutDir));
        Assert.Empty(pki.List());

        var ids = Enumerable.Range(1, 50).Select(i => $"load-{i:0000}").ToList();
        var issued = pki.IssueGateways(ids, TimeSpan.FromDays(1), OutDir);

        Assert.Equal(ids, issued.Select(c => c.Id));
        Assert.Equal(ids, pki.List().Select(c => c.Id));
        Assert.Equal(50, issued.Select(c => c.Serial).Distinct().Count());
        using var last = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "load-0050.crt"));
        Assert.Equal("load-0050", pki.Verify(last).CommonName);
    }

    [Fact]
    public void An_id_of_65_characters_is_refused_and_one_of_64_is_issued()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Throws<ArgumentException>(() => pki.IssueGateway(new string('g', 65), TimeSpan.FromDays(1), OutDir));
        Assert.Equal(new string('g', 64), pki.IssueGateway(new string('g', 64), TimeSpan.FromDays(1), OutDir).Id);
    }

    [Fact]
    public void Verify_refuses_no_certificate()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var verdict = pki.Verify(null);

        Assert.False(verdict.Ok);
        Assert.Equal(ClientCertificateVerdict.NoCertificate, verdict.Reason);
        Assert.Null(verdict.CommonName);
    }

    [Fact]
    public void Verify_refuses_a_self_signed_certificate_with_a_gateway_cn()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=gw-001", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new(CertificateFactory.ClientAuthOid)], false));
        using var selfSigned = request.CreateSelfSigned(_time.GetUtcNow().AddHours(-1), _time.GetUtcNow().AddDays(1));

        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(selfSigned).Reason);
    }

    [Fact]
    public void Verify_refuses_a_certificate_of_another_ca_even_with_the_same_ca_name()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var other = PkiStore.OpenOrCreate(Path.Combine(_dataPath, "other"), [], _time);
        other.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        using var foreign = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));

        Assert.Equal(pki.CaCertificate.Subject, other.CaCertificate.Subject);
        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(foreign).Reason);
        Assert.True(other.Verify(foreign).Ok);
    }

    [Fact]
    public void Verify_refuses_the_server_certificate_and_the_ca_itself_as_client_certificates()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        using var server = pki.LoadServerCertificate();

        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(server).Reason);
        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(pki.CaCertificate).Reason);
    }

    [Fact]
    public void Verify_refuses_an_expired_certificate_at_the_injected_time()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(1), OutDir);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));
        Assert.True(pki.Verify(certificate).Ok);

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        var verdict = pki.Verify(certificate);
        Assert.False(verdict.Ok);
        Assert.Equal(ClientCertificateVerdict.Expired, verdict.Reason);
    }

    [Fact]
    public void A_revoke_through_another_instance_on_the_same_directory_is_seen_at_the_next_verify()
    {
        var running = PkiStore.OpenOrCreate(_dataPath, [], _time);
        running.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        running.IssueGateway("gw-002", TimeSpan.FromDays(30), OutDir);
        using var revokedOne = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));
        using var otherOne = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-002.crt"));
        Assert.True(running.Verify(revokedOne).Ok);

        var cli = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var revoked = cli.Revoke("gw-001");

        Assert.Equal(revokedOne.SerialNumber, Assert.Single(revoked).Serial);
        Assert.Equal(ClientCertificateVerdict.Revoked, running.Verify(revokedOne).Reason);
        Assert.True(running.Verify(otherOne).Ok);
        Assert.Equal([true, false], running.List().Select(c => c.Revoked));
        Assert.Empty(cli.Revoke("gw-001"));
    }

    [Fact]
    public void A_new_certificate_for_a_revoked_gateway_is_accepted_and_the_old_one_stays_revoked()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        using var old = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));
        pki.Revoke("gw-001");

        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        using var renewed = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));

        Assert.True(pki.Verify(renewed).Ok);
        Assert.Equal(ClientCertificateVerdict.Revoked, pki.Verify(old).Reason);
    }

    [Fact]
    public async Task Issues_and_revokes_through_several_instances_at_once_lose_no_entry()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var second = PkiStore.OpenOrCreate(_dataPath, [], _time);
        first.IssueGateway("gw-000", TimeSpan.FromDays(30), OutDir);
        using var revokedOne = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-000.crt"));

        var work = Enumerable.Range(1, 40).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).IssueGateway($"gw-{i:000}", TimeSpan.FromDays(30), OutDir)))
            .Append(Task.Run(() => second.Revoke("gw-000")[0]));
        await Task.WhenAll(work);

        Assert.Equal(41, first.List().Select(c => c.Id).Distinct().Count());
        Assert.Equal(ClientCertificateVerdict.Revoked, first.Verify(revokedOne).Reason);
    }

    [Fact]
    public void A_missing_crl_is_made_again_from_the_revoked_certificates_in_issued_json()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));
        pki.Revoke("gw-001");
        File.Delete(pki.CrlFile);

        var reopened = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Contains(reopened.Changes, c => c.Contains("1 revoked", StringComparison.Ordinal));
        Assert.Equal(ClientCertificateVerdict.Revoked, reopened.Verify(certificate).Reason);
    }

    [Fact]
    public void A_damaged_crl_stops_open_or_create_with_the_way_out()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        File.WriteAllText(pki.CrlFile, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");

        var exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [], _time));

        Assert.StartsWith($"{pki.CrlFile} cannot be read", exception.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoking_an_id_never_issued_is_refused()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var exception = Assert.Throws<PkiException>(() => pki.Revoke("gw-404"));

        Assert.Contains("no certificate was issued to 'gw-404'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crl_that_is_not_signed_by_the_ca_refuses_every_certificate()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(OutDir, "gw-001.crt"));
        var other = PkiStore.OpenOrCreate(Path.Combine(_dataPath, "other"), [], _time);
        File.Copy(other.CrlFile, pki.CrlFile, overwrite: true);

        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(certificate).Reason);

        File.WriteAllText(pki.CrlFile, "garbage");
        Assert.Equal(ClientCertificateVerdict.Untrusted, pki.Verify(certificate).Reason);
    }

    [Fact]
    public void OpenOrCreate_creates_a_p256_command_signing_key_pair_whose_public_half_verifies_its_signatures()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Equal(Path.Combine(pki.Directory, "command-signing.key"), pki.CommandSigningKeyFile);
        Assert.Equal(Path.Combine(pki.Directory, "command-signing.pub"), pki.CommandSigningPublicKeyFile);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(pki.CommandSigningKeyFile));
        Assert.Contains(pki.Changes, c => c.StartsWith($"created the command-signing key {pki.CommandSigningKeyFile}", StringComparison.Ordinal));
        var publicPem = File.ReadAllText(pki.CommandSigningPublicKeyFile);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", publicPem, StringComparison.Ordinal);
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(publicPem);
        using var privateKey = pki.LoadCommandSigningKey();
        Assert.Equal(256, privateKey.KeySize);
        Assert.NotEmpty(privateKey.ExportParameters(includePrivateParameters: true).D!);

        var signed = City.Contract.CommandSigning.Sign(new City.Contract.Wire.CommandBody { Id = "a", GatewayId = "gw-001" }, privateKey);

        Assert.True(City.Contract.CommandSigning.TryVerify(signed, publicKey, out var body, out var reason), reason);
        Assert.Equal("gw-001", body.GatewayId);
    }

    [Fact]
    public void OpenOrCreate_again_keeps_the_command_signing_key()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var key = File.ReadAllText(first.CommandSigningKeyFile);
        var publicKey = File.ReadAllText(first.CommandSigningPublicKeyFile);

        var second = PkiStore.OpenOrCreate(_dataPath, [], _time);

        Assert.Empty(second.Changes);
        Assert.Equal(key, File.ReadAllText(second.CommandSigningKeyFile));
        Assert.Equal(publicKey, File.ReadAllText(second.CommandSigningPublicKeyFile));
    }

    [Fact]
    public void An_existing_pki_without_a_command_signing_key_gets_one_and_keeps_everything_else()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var server = File.ReadAllText(first.ServerCertFile);
        File.Delete(first.CommandSigningKeyFile);
        File.Delete(first.CommandSigningPublicKeyFile);

        var second = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var change = Assert.Single(second.Changes);
        Assert.StartsWith($"created the command-signing key {second.CommandSigningKeyFile}", change, StringComparison.Ordinal);
        Assert.Contains("command-signing.pub", change, StringComparison.Ordinal);
        Assert.Equal(first.CaCertificate.Thumbprint, second.CaCertificate.Thumbprint);
        Assert.Equal(server, File.ReadAllText(second.ServerCertFile));
        Assert.True(File.Exists(second.CommandSigningPublicKeyFile));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(second.CommandSigningKeyFile));
    }

    [Fact]
    public void A_missing_command_signing_pub_is_written_again_from_the_key()
    {
        var first = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var publicKey = File.ReadAllText(first.CommandSigningPublicKeyFile);
        File.Delete(first.CommandSigningPublicKeyFile);

        var second = PkiStore.OpenOrCreate(_dataPath, [], _time);

        var change = Assert.Single(second.Changes);
        Assert.StartsWith($"wrote {second.CommandSigningPublicKeyFile} again from {second.CommandSigningKeyFile}", change, StringComparison.Ordinal);
        Assert.Equal(publicKey, File.ReadAllText(second.CommandSigningPublicKeyFile));
    }

    [Fact]
    public void A_command_signing_pub_without_its_key_is_refused_and_left_alone()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var publicKey = File.ReadAllText(pki.CommandSigningPublicKeyFile);
        File.Delete(pki.CommandSigningKeyFile);

        var exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [], _time));

        Assert.StartsWith($"{pki.CommandSigningPublicKeyFile} exists but {pki.CommandSigningKeyFile} does not", exception.Message, StringComparison.Ordinal);
        Assert.Equal(publicKey, File.ReadAllText(pki.CommandSigningPublicKeyFile));
        Assert.False(File.Exists(pki.CommandSigningKeyFile));
    }

    [Fact]
    public void A_command_signing_pub_of_another_key_or_a_damaged_key_is_refused()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);
        var other = PkiStore.OpenOrCreate(Path.Combine(_dataPath, "other"), [], _time);
        File.Copy(other.CommandSigningPublicKeyFile, pki.CommandSigningPublicKeyFile, overwrite: true);

        var exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [], _time));
        Assert.StartsWith($"{pki.CommandSigningPublicKeyFile} is not the public half of {pki.CommandSigningKeyFile}", exception.Message, StringComparison.Ordinal);

        File.WriteAllText(pki.CommandSigningKeyFile, "garbage");
        exception = Assert.Throws<PkiException>(() => PkiStore.OpenOrCreate(_dataPath, [], _time));
        Assert.StartsWith($"{pki.CommandSigningKeyFile} cannot be read", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Issuing_a_gateway_hands_out_the_command_signing_pub_with_its_certificate()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], _time);

        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);

        Assert.Equal(File.ReadAllText(pki.CommandSigningPublicKeyFile), File.ReadAllText(Path.Combine(OutDir, "command-signing.pub")));
    }

    [Fact]
    public void Issuing_from_a_pki_opened_without_a_command_signing_key_creates_it_first()
    {
        var created = PkiStore.OpenOrCreate(_dataPath, [], _time);
        File.Delete(created.CommandSigningKeyFile);
        File.Delete(created.CommandSigningPublicKeyFile);
        var pki = PkiStore.Open(_dataPath, _time);

        pki.IssueGateway("gw-001", TimeSpan.FromDays(30), OutDir);

        Assert.Contains(pki.Changes, c => c.StartsWith($"created the command-signing key {pki.CommandSigningKeyFile}", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllText(pki.CommandSigningPublicKeyFile), File.ReadAllText(Path.Combine(OutDir, "command-signing.pub")));
        using var key = pki.LoadCommandSigningKey();
        Assert.Equal(256, key.KeySize);
    }

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    private static IEnumerable<string?> UsageOids(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
}
