using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>net-snmp's command-line tools against our agent, and net-snmp's snmptrap/snmpinform into our receiver.</summary>
public class AgentInteropTests : IAsyncLifetime
{
    private SnmpAgent _agent = null!;
    private string Host => $"udp:127.0.0.1:{_agent.LocalEndPoint.Port}";

    private static readonly string[] V3Reader = ["-v3", "-u", "reader", "-l", "authPriv", "-a", "SHA-256", "-A", TestAgent.AuthPassword, "-x", "AES", "-X", TestAgent.PrivPassword];
    private static readonly string[] V3Writer = ["-v3", "-u", "writer", "-l", "authPriv", "-a", "SHA-256", "-A", TestAgent.AuthPassword, "-x", "AES", "-X", TestAgent.PrivPassword];
    private static readonly string[] Common = ["-m", "", "-On", "-t", "3", "-r", "2"];

    public Task InitializeAsync()
    {
        (_agent, _) = TestAgent.Create(rows: 40);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private static async Task<string> RunOkAsync(string tool, params string[] arguments)
    {
        (int exitCode, string output) = await NetSnmp.RunAsync(tool, arguments);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)} exited {exitCode}:\n{output}");
        return output;
    }

    /// <summary>The varbind lines; net-snmp also prints the endOfMibView that ends a walk at the end of the MIB, which is left out.</summary>
    private static List<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('.') && !line.Contains("No more variables left in this MIB View", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public async Task Snmpget_V2c_ReadsTheSystemGroup()
    {
        string output = await RunOkAsync("snmpget", [.. Common, "-v2c", "-c", "public", Host, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.4.1.99999.2.0"]);

        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING: \"agent-under-test\"", output, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.2.1.1.1.0 = STRING: \"City test agent\"", output, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.99999", output, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.4.1.99999.2.0 = Counter64: 1099511627776", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snmpget_V2c_ShowsTheExceptions()
    {
        (_, string output) = await NetSnmp.RunAsync("snmpget", [.. Common, "-v2c", "-c", "public", Host, "1.3.6.1.2.1.99.0", "1.3.6.1.2.1.1.5.7"]);

        Assert.Contains("No Such Object available on this agent at this OID", output, StringComparison.Ordinal);
        Assert.Contains("No Such Instance currently exists at this OID", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snmpwalk_And_Snmpbulkwalk_V2c_SeeTheWholeTable()
    {
        List<string> walk = Lines(await RunOkAsync("snmpwalk", [.. Common, "-v2c", "-c", "public", Host, TestAgent.TableEntry.ToString()]));
        List<string> bulk = Lines(await RunOkAsync("snmpbulkwalk", [.. Common, "-v2c", "-c", "public", "-Cr25", Host, TestAgent.TableEntry.ToString()]));
        List<string> v1 = Lines(await RunOkAsync("snmpwalk", [.. Common, "-v1", "-c", "public", Host, TestAgent.TableEntry.ToString()]));

        Assert.True(walk.Count == 120, string.Join('\n', walk));
        Assert.Equal(".1.3.6.1.4.1.99999.3.1.1.1 = INTEGER: 1", walk[0]);
        Assert.Equal(".1.3.6.1.4.1.99999.3.1.2.40 = STRING: \"port40\"", walk[79]);
        Assert.Equal(".1.3.6.1.4.1.99999.3.1.3.40 = Counter32: 40000", walk[^1]);
        Assert.Equal(walk, bulk);
        Assert.Equal(walk, v1);
    }

    [Fact]
    public async Task Snmpwalk_V2c_OfTheWholeMib_EndsCleanly()
    {
        List<string> all = Lines(await RunOkAsync("snmpwalk", [.. Common, "-v2c", "-c", "public", Host, "1.3"]));

        Assert.Equal(7 + 1 + 1 + 120, all.Count);
        Assert.StartsWith(".1.3.6.1.2.1.1.1.0 = STRING:", all[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snmpset_V2c_WritesAndIsRefusedWithNetSnmpsWording()
    {
        string output = await RunOkAsync("snmpset", [.. Common, "-v2c", "-c", "private", Host, "1.3.6.1.4.1.99999.1.0", "i", "3", "1.3.6.1.2.1.1.6.0", "s", "cabinet 7"]);
        Assert.Contains(".1.3.6.1.4.1.99999.1.0 = INTEGER: 3", output, StringComparison.Ordinal);
        Assert.Contains("cabinet 7", await RunOkAsync("snmpget", [.. Common, "-v2c", "-c", "public", Host, "1.3.6.1.2.1.1.6.0"]), StringComparison.Ordinal);

        (int wrongValueExit, string wrongValue) = await NetSnmp.RunAsync("snmpset", [.. Common, "-v2c", "-c", "private", Host, "1.3.6.1.4.1.99999.1.0", "i", "9"]);
        Assert.NotEqual(0, wrongValueExit);
        Assert.Contains("wrongValue", wrongValue, StringComparison.Ordinal);

        (int notWritableExit, string notWritable) = await NetSnmp.RunAsync("snmpset", [.. Common, "-v2c", "-c", "private", Host, "1.3.6.1.2.1.1.1.0", "s", "x"]);
        Assert.NotEqual(0, notWritableExit);
        Assert.Contains("notWritable", notWritable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetSnmpTools_V3AuthPriv_GetWalkBulkwalkAndSet()
    {
        string get = await RunOkAsync("snmpget", [.. Common, .. V3Reader, Host, "1.3.6.1.2.1.1.5.0"]);
        Assert.Contains("\"agent-under-test\"", get, StringComparison.Ordinal);

        List<string> walk = Lines(await RunOkAsync("snmpwalk", [.. Common, .. V3Reader, Host, TestAgent.TableEntry.ToString()]));
        List<string> bulk = Lines(await RunOkAsync("snmpbulkwalk", [.. Common, .. V3Reader, "-Cr30", Host, TestAgent.TableEntry.ToString()]));
        Assert.Equal(120, walk.Count);
        Assert.Equal(walk, bulk);

        string set = await RunOkAsync("snmpset", [.. Common, .. V3Writer, Host, "1.3.6.1.4.1.99999.3.1.2.4", "s", "uplink"]);
        Assert.Contains("STRING: \"uplink\"", set, StringComparison.Ordinal);

        (int refusedExit, string refused) = await NetSnmp.RunAsync("snmpset", [.. Common, .. V3Reader, Host, "1.3.6.1.4.1.99999.3.1.2.4", "s", "x"]);
        Assert.NotEqual(0, refusedExit);
        Assert.Contains("noAccess", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetSnmpTools_V3_WrongPasswordOrUser_AreRefused()
    {
        (int wrongExit, string wrong) = await NetSnmp.RunAsync("snmpget",
            [.. Common, "-v3", "-u", "reader", "-l", "authPriv", "-a", "SHA-256", "-A", "wrong-password", "-x", "AES", "-X", TestAgent.PrivPassword, Host, "1.3.6.1.2.1.1.5.0"]);
        Assert.NotEqual(0, wrongExit);
        Assert.Contains("Authentication failure", wrong, StringComparison.OrdinalIgnoreCase);

        (int unknownExit, string unknown) = await NetSnmp.RunAsync("snmpget",
            [.. Common, "-v3", "-u", "nobody", "-l", "authNoPriv", "-a", "SHA-256", "-A", TestAgent.AuthPassword, Host, "1.3.6.1.2.1.1.5.0"]);
        Assert.NotEqual(0, unknownExit);
        Assert.Contains("Unknown user name", unknown, StringComparison.OrdinalIgnoreCase);
    }
}

public class TrapInteropTests : IAsyncLifetime
{
    private const string EngineId = "0x8000000001020304";
    private SnmpNotificationReceiver _receiver = null!;
    private string Host => $"udp:127.0.0.1:{_receiver.LocalEndPoint.Port}";

    public Task InitializeAsync()
    {
        _receiver = SnmpNotificationReceiver.CreateUdp(new IPEndPoint(IPAddress.Loopback, 0));
        _receiver.AddCommunity("public");
        _receiver.AddUser(new UsmUser("trapper", SnmpAuthProtocol.Sha256, "trapauthpass", SnmpPrivProtocol.Aes128, "trapprivpass"));
        _receiver.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<SnmpNotification> NextAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await _receiver.Notifications.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No notification within 30 s; {_receiver.RejectedDatagrams} rejected, last: {_receiver.LastRejection}");
            throw;
        }
    }

    private static async Task RunOkAsync(string tool, params string[] arguments)
    {
        (int exitCode, string output) = await NetSnmp.RunAsync(tool, arguments);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)} exited {exitCode}:\n{output}");
    }

    [Fact]
    public async Task Snmptrap_V2c_IsReceived()
    {
        await RunOkAsync("snmptrap", "-m", "", "-v2c", "-c", "public", Host, "4321", "1.3.6.1.4.1.1206.0.1", "1.3.6.1.4.1.1206.4.2.1.3.9.0", "i", "128", "1.3.6.1.2.1.1.5.0", "s", "tc-12");

        SnmpNotification trap = await NextAsync();
        Assert.Equal((SnmpVersion.V2c, SnmpPduType.TrapV2), (trap.Version, trap.PduType));
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.0.1"), trap.TrapOid);
        Assert.Equal(4321u, trap.UpTime);
        Assert.Equal(128, trap.VarBinds[0].Value.AsInt32());
        Assert.Equal("tc-12", trap.VarBinds[1].Value.AsString());
    }

    [Fact]
    public async Task Snmptrap_V1_IsReceivedWithItsDerivedTrapOid()
    {
        await RunOkAsync("snmptrap", "-m", "", "-v1", "-c", "public", Host, "1.3.6.1.4.1.1206", "10.1.2.3", "6", "17", "1234", "1.3.6.1.4.1.1206.4.2.1.3.9.0", "i", "64");

        SnmpNotification trap = await NextAsync();
        Assert.Equal(SnmpPduType.TrapV1, trap.PduType);
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.0.17"), trap.TrapOid);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), trap.TrapV1!.AgentAddress);
    }

    [Fact]
    public async Task Snmptrap_V3AuthPriv_IsReceived_AndAWrongPasswordIsNot()
    {
        await RunOkAsync("snmptrap", "-m", "", "-v3", "-e", EngineId, "-u", "trapper", "-l", "authPriv", "-a", "SHA-256", "-A", "wrongpassword", "-x", "AES", "-X", "trapprivpass",
            Host, "", "1.3.6.1.4.1.1206.0.2");
        await RunOkAsync("snmptrap", "-m", "", "-v3", "-e", EngineId, "-u", "trapper", "-l", "authPriv", "-a", "SHA-256", "-A", "trapauthpass", "-x", "AES", "-X", "trapprivpass",
            Host, "", "1.3.6.1.4.1.1206.0.3", "1.3.6.1.4.1.1206.4.2.1.3.9.0", "i", "32");

        SnmpNotification trap = await NextAsync();
        Assert.Equal((SnmpVersion.V3, "trapper"), (trap.Version, trap.SecurityName));
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.0.3"), trap.TrapOid);
        Assert.Equal(32, trap.VarBinds[0].Value.AsInt32());
        Assert.True(_receiver.RejectedDatagrams >= 1);
    }

    [Fact]
    public async Task Snmpinform_V2cAndV3_AreAcknowledged()
    {
        await RunOkAsync("snmpinform", "-m", "", "-t", "3", "-r", "2", "-v2c", "-c", "public", Host, "", "1.3.6.1.4.1.1206.0.4");
        SnmpNotification v2c = await NextAsync();
        Assert.Equal((SnmpVersion.V2c, SnmpPduType.InformRequest), (v2c.Version, v2c.PduType));

        await RunOkAsync("snmpinform", "-m", "", "-t", "3", "-r", "2", "-v3", "-u", "trapper", "-l", "authPriv", "-a", "SHA-256", "-A", "trapauthpass", "-x", "AES", "-X", "trapprivpass",
            Host, "", "1.3.6.1.4.1.1206.0.5");
        SnmpNotification v3 = await NextAsync();
        Assert.Equal((SnmpVersion.V3, SnmpPduType.InformRequest), (v3.Version, v3.PduType));
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206.0.5"), v3.TrapOid);
    }
}

/// <summary>Our value formatting next to net-snmp's, for every type (edgectl prints values the way technicians know).</summary>
public class FormattingInteropTests
{
    [Fact]
    public async Task VarBindToString_MatchesSnmpgetOutput()
    {
        Oid root = Oid.Parse("1.3.6.1.4.1.99998");
        SnmpValue[] values =
        [
            SnmpValue.Integer(-42), SnmpValue.OctetString("green phase"), SnmpValue.OctetString([0xDE, 0xAD, 0x00, 0xEF]), SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1.1206")),
            SnmpValue.IpAddress(IPAddress.Parse("192.168.10.4")), SnmpValue.Counter32(4_000_000_000), SnmpValue.Gauge32(17), SnmpValue.TimeTicks(8_640_123),
            SnmpValue.TimeTicks(4_512_345), SnmpValue.Counter64(18_000_000_000_000_000_000), SnmpValue.OctetString(""),
        ];
        var mib = new MibTree();
        for (int i = 0; i < values.Length; i++)
        {
            mib.AddScalar(root.Append((uint)i + 1), values[i]);
        }

        await using var agent = new SnmpAgent(mib, UdpSnmpTransport.BindLoopback());
        agent.AddCommunity("public");
        agent.Start();

        string[] oids = Enumerable.Range(1, values.Length).Select(i => root.Append((uint)i, 0).ToString()).ToArray();
        (int exitCode, string output) = await NetSnmp.RunAsync("snmpget", ["-m", "", "-On", "-v2c", "-c", "public", $"udp:127.0.0.1:{agent.LocalEndPoint.Port}", .. oids]);
        Assert.True(exitCode == 0, output);
        string[] theirs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd()).Where(line => line.StartsWith('.')).ToArray();

        string[] ours = values.Select((value, i) => new VarBind(root.Append((uint)i + 1, 0), value).ToString().TrimEnd()).ToArray();
        Assert.Equal(theirs, ours);
    }
}
