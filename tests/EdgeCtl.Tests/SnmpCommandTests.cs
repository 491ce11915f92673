using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Protocols.Snmp;

namespace City.EdgeCtl.Tests;

/// <summary>Runs the real <c>edgectl snmp</c> commands in-process against our <see cref="SnmpAgent"/> on 127.0.0.1.</summary>
public sealed class SnmpCommandTests : IAsyncLifetime
{
    private const string AuthPassword = "agentauthpass";
    private const string PrivPassword = "agentprivpass";
    private static readonly Oid Enterprise = Oid.Parse("1.3.6.1.4.1.99999");
    private readonly MibTree _mib = new();
    private SnmpAgent? _agent;
    private int _mode = 1;

    private string Agent => $"127.0.0.1:{_agent!.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    private string[] V3(string user, params string[] rest) =>
        ["-v", "3", "-u", user, "-l", "authPriv", "-a", "SHA-256", "-A", AuthPassword, "-x", "AES", "-X", PrivPassword, "-t", "5", "-r", "2", .. rest];

    public Task InitializeAsync()
    {
        _agent = SnmpAgent.CreateUdp(_mib, new IPEndPoint(IPAddress.Loopback, 0));
        Mib2System.Register(_mib, () => 4242, "Traffic controller", Enterprise, "ops", "cabinet-12", "rue de la Gare");
        _mib.AddScalar(Enterprise.Append(1), () => SnmpValue.Integer(Volatile.Read(ref _mode)), new MibWrite(
            SnmpValueType.Integer,
            value => Volatile.Write(ref _mode, value.AsInt32()),
            value => value.AsInt32() is >= 1 and <= 3 ? SnmpErrorStatus.NoError : SnmpErrorStatus.WrongValue));
        MibTable table = _mib.AddTable(Enterprise.Append(3, 1), new MibColumn(1, SnmpValueType.Integer), new MibColumn(2, SnmpValueType.Gauge32));
        for (uint row = 1; row <= 30; row++)
        {
            table.SetRow(row, new Dictionary<uint, SnmpValue> { [1] = SnmpValue.Integer((int)row), [2] = SnmpValue.Gauge32(row * 10) });
        }

        _agent.AddCommunity("public");
        _agent.AddCommunity("private", writable: true);
        _agent.AddUser(new UsmUser("ops", SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes128, PrivPassword), writable: true);
        _agent.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task Get_V2c_PrintsNetSnmpNumericLines()
    {
        var (exit, stdout, stderr) = await RunAsync("snmp", "get", "-v", "2c", "-c", "public", Agent, ".1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.3.0");

        Assert.Equal(0, exit);
        Assert.Equal(".1.3.6.1.2.1.1.5.0 = STRING: \"cabinet-12\"\n.1.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42\n", Lf(stdout));
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Get_V3AuthPrivSha256Aes_Json_IsAnArrayOfOidTypeValue()
    {
        var (exit, stdout, stderr) = await RunAsync(["snmp", "get", .. V3("ops", "udp:" + Agent, "1.3.6.1.2.1.1.1.0", "1.3.6.1.4.1.99999.1.0", "1.3.6.1.4.1.99999.9.0"), "--json"]);

        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(stdout);
        var rows = document.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("oid").GetString(), e.GetProperty("type").GetString(), e.GetProperty("value").GetString())).ToArray();
        Assert.Equal(
            [(".1.3.6.1.2.1.1.1.0", "STRING", "Traffic controller"), (".1.3.6.1.4.1.99999.1.0", "INTEGER", "1"), (".1.3.6.1.4.1.99999.9.0", "noSuchObject", "")],
            rows);
    }

    [Fact]
    public async Task Walk_V2cSmallRepetitions_ListsTheWholeSubtreeInOrder()
    {
        var (exit, stdout, stderr) = await RunAsync("snmp", "walk", "-v", "2c", "-c", "public", "-Cr", "4", Agent, "1.3.6.1.4.1.99999.3.1.2");

        Assert.True(exit == 0, stderr);
        string[] lines = Lf(stdout).TrimEnd('\n').Split('\n');
        Assert.Equal(30, lines.Length);
        Assert.Equal(".1.3.6.1.4.1.99999.3.1.2.1 = Gauge32: 10", lines[0]);
        Assert.Equal(".1.3.6.1.4.1.99999.3.1.2.30 = Gauge32: 300", lines[29]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    public async Task Walk_V1AndV3_ListTheSystemGroup(string version)
    {
        string[] args = version == "1"
            ? ["snmp", "walk", "-v", "1", "-c", "public", Agent, "1.3.6.1.2.1.1"]
            : ["snmp", "walk", .. V3("ops", "--max-repetitions", "3", Agent, "1.3.6.1.2.1.1")];

        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.True(exit == 0, stderr);
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING: \"cabinet-12\"\n", Lf(stdout), StringComparison.Ordinal);
        Assert.StartsWith(".1.3.6.1.2.1.1.1.0 = STRING: \"Traffic controller\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_V3Integer_WritesAndPrintsTheAnswer()
    {
        var (exit, stdout, stderr) = await RunAsync(["snmp", "set", .. V3("ops", Agent, "1.3.6.1.4.1.99999.1.0", "i", "3")]);

        Assert.True(exit == 0, stderr);
        Assert.Equal(".1.3.6.1.4.1.99999.1.0 = INTEGER: 3\n", Lf(stdout));
        Assert.Equal(3, Volatile.Read(ref _mode));
    }

    [Fact]
    public async Task Set_WrongValue_NamesTheErrorAndTheFailedOid()
    {
        var (exit, stdout, stderr) = await RunAsync("snmp", "set", "-v", "2c", "-c", "private", Agent, "1.3.6.1.4.1.99999.1.0", "i", "9");

        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Equal("edgectl: Error in packet: wrongValue (error-index 1), failed object: .1.3.6.1.4.1.99999.1.0\n", Lf(stderr));
        Assert.Equal(1, Volatile.Read(ref _mode));
    }

    [Fact]
    public async Task Set_ReadOnlyCommunity_IsNoAccess()
    {
        var (exit, _, stderr) = await RunAsync("snmp", "set", "-v", "2c", "-c", "public", Agent, "1.3.6.1.4.1.99999.1.0", "i", "2");

        Assert.Equal(1, exit);
        Assert.Contains("noAccess", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WrongAuthPassword_IsAuthenticationFailure()
    {
        string[] args = ["snmp", "get", .. V3("ops", Agent, "1.3.6.1.2.1.1.5.0")];
        args[Array.IndexOf(args, AuthPassword)] = "not-the-password";

        var (exit, _, stderr) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: Authentication failure (incorrect password, community or key)\n", Lf(stderr));
    }

    [Fact]
    public async Task Get_UnknownUser_SaysSo()
    {
        var (exit, stdout, stderr) = await RunAsync(["snmp", "get", .. V3("nobody", Agent, "1.3.6.1.2.1.1.5.0"), "--json"]);

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: Unknown user name\n", Lf(stderr));
        Assert.Equal("{\"error\":\"Unknown user name\"}\n", Lf(stdout));
    }

    [Fact]
    public async Task Get_SilentPeer_IsTimeoutNoResponse()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string peer = $"127.0.0.1:{((IPEndPoint)silent.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}";

        var (exit, _, stderr) = await RunAsync("snmp", "get", "-v", "2c", "-c", "public", "-t", "0.2", "-r", "1", peer, "1.3.6.1.2.1.1.5.0");

        Assert.Equal(1, exit);
        Assert.Equal($"edgectl: Timeout: No Response from {peer}\n", Lf(stderr));
    }

    [Theory]
    [InlineData("edgectl: -v 3 needs -u USER", "snmp", "get", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0")]
    [InlineData("edgectl: -v 4: must be 1, 2c or 3", "snmp", "get", "-v", "4", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0")]
    [InlineData("edgectl: 1.3.x: not a numeric OID (e.g. .1.3.6.1.2.1.1.5.0)", "snmp", "get", "-v", "2c", "127.0.0.1:1", "1.3.x")]
    [InlineData("edgectl: 127.0.0.1:99999: the port must be 1..65535", "snmp", "get", "-v", "2c", "127.0.0.1:99999", "1.3.6.1.2.1.1.5.0")]
    [InlineData("edgectl: -a SHA-1024: must be MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512", "snmp", "get", "-u", "ops", "-a", "SHA-1024", "-A", "12345678", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0")]
    [InlineData("edgectl: -A: the passphrase is below the length the USM requires (at least 8 characters)", "snmp", "get", "-u", "ops", "-A", "short", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0")]
    [InlineData("edgectl: set needs OID TYPE VALUE triples", "snmp", "set", "-v", "2c", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0", "s")]
    [InlineData("edgectl: q: unknown type; one of i u t a o s x d b n (c for Counter32)", "snmp", "set", "-v", "2c", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0", "q", "1")]
    [InlineData("edgectl: i 12x: expected an INTEGER (-2147483648..2147483647)", "snmp", "set", "-v", "2c", "127.0.0.1:1", "1.3.6.1.2.1.1.5.0", "i", "12x")]
    public async Task UsageErrors_AreOneLineAndExitCode1(string expected, params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected + "\n", Lf(stderr));
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    internal static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
