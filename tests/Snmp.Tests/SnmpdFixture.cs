using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>net-snmp's snmpd on a loopback port with its own config: v1/v2c communities and one v3 user per auth protocol.</summary>
public sealed class SnmpdFixture : IAsyncLifetime
{
    public const string PrivPassword = "privacypass1";
    public const string AuthPassword = "authpassword1";

    private PeerProcess? _snmpd;
    private string _directory = "";

    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>net-snmp's name for each protocol and the user configured with it (authPriv with AES, or authNoPriv for MD5).</summary>
    public static readonly (SnmpAuthProtocol Protocol, string NetSnmpName, string User, bool Priv)[] Users =
    [
        (SnmpAuthProtocol.Md5, "MD5", "user_md5", false),
        (SnmpAuthProtocol.Sha1, "SHA", "user_sha1", true),
        (SnmpAuthProtocol.Sha224, "SHA-224", "user_sha224", true),
        (SnmpAuthProtocol.Sha256, "SHA-256", "user_sha256", true),
        (SnmpAuthProtocol.Sha384, "SHA-384", "user_sha384", true),
        (SnmpAuthProtocol.Sha512, "SHA-512", "user_sha512", true),
    ];

    public string Output => _snmpd?.Output ?? "";

    public async Task InitializeAsync()
    {
        string snmpd = NetSnmp.Require("snmpd");
        _directory = Directory.CreateTempSubdirectory("snmpd-test-").FullName;

        // The port is free when reserved but another process may take it before snmpd binds: then try another.
        for (int attempt = 1; ; attempt++)
        {
            EndPoint = FreePort.UdpEndPoint();
            string configPath = Path.Combine(_directory, "snmpd.conf");
            await File.WriteAllLinesAsync(configPath, Configuration(EndPoint.Port));
            _snmpd = NetSnmp.Start(snmpd, ["-f", "-Lo", "-C", "-c", configPath],
                new Dictionary<string, string> { ["SNMP_PERSISTENT_DIR"] = Path.Combine(_directory, "persist") });
            if (await WaitUntilAnsweringAsync() || attempt == 3)
            {
                Assert.False(_snmpd.HasExited, $"snmpd exited at start. Output:\n{_snmpd.Output}");
                return;
            }

            await _snmpd.DisposeAsync();
        }
    }

    private static List<string> Configuration(int port)
    {
        var config = new List<string>
        {
            $"agentaddress udp:127.0.0.1:{port}",
            "rocommunity public 127.0.0.1",
            "sysLocation cabinet 12, rue de la Gare",
            "sysContact ops@city.example",
            "sysName snmpd-under-test",
        };
        foreach ((_, string name, string user, bool priv) in Users)
        {
            config.Add(priv ? $"createUser {user} {name} {AuthPassword} AES {PrivPassword}" : $"createUser {user} {name} {AuthPassword}");
            config.Add($"rouser {user} {(priv ? "authPriv" : "authNoPriv")}");
        }

        return config;
    }

    /// <summary>True once snmpd answers a v2c GET; false if it exits first (its port was taken).</summary>
    private async Task<bool> WaitUntilAnsweringAsync()
    {
        await using SnmpManager probe = SnmpManager.CreateUdp(IPAddress.Loopback);
        var target = SnmpTarget.V2c(EndPoint) with { Timeout = TimeSpan.FromMilliseconds(500), Retries = 0 };
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_snmpd!.HasExited)
        {
            try
            {
                await probe.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.5.0"));
                return true;
            }
            catch (SnmpTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }

        return false;
    }

    public async Task DisposeAsync()
    {
        if (_snmpd is not null)
        {
            await _snmpd.DisposeAsync();
        }

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
