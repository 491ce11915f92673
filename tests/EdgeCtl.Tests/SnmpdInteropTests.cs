using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace City.EdgeCtl.Tests;

/// <summary>net-snmp's snmpd on a loopback port with its own config: a read-only and a read-write community, one v3 user.</summary>
public sealed class SnmpdForEdgeCtl : IAsyncLifetime
{
    public const string AuthPassword = "authpassword1";
    public const string PrivPassword = "privacypass1";
    private readonly StringBuilder _output = new();
    private Process? _snmpd;
    private string _directory = "";

    public string Agent { get; private set; } = "";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        string executable = new[] { "/usr/sbin/snmpd", "/usr/bin/snmpd" }.FirstOrDefault(File.Exists) ?? "";
        Assert.True(executable.Length > 0, "net-snmp's snmpd is missing. Install it: apt-get install -y snmp snmpd (test.sh does this).");
        _directory = Directory.CreateTempSubdirectory("edgectl-snmpd-").FullName;

        // The port is free when reserved but another process may take it before snmpd binds: then try another.
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Udp();

            Agent = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            string config = Path.Combine(_directory, "snmpd.conf");
            await File.WriteAllLinesAsync(config,
            [
                $"agentaddress udp:127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "rocommunity public 127.0.0.1",
                "rwcommunity private 127.0.0.1",
                "sysName snmpd-under-test",
                $"createUser ops SHA-256 {AuthPassword} AES {PrivPassword}",
                "rwuser ops authPriv",
            ]);
            Start(executable, config);
            if (await WaitUntilAnsweringAsync() || attempt == 3)
            {
                Assert.False(_snmpd!.HasExited, $"snmpd exited at start. Output:\n{Output}");
                return;
            }

            await StopAsync();
        }
    }

    private void Start(string executable, string config)
    {
        var startInfo = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-f", "-Lo", "-C", "-c", config })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["SNMP_PERSISTENT_DIR"] = Path.Combine(_directory, "persist");
        startInfo.Environment["MIBS"] = "";
        startInfo.Environment["MIBDIRS"] = "/nonexistent";
        _snmpd = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start snmpd.");
        _snmpd.OutputDataReceived += (_, e) => Append(e.Data);
        _snmpd.ErrorDataReceived += (_, e) => Append(e.Data);
        _snmpd.BeginOutputReadLine();
        _snmpd.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>True once snmpd answers edgectl's own v2c GET; false if it exits first (its port was taken).</summary>
    private async Task<bool> WaitUntilAnsweringAsync()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_snmpd!.HasExited && DateTime.UtcNow < deadline)
        {
            var (exit, _, _) = await SnmpCommandTests.RunAsync("snmp", "get", "-v", "2c", "-c", "public", "-t", "0.5", "-r", "0", Agent, "1.3.6.1.2.1.1.5.0");
            if (exit == 0)
            {
                return true;
            }
        }

        return false;
    }

    private async Task StopAsync()
    {
        if (_snmpd is not null)
        {
            if (!_snmpd.HasExited)
            {
                _snmpd.Kill(entireProcessTree: true);
            }

            await _snmpd.WaitForExitAsync();
            _snmpd.Dispose();
            _snmpd = null;
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // snmpd may still be writing its persistent state; the temp folder is cleaned by the OS later
        }
    }
}

/// <summary><c>edgectl snmp</c> against net-snmp's snmpd, a peer nobody here wrote.</summary>
public sealed class SnmpdInteropTests(SnmpdForEdgeCtl snmpd) : IClassFixture<SnmpdForEdgeCtl>
{
    private string[] V3(params string[] rest) =>
        ["-v", "3", "-u", "ops", "-l", "authPriv", "-a", "SHA-256", "-A", SnmpdForEdgeCtl.AuthPassword, "-x", "AES", "-X", SnmpdForEdgeCtl.PrivPassword,
            "-t", "5", "-r", "2", .. rest];

    [Fact]
    public async Task GetV2c_SysName()
    {
        var (exit, stdout, stderr) = await SnmpCommandTests.RunAsync("snmp", "get", "-v", "2c", "-c", "public", snmpd.Agent, ".1.3.6.1.2.1.1.5.0");

        Assert.True(exit == 0, stderr + snmpd.Output);
        Assert.Equal(".1.3.6.1.2.1.1.5.0 = STRING: \"snmpd-under-test\"\n", SnmpCommandTests.Lf(stdout));
    }

    [Fact]
    public async Task GetV3AuthPrivSha256Aes_Json()
    {
        var (exit, stdout, stderr) = await SnmpCommandTests.RunAsync(["snmp", "get", .. V3(snmpd.Agent, "1.3.6.1.2.1.1.5.0"), "--json"]);

        Assert.True(exit == 0, stderr + snmpd.Output);
        using var document = JsonDocument.Parse(stdout);
        JsonElement row = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(".1.3.6.1.2.1.1.5.0", row.GetProperty("oid").GetString());
        Assert.Equal("STRING", row.GetProperty("type").GetString());
        Assert.Equal("snmpd-under-test", row.GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("2c")]
    [InlineData("3")]
    public async Task Walk_SystemGroup_InIncreasingOrder(string version)
    {
        string[] args = version == "2c"
            ? ["snmp", "walk", "-v", "2c", "-c", "public", "-Cr", "3", snmpd.Agent, "1.3.6.1.2.1.1"]
            : ["snmp", "walk", .. V3("-Cr", "3", snmpd.Agent, "1.3.6.1.2.1.1")];

        var (exit, stdout, stderr) = await SnmpCommandTests.RunAsync(args);

        Assert.True(exit == 0, stderr + snmpd.Output);
        string[] lines = SnmpCommandTests.Lf(stdout).TrimEnd('\n').Split('\n');
        Assert.True(lines.Length >= 7, stdout);
        Assert.All(lines, line => Assert.StartsWith(".1.3.6.1.2.1.1.", line, StringComparison.Ordinal));
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING: \"snmpd-under-test\"", lines);
    }

    [Fact]
    public async Task SetV3_SysContact_ThenGetReadsItBack()
    {
        var (exit, stdout, stderr) = await SnmpCommandTests.RunAsync(["snmp", "set", .. V3(snmpd.Agent, "1.3.6.1.2.1.1.4.0", "s", "ops@city.example")]);

        Assert.True(exit == 0, stderr + snmpd.Output);
        Assert.Equal(".1.3.6.1.2.1.1.4.0 = STRING: \"ops@city.example\"\n", SnmpCommandTests.Lf(stdout));
        var (_, again, _) = await SnmpCommandTests.RunAsync("snmp", "get", "-v", "2c", "-c", "public", snmpd.Agent, "1.3.6.1.2.1.1.4.0");
        Assert.Equal(".1.3.6.1.2.1.1.4.0 = STRING: \"ops@city.example\"\n", SnmpCommandTests.Lf(again));
    }

    [Fact]
    public async Task SetV2c_ReadOnlyObject_IsNotWritableWithTheFailedOid()
    {
        var (exit, _, stderr) = await SnmpCommandTests.RunAsync("snmp", "set", "-v", "2c", "-c", "private", snmpd.Agent, "1.3.6.1.2.1.1.3.0", "t", "5");

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: Error in packet: notWritable (error-index 1), failed object: .1.3.6.1.2.1.1.3.0\n", SnmpCommandTests.Lf(stderr));
    }

    [Fact]
    public async Task GetV3_WrongAuthPassword_IsAuthenticationFailure()
    {
        string[] args = ["snmp", "get", .. V3(snmpd.Agent, "1.3.6.1.2.1.1.5.0")];
        args[Array.IndexOf(args, SnmpdForEdgeCtl.AuthPassword)] = "wrongpassword";

        var (exit, _, stderr) = await SnmpCommandTests.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: Authentication failure (incorrect password, community or key)\n", SnmpCommandTests.Lf(stderr));
    }

    [Fact]
    public async Task GetV3_UnknownUser_SaysSo()
    {
        string[] args = ["snmp", "get", .. V3(snmpd.Agent, "1.3.6.1.2.1.1.5.0")];
        args[Array.IndexOf(args, "ops")] = "nobody";

        var (exit, _, stderr) = await SnmpCommandTests.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: Unknown user name\n", SnmpCommandTests.Lf(stderr));
    }

    [Fact]
    public async Task GetV2c_MissingInstance_PrintsNoSuchInstanceAsNetSnmp()
    {
        var (exit, stdout, stderr) = await SnmpCommandTests.RunAsync("snmp", "get", "-v", "2c", "-c", "public", snmpd.Agent, "1.3.6.1.2.1.1.5.7");

        Assert.True(exit == 0, stderr);
        Assert.Equal(".1.3.6.1.2.1.1.5.7 = No Such Instance currently exists at this OID\n", SnmpCommandTests.Lf(stdout));
    }
}
