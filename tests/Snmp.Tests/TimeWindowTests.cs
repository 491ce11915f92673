using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace City.Protocols.Snmp.Tests;

/// <summary>v3 timeliness between our manager and our agent when the agent's clock jumps (a fake clock, no waiting).</summary>
public class TimeWindowTests
{
    [Fact]
    public async Task AgentClockJump_DrawsNotInTimeWindow_AndTheManagerResynchronises()
    {
        var agentClock = new FakeTimeProvider();
        var mib = new MibTree();
        await using var agent = new SnmpAgent(mib, UdpSnmpTransport.BindLoopback(), new SnmpEngine(boots: 7, timeProvider: agentClock));
        mib.AddScalar(Mib2System.SysName, SnmpValue.OctetString("cabinet"));
        var user = new UsmUser("ops", SnmpAuthProtocol.Sha512, "authpassword", SnmpPrivProtocol.Aes128, "privpassword");
        agent.AddUser(user);
        agent.Start();
        await using SnmpManager manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        SnmpTarget target = SnmpTarget.V3(agent.LocalEndPoint, user) with { Timeout = TimeSpan.FromSeconds(5) };

        Assert.Equal("cabinet", (await manager.GetAsync(target, Mib2System.SysName.Append(0))).Value.AsString());
        Assert.Equal(0, agent.Engine.StatCount(UsmStatus.NotInTimeWindow));

        agentClock.Advance(TimeSpan.FromSeconds(151)); // the manager's notion is now 151 s behind
        Assert.Equal("cabinet", (await manager.GetAsync(target, Mib2System.SysName.Append(0))).Value.AsString());

        Assert.Equal(1, agent.Engine.StatCount(UsmStatus.NotInTimeWindow));
        Assert.True(manager.RemoteEngines.TryGet(agent.Engine.EngineId.Span, out int boots, out int time));
        Assert.Equal(7, boots);
        Assert.InRange(time, 151, 200);
    }

    [Fact]
    public async Task ClockJumpWithinTheWindow_NeedsNoResynchronisation()
    {
        var agentClock = new FakeTimeProvider();
        var mib = new MibTree();
        await using var agent = new SnmpAgent(mib, UdpSnmpTransport.BindLoopback(), new SnmpEngine(timeProvider: agentClock));
        mib.AddScalar(Mib2System.SysName, SnmpValue.OctetString("cabinet"));
        var user = new UsmUser("ops", SnmpAuthProtocol.Sha1, "authpassword");
        agent.AddUser(user);
        agent.Start();
        await using SnmpManager manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        SnmpTarget target = SnmpTarget.V3(agent.LocalEndPoint, user) with { Timeout = TimeSpan.FromSeconds(5) };

        await manager.GetAsync(target, Mib2System.SysName.Append(0));
        agentClock.Advance(TimeSpan.FromSeconds(140));
        await manager.GetAsync(target, Mib2System.SysName.Append(0));

        Assert.Equal(0, agent.Engine.StatCount(UsmStatus.NotInTimeWindow));
    }
}
