using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>Our manager against net-snmp's snmpd.</summary>
public class ManagerInteropTests : IClassFixture<SnmpdFixture>, IAsyncLifetime
{
    private static readonly Oid System = Oid.Parse("1.3.6.1.2.1.1");
    private static readonly Oid IfEntry = Oid.Parse("1.3.6.1.2.1.2.2.1");
    private readonly SnmpdFixture _snmpd;
    private SnmpManager _manager = null!;

    public ManagerInteropTests(SnmpdFixture snmpd) => _snmpd = snmpd;

    public Task InitializeAsync()
    {
        _manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _manager.DisposeAsync();

    private SnmpTarget V3(string user, SnmpAuthProtocol auth, bool priv) =>
        SnmpTarget.V3(_snmpd.EndPoint, new UsmUser(user, auth, SnmpdFixture.AuthPassword, priv ? SnmpPrivProtocol.Aes128 : SnmpPrivProtocol.None, priv ? SnmpdFixture.PrivPassword : null)) with
        {
            Timeout = TimeSpan.FromSeconds(3),
        };

    [Fact]
    public async Task V2c_ReadsTheSystemGroup()
    {
        var target = SnmpTarget.V2c(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) };

        IReadOnlyList<VarBind> values = await _manager.GetAsync(target, [Oid.Parse("1.3.6.1.2.1.1.5.0"), Oid.Parse("1.3.6.1.2.1.1.6.0"), Oid.Parse("1.3.6.1.2.1.1.4.0")]);

        Assert.Equal("snmpd-under-test", values[0].Value.AsString());
        Assert.Equal("cabinet 12, rue de la Gare", values[1].Value.AsString());
        Assert.Equal("ops@city.example", values[2].Value.AsString());
    }

    [Fact]
    public async Task V2c_GetOfAMissingObject_ReturnsTheException()
    {
        var target = SnmpTarget.V2c(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) };

        VarBind value = await _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.99.0"));

        Assert.True(value.Value.IsException, value.ToString());
    }

    [Fact]
    public async Task V1_GetOfAMissingObject_IsNoSuchName()
    {
        var target = SnmpTarget.V1(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) };

        var error = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.99.0")));

        Assert.Equal(SnmpErrorStatus.NoSuchName, error.Status);
        Assert.Equal(1, error.ErrorIndex);
    }

    [Fact]
    public async Task V2c_WalkOfIfTable_MatchesSnmpbulkwalk()
    {
        var target = SnmpTarget.V2c(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) };

        List<VarBind> ours = await _manager.WalkAsync(target, IfEntry, maxRepetitions: 7).ToListAsync();
        (int exitCode, string output) = await NetSnmp.RunAsync("snmpbulkwalk", "-m", "", "-v2c", "-c", "public", "-On", "-Cr7", $"127.0.0.1:{_snmpd.EndPoint.Port}", IfEntry.ToString());

        Assert.True(exitCode == 0, output);
        List<string> theirs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.StartsWith('.')).Select(line => line.Split(' ')[0]).ToList();
        Assert.NotEmpty(ours);
        Assert.Equal(theirs, ours.Select(v => "." + v.Oid).ToList());
    }

    [Fact]
    public async Task V1_WalkWithGetNext_MatchesV2cWalk()
    {
        List<VarBind> v1 = await _manager.WalkAsync(SnmpTarget.V1(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) }, System).ToListAsync();
        List<VarBind> v2c = await _manager.WalkAsync(SnmpTarget.V2c(_snmpd.EndPoint) with { Timeout = TimeSpan.FromSeconds(3) }, System).ToListAsync();

        Assert.True(v1.Count > 5);
        Assert.Equal(v2c.Select(v => v.Oid), v1.Select(v => v.Oid));
    }

    [Fact]
    public async Task V3AuthPrivSha256Aes_ReadsTheSystemGroupAndWalksIfTable()
    {
        SnmpTarget target = V3("user_sha256", SnmpAuthProtocol.Sha256, priv: true);

        VarBind location = await _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.6.0"));
        List<VarBind> system = await _manager.WalkAsync(target, System).ToListAsync();
        List<VarBind> ifTable = await _manager.WalkAsync(target, IfEntry).ToListAsync();

        Assert.Equal("cabinet 12, rue de la Gare", location.Value.AsString());
        Assert.Contains(system, v => v.Oid == Oid.Parse("1.3.6.1.2.1.1.5.0") && v.Value.AsString() == "snmpd-under-test");
        Assert.Contains(ifTable, v => v.Oid == Oid.Parse("1.3.6.1.2.1.2.2.1.2.1")); // ifDescr of the first interface
    }

    [Theory]
    [InlineData("user_md5", SnmpAuthProtocol.Md5, false)]
    [InlineData("user_sha1", SnmpAuthProtocol.Sha1, true)]
    [InlineData("user_sha224", SnmpAuthProtocol.Sha224, true)]
    [InlineData("user_sha384", SnmpAuthProtocol.Sha384, true)]
    [InlineData("user_sha512", SnmpAuthProtocol.Sha512, true)]
    public async Task V3_EveryAuthProtocol_Interoperates(string user, SnmpAuthProtocol protocol, bool priv)
    {
        VarBind name = await _manager.GetAsync(V3(user, protocol, priv), Oid.Parse("1.3.6.1.2.1.1.5.0"));

        Assert.Equal("snmpd-under-test", name.Value.AsString());
    }

    [Fact]
    public async Task V3_WrongAuthPassword_IsReportedAsWrongDigest()
    {
        var target = SnmpTarget.V3(_snmpd.EndPoint, new UsmUser("user_sha256", SnmpAuthProtocol.Sha256, "not-the-password", SnmpPrivProtocol.Aes128, SnmpdFixture.PrivPassword)) with
        {
            Timeout = TimeSpan.FromSeconds(3),
        };

        var error = await Assert.ThrowsAsync<SnmpSecurityException>(() => _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.5.0")));

        Assert.Equal(UsmStatus.WrongDigest, error.Status);
    }

    [Fact]
    public async Task V3_UnknownUser_IsReportedAsUnknownUserName()
    {
        var target = SnmpTarget.V3(_snmpd.EndPoint, new UsmUser("nobody", SnmpAuthProtocol.Sha256, SnmpdFixture.AuthPassword)) with { Timeout = TimeSpan.FromSeconds(3) };

        var error = await Assert.ThrowsAsync<SnmpSecurityException>(() => _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.5.0")));

        Assert.Equal(UsmStatus.UnknownUserName, error.Status);
    }

    [Fact]
    public async Task V3_StaleEngineTime_IsResynchronisedFromTheNotInTimeWindowReport()
    {
        SnmpTarget target = V3("user_sha1", SnmpAuthProtocol.Sha1, priv: true);
        byte[] engineId = await _manager.DiscoverEngineAsync(target);
        _manager.RemoteEngines.Update(engineId, 1, 100_000); // far from the agent's real time

        VarBind name = await _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.5.0"));

        Assert.Equal("snmpd-under-test", name.Value.AsString());
    }

    [Fact]
    public async Task WrongCommunity_TimesOut()
    {
        var target = SnmpTarget.V2c(_snmpd.EndPoint, "wrong") with { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

        await Assert.ThrowsAsync<SnmpTimeoutException>(() => _manager.GetAsync(target, Oid.Parse("1.3.6.1.2.1.1.5.0")));
    }
}
