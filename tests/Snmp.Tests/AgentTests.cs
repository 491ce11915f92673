using System.Net;

namespace City.Protocols.Snmp.Tests;

public class AgentTests : IAsyncLifetime
{
    private SnmpAgent _agent = null!;
    private MibTable _table = null!;
    private SnmpManager _manager = null!;

    public Task InitializeAsync()
    {
        (_agent, _table) = TestAgent.Create();
        _manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        await _agent.DisposeAsync();
    }

    private SnmpTarget V2c(string community = "public") => SnmpTarget.V2c(_agent.LocalEndPoint, community) with { Timeout = TimeSpan.FromSeconds(5) };

    private SnmpTarget V1(string community = "public") => SnmpTarget.V1(_agent.LocalEndPoint, community) with { Timeout = TimeSpan.FromSeconds(5) };

    private SnmpTarget V3(string user = "reader", string auth = TestAgent.AuthPassword) =>
        SnmpTarget.V3(_agent.LocalEndPoint, new UsmUser(user, SnmpAuthProtocol.Sha256, auth, SnmpPrivProtocol.Aes128, TestAgent.PrivPassword)) with
        {
            Timeout = TimeSpan.FromSeconds(5),
        };

    [Fact]
    public async Task Get_ReturnsValuesAndTheV2Exceptions()
    {
        IReadOnlyList<VarBind> values = await _manager.GetAsync(V2c(),
            [Mib2System.SysName.Append(0), Oid.Parse("1.3.6.1.2.1.99.0"), Mib2System.SysName.Append(1), TestAgent.TableEntry.Append(2, 3), TestAgent.TableEntry.Append(2, 77)]);

        Assert.Equal("agent-under-test", values[0].Value.AsString());
        Assert.Equal(SnmpValueType.NoSuchObject, values[1].Value.Type);
        Assert.Equal(SnmpValueType.NoSuchInstance, values[2].Value.Type);
        Assert.Equal("port3", values[3].Value.AsString());
        Assert.Equal(SnmpValueType.NoSuchInstance, values[4].Value.Type);
    }

    [Fact]
    public async Task V1Get_OfAMissingInstanceOrACounter64_IsNoSuchNameAtItsIndex()
    {
        var missing = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.GetAsync(V1(), [Mib2System.SysName.Append(0), Oid.Parse("1.3.6.1.2.1.99.0")]));
        Assert.Equal((SnmpErrorStatus.NoSuchName, 2), (missing.Status, missing.ErrorIndex));

        var counter64 = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.GetAsync(V1(), [TestAgent.Octets64.Append(0)]));
        Assert.Equal((SnmpErrorStatus.NoSuchName, 1), (counter64.Status, counter64.ErrorIndex));
    }

    [Fact]
    public async Task GetNext_CrossesObjectsAndEndsWithEndOfMibView()
    {
        IReadOnlyList<VarBind> next = await _manager.GetNextAsync(V2c(),
            [Mib2System.SysName, Mib2System.SysServices.Append(0), TestAgent.TableEntry.Append(1, 5), TestAgent.TableEntry.Append(3, 5), Oid.Parse("1.3.6.1.4.1.99999.3.1.2.2.5")]);

        Assert.Equal(Mib2System.SysName.Append(0), next[0].Oid);
        Assert.Equal(TestAgent.Mode.Append(0), next[1].Oid); // first object after the system group
        Assert.Equal(TestAgent.TableEntry.Append(2, 1), next[2].Oid); // end of column 1 moves to column 2
        Assert.Equal(SnmpValueType.EndOfMibView, next[3].Value.Type);
        Assert.Equal(TestAgent.TableEntry.Append(2, 3), next[4].Oid); // between rows: index 2.5 sorts before 3
    }

    [Fact]
    public async Task V1GetNext_SkipsCounter64_AndEndsWithNoSuchName()
    {
        IReadOnlyList<VarBind> next = await _manager.GetNextAsync(V1(), [TestAgent.Mode.Append(0)]);
        Assert.Equal(TestAgent.TableEntry.Append(1, 1), next[0].Oid);

        var end = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.GetNextAsync(V1(), [TestAgent.TableEntry.Append(3, 5)]));
        Assert.Equal(SnmpErrorStatus.NoSuchName, end.Status);
    }

    [Fact]
    public async Task GetBulk_HandlesNonRepeatersAndRepetitions()
    {
        IReadOnlyList<VarBind> bulk = await _manager.GetBulkAsync(V2c(), 1, 3, [Mib2System.SysUpTime, TestAgent.TableEntry.Append(2), TestAgent.TableEntry.Append(3, 4)]);

        Assert.Equal(1 + (3 * 2), bulk.Count);
        Assert.Equal(Mib2System.SysUpTime.Append(0), bulk[0].Oid);
        Assert.Equal(TestAgent.TableEntry.Append(2, 1), bulk[1].Oid);
        Assert.Equal(TestAgent.TableEntry.Append(3, 5), bulk[2].Oid);
        Assert.Equal(TestAgent.TableEntry.Append(2, 2), bulk[3].Oid);
        Assert.Equal(SnmpValueType.EndOfMibView, bulk[4].Value.Type);
    }

    [Fact]
    public async Task Walk_OfAThousandRowTable_ReturnsEveryCellInColumnOrder()
    {
        for (uint row = 6; row <= 1000; row++)
        {
            _table.SetRow(row, new Dictionary<uint, SnmpValue> { [1] = SnmpValue.Integer((int)row), [3] = SnmpValue.Counter32(row) });
        }

        List<VarBind> walked = await _manager.WalkAsync(V2c(), TestAgent.TableEntry, maxRepetitions: 50).ToListAsync();
        List<VarBind> walkedV3 = await _manager.WalkAsync(V3(), TestAgent.TableEntry, maxRepetitions: 50).ToListAsync();
        List<VarBind> walkedV1 = await _manager.WalkAsync(V1(), TestAgent.TableEntry).ToListAsync();

        Assert.Equal(1000 + 5 + 1000, walked.Count);
        Assert.Equal(TestAgent.TableEntry.Append(1, 1000), walked[999].Oid);
        Assert.Equal(TestAgent.TableEntry.Append(2, 1), walked[1000].Oid);
        Assert.Equal(walked.Select(v => v.Oid), walkedV3.Select(v => v.Oid));
        Assert.Equal(walked.Select(v => v.Oid), walkedV1.Select(v => v.Oid));
    }

    [Fact]
    public async Task Set_WritesThroughAWritableCommunity()
    {
        await _manager.SetAsync(V2c("private"), [new VarBind(TestAgent.Mode.Append(0), SnmpValue.Integer(3)), new VarBind(TestAgent.TableEntry.Append(2, 2), SnmpValue.OctetString("uplink"))]);

        IReadOnlyList<VarBind> values = await _manager.GetAsync(V2c(), [TestAgent.Mode.Append(0), TestAgent.TableEntry.Append(2, 2)]);
        Assert.Equal(3, values[0].Value.AsInt32());
        Assert.Equal("uplink", values[1].Value.AsString());
    }

    [Theory]
    [InlineData("read-only community", "public", "1.3.6.1.4.1.99999.1.0", 'i', SnmpErrorStatus.NoAccess, SnmpErrorStatus.NoSuchName)]
    [InlineData("read-only object", "private", "1.3.6.1.4.1.99999.2.0", 'C', SnmpErrorStatus.NotWritable, SnmpErrorStatus.NoSuchName)]
    [InlineData("read-only column", "private", "1.3.6.1.4.1.99999.3.1.3.1", 'c', SnmpErrorStatus.NotWritable, SnmpErrorStatus.NoSuchName)]
    [InlineData("object outside the MIB", "private", "1.3.6.1.4.1.12345.1.0", 'i', SnmpErrorStatus.NotWritable, SnmpErrorStatus.NoSuchName)]
    [InlineData("wrong type", "private", "1.3.6.1.4.1.99999.1.0", 's', SnmpErrorStatus.WrongType, SnmpErrorStatus.BadValue)]
    [InlineData("value out of range", "private", "1.3.6.1.4.1.99999.1.0", 'I', SnmpErrorStatus.WrongValue, SnmpErrorStatus.BadValue)]
    [InlineData("row that does not exist", "private", "1.3.6.1.4.1.99999.3.1.2.99", 's', SnmpErrorStatus.NoCreation, SnmpErrorStatus.NoSuchName)]
    [InlineData("scalar instance other than .0", "private", "1.3.6.1.4.1.99999.1.1", 'i', SnmpErrorStatus.NoCreation, SnmpErrorStatus.NoSuchName)]
    public async Task Set_RefusalsCarryTheV2Error_AndTheRfc3584MappingInV1(string description, string community, string oid, char type, SnmpErrorStatus v2, SnmpErrorStatus v1)
    {
        SnmpValue value = type switch
        {
            'i' => SnmpValue.Integer(2),
            'I' => SnmpValue.Integer(9),
            's' => SnmpValue.OctetString("x"),
            'c' => SnmpValue.Counter32(1),
            _ => SnmpValue.Counter64(1),
        };
        VarBind[] set = [new VarBind(Mib2System.SysContact.Append(0), SnmpValue.OctetString("changed?")), new VarBind(Oid.Parse(oid), value)];
        int expectedIndex = community == "public" ? 1 : 2;

        var errorV2 = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.SetAsync(V2c(community), set));
        var errorV1 = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.SetAsync(V1(community), set));

        Assert.True((v2, expectedIndex) == (errorV2.Status, errorV2.ErrorIndex), $"{description}: v2c {errorV2.Status} at {errorV2.ErrorIndex}");
        Assert.True((v1, expectedIndex) == (errorV1.Status, errorV1.ErrorIndex), $"{description}: v1 {errorV1.Status} at {errorV1.ErrorIndex}");
        Assert.Equal("ops", (await _manager.GetAsync(V2c(), Mib2System.SysContact.Append(0))).Value.AsString()); // nothing of the refused SET was applied
    }

    [Fact]
    public async Task V3_ReadsWithAuthPriv_AndOnlyTheWriterMaySet()
    {
        VarBind name = await _manager.GetAsync(V3(), Mib2System.SysName.Append(0));
        Assert.Equal("agent-under-test", name.Value.AsString());

        var refused = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => _manager.SetAsync(V3(), [new VarBind(TestAgent.Mode.Append(0), SnmpValue.Integer(2))]));
        Assert.Equal(SnmpErrorStatus.NoAccess, refused.Status);

        await _manager.SetAsync(V3("writer"), [new VarBind(TestAgent.Mode.Append(0), SnmpValue.Integer(2))]);
        Assert.Equal(2, (await _manager.GetAsync(V3(), TestAgent.Mode.Append(0))).Value.AsInt32());
    }

    [Fact]
    public async Task V3_WrongPasswordAndUnknownUser_AreReported_NotAnswered()
    {
        var wrong = await Assert.ThrowsAsync<SnmpSecurityException>(() => _manager.GetAsync(V3(auth: "guessed-password"), Mib2System.SysName.Append(0)));
        Assert.Equal(UsmStatus.WrongDigest, wrong.Status);

        var unknown = await Assert.ThrowsAsync<SnmpSecurityException>(() => _manager.GetAsync(V3(user: "mallory"), Mib2System.SysName.Append(0)));
        Assert.Equal(UsmStatus.UnknownUserName, unknown.Status);
        Assert.Equal(1, _agent.Engine.StatCount(UsmStatus.WrongDigest));
    }

    [Fact]
    public async Task UnknownCommunity_GetsNoAnswer()
    {
        var target = V2c("guess") with { Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 };

        await Assert.ThrowsAsync<SnmpTimeoutException>(() => _manager.GetAsync(target, Mib2System.SysName.Append(0)));

        // The agent may see the datagram after our short timeout on a loaded machine: wait for it to count the drop.
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (_agent.DroppedDatagrams < 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, _agent.DroppedDatagrams);
        Assert.Equal(0, _agent.HandledRequests);
    }
}

public class AgentSizeLimitTests
{
    [Fact]
    public async Task TooBigGet_IsSplitByTheManager_AndGetBulkIsTrimmedToFit()
    {
        (SnmpAgent created, MibTable table) = TestAgent.Create(rows: 200, maxResponseSize: 484);
        await using SnmpAgent agent = created;
        await using SnmpManager manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        var target = SnmpTarget.V2c(agent.LocalEndPoint) with { Timeout = TimeSpan.FromSeconds(5) };
        Oid[] names = Enumerable.Range(1, 200).Select(row => TestAgent.TableEntry.Append(2, (uint)row)).ToArray();

        IReadOnlyList<VarBind> values = await manager.GetAsync(target, names);
        IReadOnlyList<VarBind> bulk = await manager.GetBulkAsync(target, 0, 200, [TestAgent.TableEntry.Append(2)]);
        List<VarBind> walked = await manager.WalkAsync(target, TestAgent.TableEntry.Append(2), maxRepetitions: 100).ToListAsync();

        Assert.Equal(names, values.Select(v => v.Oid));
        Assert.Equal("port200", values[199].Value.AsString());
        Assert.InRange(bulk.Count, 5, 199);
        Assert.Equal(TestAgent.TableEntry.Append(2, 1), bulk[0].Oid);
        Assert.Equal(200, walked.Count);
        Assert.Equal(table.RowCount, walked.Count);
    }
}
