using City.Central.Pki;

namespace City.Central.Tests;

/// <summary>
/// <c>central mosquitto-config</c>'s output (real mosquitto runs of it are in the mosquitto broker tests): a TLS listener
/// that requires a certificate of our CA, the CN as user name, our CRL, no anonymous access and central's topic rules.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MosquittoConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("central-mosquitto-config-").FullName;

    private string DataPath => Path.Combine(_root, "data");

    private string OutDir => Path.Combine(_root, "mosquitto");

    [Fact]
    public void The_configuration_requires_certificates_of_our_ca_and_names_our_files()
    {
        var pki = PkiStore.OpenOrCreate(DataPath, [], TimeProvider.System);

        var (code, output, error) = Run("mosquitto-config", "--out", OutDir, "--port", "18883", $"--Central:DataPath={DataPath}");

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith($"{OutDir}/mosquitto.conf: TLS listener on 127.0.0.1:18883", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(OutDir, "mosquitto.conf")).Where(l => l.Length > 0 && l[0] != '#').ToList();
        Assert.Equal(
        [
            "per_listener_settings false",
            "allow_anonymous false",
            $"acl_file {OutDir}/acl",
            "persistence true",
            $"persistence_location {OutDir}/data/",
            "autosave_interval 60",
            "max_queued_messages 100000",
            "max_inflight_messages 100",
            "listener 18883 127.0.0.1",
            "protocol mqtt",
            $"cafile {pki.CaFile}",
            $"certfile {OutDir}/server.crt",
            $"keyfile {OutDir}/server.key",
            $"crlfile {pki.CrlFile}",
            "tls_version tlsv1.2",
            "require_certificate true",
            "use_identity_as_username true",
        ], lines);
        Assert.Equal(File.ReadAllText(pki.ServerCertFile), File.ReadAllText(Path.Combine(OutDir, "server.crt")));
        Assert.Equal(File.ReadAllText(pki.ServerKeyFile), File.ReadAllText(Path.Combine(OutDir, "server.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(OutDir, "server.key")));
        Assert.True(Directory.Exists(Path.Combine(OutDir, "data")));
    }

    [Fact]
    public void The_acl_lets_a_gateway_use_only_its_own_topics_and_only_central_write_acks_and_commands()
    {
        PkiStore.OpenOrCreate(DataPath, [], TimeProvider.System);

        Assert.Equal(0, Run("mosquitto-config", "--out", OutDir, $"--Central:DataPath={DataPath}").Code);

        var rules = File.ReadAllLines(Path.Combine(OutDir, "acl")).Where(l => l.Length > 0 && l[0] != '#');
        Assert.Equal(
        [
            "user central",
            "topic read city/v1/#",
            "topic write city/v1/+/ack",
            "topic write city/v1/+/cmd",
            "pattern write city/v1/%u/data",
            "pattern write city/v1/%u/birth",
            "pattern write city/v1/%u/death",
            "pattern write city/v1/%u/cmd-result",
            "pattern read city/v1/%u/ack",
            "pattern read city/v1/%u/cmd",
        ], rules);
    }

    [Fact]
    public void User_bind_address_and_json_are_honoured()
    {
        PkiStore.OpenOrCreate(DataPath, [], TimeProvider.System);

        var (code, output, _) = Run("mosquitto-config", "--out", OutDir, "--bind", "0.0.0.0", "--user", "root", "--json", $"--Central:DataPath={DataPath}");

        Assert.Equal(0, code);
        Assert.Contains($"\"configFile\":\"{OutDir}/mosquitto.conf\"", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(OutDir, "mosquitto.conf"));
        Assert.Contains("user root", lines);
        Assert.Contains("listener 8883 0.0.0.0", lines);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = MosquittoConfigCommand.Run(args, AppContext.BaseDirectory, output, error, TimeProvider.System);
        return (code, output.ToString(), error.ToString());
    }
}
