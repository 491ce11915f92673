using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using City.Central.Pki;

namespace City.Central.Tests;

/// <summary>
/// <c>central pki ...</c> in-process, with openssl as the verifier of what it writes (openssl verify, -crl_check,
/// x509 -ext): the files must be usable by tools nobody here wrote.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PkiCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _root = Directory.CreateTempSubdirectory("central-pki-cli-").FullName;

    private string DataPath => Path.Combine(_root, "data");

    private string Pki => Path.Combine(DataPath, "pki");

    private string OutDir => Path.Combine(_root, "gateways");

    private string DataPathArgument => $"--Central:DataPath={DataPath}";

    [Fact]
    public void Init_creates_the_pki_and_a_second_init_creates_nothing()
    {
        var (code, output, error) = Run("pki", "init", DataPathArgument);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith($"{Pki}:\n  created the CA {Pki}/ca.crt", output, StringComparison.Ordinal);
        Assert.Contains($"created the server certificate {Pki}/server.crt for localhost, 127.0.0.1, ::1", output, StringComparison.Ordinal);
        var ca = File.ReadAllText(Path.Combine(Pki, "ca.crt"));

        (code, output, error) = Run("pki", "init", DataPathArgument);

        Assert.Equal(0, code);
        Assert.StartsWith($"{Pki}: the PKI exists, nothing created.\n", output, StringComparison.Ordinal);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(Pki, "ca.crt")));
    }

    [Fact]
    public async Task Init_names_the_given_and_configured_hosts_in_the_server_certificate_as_openssl_reads_it()
    {
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), $$"""
            { "Central": { "DataPath": "{{DataPath}}", "Pki": { "ServerNames": [ "central.example.net" ] } } }
            """);

        var (code, output, _) = Run("pki", "init", "--name", "10.20.30.40", "--name=city.example.org", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(Path.Combine(Pki, "server.crt"), json.RootElement.GetProperty("serverCertFile").GetString());
        var (exit, text) = await PeerProcess.RunAsync(Deadline, OpenSsl(), "x509", "-noout", "-ext", "subjectAltName", "-in", Path.Combine(Pki, "server.crt"));
        Assert.Equal(0, exit);
        Assert.Contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:central.example.net, IP Address:10.20.30.40, DNS:city.example.org", text, StringComparison.Ordinal);
        (exit, text) = await PeerProcess.RunAsync(Deadline, OpenSsl(), "verify", "-purpose", "sslserver", "-CAfile", Path.Combine(Pki, "ca.crt"), Path.Combine(Pki, "server.crt"));
        Assert.True(exit == 0, text);
    }

    [Fact]
    public void Init_refuses_half_a_ca_and_leaves_it_alone()
    {
        Assert.Equal(0, Run("pki", "init", DataPathArgument).Code);
        File.Delete(Path.Combine(Pki, "ca.key"));
        var ca = File.ReadAllText(Path.Combine(Pki, "ca.crt"));

        var (code, output, error) = Run("pki", "init", DataPathArgument);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.StartsWith($"central pki init: {Pki}/ca.crt exists but {Pki}/ca.key does not", error, StringComparison.Ordinal);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(Pki, "ca.crt")));
    }

    [Fact]
    public async Task Issue_gateway_writes_certificates_openssl_verifies_with_keys_0600()
    {
        Assert.Equal(0, Run("pki", "init", DataPathArgument).Code);

        var (code, output, error) = Run("pki", "issue-gateway", "gw-001", "gw-002", "--out", OutDir, "--days", "10", DataPathArgument, "--json");

        Assert.Equal(0, code);
        Assert.Empty(error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["gw-001", "gw-002"], json.RootElement.GetProperty("issued").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(Path.Combine(OutDir, "ca.crt"), json.RootElement.GetProperty("caFile").GetString());
        Assert.Equal(Path.Combine(OutDir, "command-signing.pub"), json.RootElement.GetProperty("commandSigningPublicKeyFile").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(Pki, "command-signing.pub")), File.ReadAllText(Path.Combine(OutDir, "command-signing.pub")));
        var (pkeyExit, pkeyText) = await PeerProcess.RunAsync(Deadline, OpenSsl(), "pkey", "-pubin", "-noout", "-text", "-in", Path.Combine(OutDir, "command-signing.pub"));
        Assert.True(pkeyExit == 0, pkeyText);
        Assert.Contains("NIST CURVE: P-256", pkeyText, StringComparison.Ordinal);
        foreach (var id in new[] { "gw-001", "gw-002" })
        {
            var (exit, text) = await PeerProcess.RunAsync(Deadline, OpenSsl(), "verify", "-purpose", "sslclient", "-CAfile", Path.Combine(OutDir, "ca.crt"), Path.Combine(OutDir, id + ".crt"));
            Assert.True(exit == 0, text);
            (exit, text) = await PeerProcess.RunAsync(Deadline, OpenSsl(), "x509", "-noout", "-subject", "-in", Path.Combine(OutDir, id + ".crt"));
            Assert.Equal($"subject=CN = {id}\n", text);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(OutDir, id + ".key")));
            using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(OutDir, id + ".crt"), Path.Combine(OutDir, id + ".key"));
            Assert.InRange(certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(9.9), TimeSpan.FromDays(10));
        }
    }

    [Fact]
    public void Init_creates_the_command_signing_key_and_issue_gateway_names_its_public_half()
    {
        var (code, output, _) = Run("pki", "init", DataPathArgument);
        Assert.Equal(0, code);
        Assert.Contains($"created the command-signing key {Pki}/command-signing.key", output, StringComparison.Ordinal);
        Assert.Contains($"  commands: {Pki}/command-signing.pub", output, StringComparison.Ordinal);

        (code, output, _) = Run("pki", "issue-gateway", "gw-001", "--out", OutDir, DataPathArgument);

        Assert.Equal(0, code);
        Assert.Contains($"command-signing key: {OutDir}/command-signing.pub", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(Pki, "command-signing.pub")), File.ReadAllText(Path.Combine(OutDir, "command-signing.pub")));
    }

    [Fact]
    public async Task Revoke_makes_openssl_s_crl_check_fail_for_that_gateway_only_and_list_shows_it()
    {
        Assert.Equal(0, Run("pki", "init", DataPathArgument).Code);
        Assert.Equal(0, Run("pki", "issue-gateway", "gw-001", "gw-002", "--out", OutDir, DataPathArgument).Code);
        Assert.Equal(0, (await CrlCheck("gw-001")).ExitCode);

        var (code, output, error) = Run("pki", "revoke", "gw-001", DataPathArgument);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith("gw-001: revoked serial ", output, StringComparison.Ordinal);
        var (exit, text) = await CrlCheck("gw-001");
        Assert.NotEqual(0, exit);
        Assert.Contains("certificate revoked", text, StringComparison.Ordinal);
        Assert.Equal(0, (await CrlCheck("gw-002")).ExitCode);

        (code, output, _) = Run("pki", "list", "--json", DataPathArgument);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal([("gw-001", true), ("gw-002", false)], json.RootElement.EnumerateArray().Select(e => (e.GetProperty("id").GetString(), e.GetProperty("revoked").GetBoolean())));
        Assert.All(json.RootElement.EnumerateArray(), e => Assert.Equal(32, e.GetProperty("serial").GetString()!.Length));

        (code, output, _) = Run("pki", "revoke", "gw-001", DataPathArgument);
        Assert.Equal(0, code);
        Assert.Equal("gw-001: every certificate issued to it was already revoked.\n", output);
    }

    [Fact]
    public void List_prints_a_table()
    {
        Assert.Equal(0, Run("pki", "init", DataPathArgument).Code);
        Assert.Equal("no gateway certificate issued yet.\n", Run("pki", "list", DataPathArgument).Output);
        Assert.Equal(0, Run("pki", "issue-gateway", "gw-001", "--out", OutDir, DataPathArgument).Code);

        var lines = Run("pki", "list", DataPathArgument).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, lines.Length);
        Assert.StartsWith("ID      SERIAL", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("gw-001  ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("  no", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("central pki: a command is needed: init, issue-gateway, revoke or list", "pki")]
    [InlineData("central pki: unknown command 'create'", "pki", "create")]
    [InlineData("central pki list: unknown option '--all'", "pki", "list", "--all")]
    [InlineData("central pki init: --name: 'a b' is not a host name or an IP address for the server certificate", "pki", "init", "--name", "a b")]
    [InlineData("central pki issue-gateway: --out DIR is needed", "pki", "issue-gateway", "gw-001")]
    [InlineData("central pki issue-gateway: at least one gateway id is needed", "pki", "issue-gateway", "--out", "x")]
    [InlineData("central pki issue-gateway: 'central' is reserved for central's own certificate", "pki", "issue-gateway", "central", "--out", "x")]
    [InlineData("central pki issue-gateway: 'gw/1' is not a valid gateway id", "pki", "issue-gateway", "gw/1", "--out", "x")]
    [InlineData("central pki issue-gateway: --days: '0' is not a number of days in 1-36500", "pki", "issue-gateway", "gw-1", "--out", "x", "--days", "0")]
    [InlineData("central pki issue-gateway: 'gw-1' is named twice", "pki", "issue-gateway", "gw-1", "gw-1", "--out", "x")]
    [InlineData("central pki issue-gateway: --out needs a value", "pki", "issue-gateway", "gw-1", "--out")]
    [InlineData("central pki revoke: one gateway id is needed", "pki", "revoke")]
    [InlineData("central pki revoke: 'CENTRAL' is reserved for central's own certificate", "pki", "revoke", "CENTRAL")]
    [InlineData("central mosquitto-config: --out DIR is needed", "mosquitto-config")]
    [InlineData("central mosquitto-config: --port: '0' is not a port in 1-65535", "mosquitto-config", "--out", "x", "--port", "0")]
    [InlineData("central mosquitto-config: --bind: 'anywhere' is not an IP address", "mosquitto-config", "--out", "x", "--bind", "anywhere")]
    public void A_wrong_command_line_is_refused_with_exit_code_2_and_one_line(string message, params string[] args)
    {
        var (code, output, error) = Run([.. args, DataPathArgument]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(DataPath));
    }

    [Theory]
    [InlineData("pki", "issue-gateway", "gw-001", "--out", "x")]
    [InlineData("pki", "revoke", "gw-001")]
    [InlineData("pki", "list")]
    [InlineData("mosquitto-config", "--out", "x")]
    public void Commands_other_than_init_need_an_existing_pki_and_create_none(params string[] args)
    {
        var (code, _, error) = Run([.. args, DataPathArgument]);

        Assert.Equal(1, code);
        Assert.Contains($"no CA in {Pki} (ca.crt and ca.key): create it with `central pki init`", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Pki));
    }

    [Fact]
    public void Revoking_a_gateway_never_issued_fails_with_exit_code_1()
    {
        Assert.Equal(0, Run("pki", "init", DataPathArgument).Code);

        var (code, _, error) = Run("pki", "revoke", "gw-404", DataPathArgument);

        Assert.Equal(1, code);
        Assert.Equal("central pki revoke: no certificate was issued to 'gw-404' (see central pki list).\n", error);
    }

    [Theory]
    [InlineData("pki", "--help")]
    [InlineData("pki", "issue-gateway", "-h")]
    [InlineData("mosquitto-config", "--help")]
    public void Help_prints_the_usage_and_exits_0(params string[] args)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(0, code);
        Assert.StartsWith($"usage: central {args[0]}", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public void Central_s_usage_names_the_pki_commands()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, CommandLine.Check(["--help"], _root, output, error));

        Assert.Contains("central pki issue-gateway GW [GW...] --out DIR", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("central mosquitto-config --out DIR", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Central_s_entry_point_runs_the_pki_and_mosquitto_config_commands()
    {
        Assert.Equal(0, await ProgramEntry.RunAsync(["pki", "init", DataPathArgument]));
        Assert.Equal(0, await ProgramEntry.RunAsync(["pki", "issue-gateway", "gw-001", "--out", OutDir, DataPathArgument]));
        Assert.Equal(0, await ProgramEntry.RunAsync(["mosquitto-config", "--out", Path.Combine(_root, "mosquitto"), DataPathArgument]));
        Assert.Equal(2, await ProgramEntry.RunAsync(["pki", "revoke", DataPathArgument]));

        Assert.True(File.Exists(Path.Combine(OutDir, "gw-001.key")));
        Assert.True(File.Exists(Path.Combine(_root, "mosquitto", "mosquitto.conf")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string OpenSsl() => PeerProcess.RequireExecutable("openssl", "apt-get install openssl");

    private Task<(int ExitCode, string Output)> CrlCheck(string id) => PeerProcess.RunAsync(
        Deadline, OpenSsl(), "verify", "-crl_check", "-CAfile", Path.Combine(Pki, "ca.crt"), "-CRLfile", Path.Combine(Pki, "crl.pem"), Path.Combine(OutDir, id + ".crt"));

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = args[0] == "pki"
            ? PkiCommand.Run(args, _root, output, error, TimeProvider.System)
            : MosquittoConfigCommand.Run(args, _root, output, error, TimeProvider.System);
        return (code, output.ToString(), error.ToString());
    }
}
