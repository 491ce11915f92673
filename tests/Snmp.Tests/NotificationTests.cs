using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>Our agent's traps and informs into our receiver.</summary>
public class NotificationTests : IAsyncLifetime
{
    private static readonly Oid AlarmTrap = Oid.Parse("1.3.6.1.4.1.1206.0.7");
    private static readonly VarBind AlarmState = new(Oid.Parse("1.3.6.1.4.1.1206.4.2.1.3.9.0"), SnmpValue.Integer(0x80));
    private SnmpAgent _agent = null!;
    private SnmpNotificationReceiver _receiver = null!;
    private readonly UsmUser _trapUser = new("trapper", SnmpAuthProtocol.Sha256, "trapauthpass", SnmpPrivProtocol.Aes128, "trapprivpass");

    public Task InitializeAsync()
    {
        (_agent, _) = TestAgent.Create();
        _receiver = SnmpNotificationReceiver.CreateUdp(new IPEndPoint(IPAddress.Loopback, 0));
        _receiver.AddCommunity("traps");
        _receiver.AddUser(_trapUser);
        _receiver.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<SnmpNotification> NextAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _receiver.Notifications.ReadAsync(deadline.Token);
    }

    [Fact]
    public async Task V2cTrap_Arrives_WithTrapOidUpTimeAndVarBinds()
    {
        await _agent.SendTrapAsync(SnmpTarget.V2c(_receiver.LocalEndPoint, "traps"), AlarmTrap, [AlarmState]);

        SnmpNotification trap = await NextAsync();
        Assert.Equal(SnmpVersion.V2c, trap.Version);
        Assert.Equal(SnmpPduType.TrapV2, trap.PduType);
        Assert.Equal(AlarmTrap, trap.TrapOid);
        Assert.Equal(AlarmState, Assert.Single(trap.VarBinds));
    }

    [Fact]
    public async Task V1Trap_IsConvertedBothWays()
    {
        await _agent.SendTrapAsync(SnmpTarget.V1(_receiver.LocalEndPoint, "traps"), AlarmTrap, [AlarmState]);
        await _agent.SendTrapAsync(SnmpTarget.V1(_receiver.LocalEndPoint, "traps"), Oid.Parse("1.3.6.1.6.3.1.1.5.3"), []); // linkDown

        SnmpNotification enterprise = await NextAsync();
        Assert.Equal(SnmpPduType.TrapV1, enterprise.PduType);
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.1206"), enterprise.TrapV1!.Enterprise);
        Assert.Equal(7, enterprise.TrapV1.SpecificTrap);
        Assert.Equal(AlarmTrap, enterprise.TrapOid);

        SnmpNotification generic = await NextAsync();
        Assert.Equal(SnmpGenericTrap.LinkDown, generic.TrapV1!.GenericTrap);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.1.1.5.3"), generic.TrapOid);
    }

    [Fact]
    public async Task V3AuthPrivTrap_Arrives_AndOneWithAWrongKeyDoesNot()
    {
        var wrongKey = new UsmUser("trapper", SnmpAuthProtocol.Sha256, "not-the-password", SnmpPrivProtocol.Aes128, "trapprivpass");
        await _agent.SendTrapAsync(SnmpTarget.V3(_receiver.LocalEndPoint, wrongKey), AlarmTrap, [AlarmState]);
        await _agent.SendTrapAsync(SnmpTarget.V3(_receiver.LocalEndPoint, _trapUser), AlarmTrap, [AlarmState]);

        SnmpNotification trap = await NextAsync();
        Assert.Equal(SnmpVersion.V3, trap.Version);
        Assert.Equal("trapper", trap.SecurityName);
        Assert.Equal(AlarmState, Assert.Single(trap.VarBinds));
        Assert.Equal(1, _receiver.RejectedDatagrams);
        Assert.Contains("WrongDigest", _receiver.LastRejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2cInform_IsAcknowledged()
    {
        Task inform = _agent.InformAsync(SnmpTarget.V2c(_receiver.LocalEndPoint, "traps") with { Timeout = TimeSpan.FromSeconds(5) }, AlarmTrap, [AlarmState]);

        SnmpNotification received = await NextAsync();
        await inform.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SnmpPduType.InformRequest, received.PduType);
    }

    [Fact]
    public async Task V3Inform_DiscoversTheReceiverEngine_AndIsAcknowledged()
    {
        Task inform = _agent.InformAsync(SnmpTarget.V3(_receiver.LocalEndPoint, _trapUser) with { Timeout = TimeSpan.FromSeconds(5) }, AlarmTrap, [AlarmState]);

        SnmpNotification received = await NextAsync();
        await inform.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((SnmpVersion.V3, SnmpPduType.InformRequest), (received.Version, received.PduType));
    }

    [Fact]
    public async Task InformToAnUnknownCommunity_TimesOut()
    {
        var target = SnmpTarget.V2c(_receiver.LocalEndPoint, "nope") with { Timeout = TimeSpan.FromMilliseconds(200), Retries = 1 };

        await Assert.ThrowsAsync<SnmpTimeoutException>(() => _agent.InformAsync(target, AlarmTrap, []));
    }
}
