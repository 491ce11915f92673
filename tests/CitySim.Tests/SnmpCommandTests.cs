using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Snmp;
using City.Sim.Snmp;

namespace City.Sim.Tests;

/// <summary>citysim snmp as a user runs it, checked with net-snmp's tools and with our own manager and trap receiver.</summary>
public class SnmpCommandTests
{
    private const string AuthPassword = "auth-pass-1";
    private const string PrivPassword = "priv-pass-1";
    private static readonly string[] Quiet = ["-m", "", "-On", "-t", "3", "-r", "2"];

    [Fact]
    public async Task Snmpwalk_walks_the_ntcip_subtree_v3_get_works_and_a_raised_alarm_arrives_as_a_trap()
    {
        PeerProcess.RequireExecutable("snmpwalk", "apt-get install snmp");
        PeerProcess.RequireExecutable("snmpget", "apt-get install snmp");
        var user = new UsmUser("ops", SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes128, PrivPassword);
        await using var receiver = SnmpNotificationReceiver.CreateUdp(new IPEndPoint(IPAddress.Loopback, 0));
        receiver.AddUser(user);
        receiver.Start();
        var port = FreePort.Udp();
        var host = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");

        using var stop = new CancellationTokenSource();
        var root = new RootCommand { SnmpCommand.Create(TimeProvider.System) };
        var run = root.Parse(["snmp", "--port", port.ToString(CultureInfo.InvariantCulture), "--v3-user", $"ops:{AuthPassword}:{PrivPassword}",
            "--trap-to", $"127.0.0.1:{receiver.LocalEndPoint.Port}"]).InvokeAsync(cancellationToken: stop.Token);
        try
        {
            await using var manager = SnmpManager.CreateUdp();
            var v2c = SnmpTarget.V2c(new IPEndPoint(IPAddress.Loopback, port)) with { Timeout = TimeSpan.FromSeconds(1), Retries = 0 };
            await WaitUntilAnsweringAsync(manager, v2c, run);

            var (exitCode, walk) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), "snmpwalk", [.. Quiet, "-v2c", "-c", "public", host, "1.3.6.1.4.1.1206.4.2.1"]);
            Assert.True(exitCode == 0, walk);
            var lines = walk.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('.') && !l.Contains("No more variables", StringComparison.Ordinal)).ToList();
            Assert.True(lines.Count == 31, walk);
            Assert.Equal(".1.3.6.1.4.1.1206.4.2.1.1.1.0 = INTEGER: 8", lines[0]);
            Assert.Contains(".1.3.6.1.4.1.1206.4.2.1.3.5.0 = INTEGER: 6", lines);
            Assert.Contains(".1.3.6.1.4.1.1206.4.2.1.3.9.0 = INTEGER: 0", lines);
            Assert.Contains(lines, l => l.StartsWith(".1.3.6.1.4.1.1206.4.2.1.2.5.4.1.2.8 = INTEGER: ", StringComparison.Ordinal));

            (exitCode, var v3) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), "snmpget", [.. Quiet, "-v3", "-u", "ops", "-l", "authPriv", "-a", "SHA-256", "-A", AuthPassword,
                "-x", "AES", "-X", PrivPassword, host, "1.3.6.1.2.1.1.1.0", "1.3.6.1.4.1.1206.4.2.1.3.6.0"]);
            Assert.True(exitCode == 0, v3);
            Assert.Contains(".1.3.6.1.2.1.1.1.0 = STRING: \"citysim NTCIP 1202 traffic signal controller (simulated)\"", v3, StringComparison.Ordinal);
            Assert.Contains(".1.3.6.1.4.1.1206.4.2.1.3.6.0 = INTEGER: 2", v3, StringComparison.Ordinal);

            var readOnly = await Assert.ThrowsAsync<SnmpErrorStatusException>(() =>
                manager.SetAsync(v2c, [new VarBind(NtcipMib.ShortAlarmStatus.Append(0), SnmpValue.Integer(128))]));
            Assert.Equal(SnmpErrorStatus.NoAccess, readOnly.Status);

            await manager.SetAsync(v2c with { Community = "private" }, [new VarBind(NtcipMib.ShortAlarmStatus.Append(0), SnmpValue.Integer(128))]);

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var trap = await receiver.Notifications.ReadAsync(wait.Token);
            Assert.Equal(SnmpVersion.V3, trap.Version);
            Assert.Equal("ops", trap.SecurityName);
            Assert.Equal(NtcipMib.AlarmChangeTrap, trap.TrapOid);
            Assert.Contains(new VarBind(NtcipMib.ShortAlarmStatus.Append(0), SnmpValue.Integer(128)), trap.VarBinds);
            var flash = await manager.GetAsync(v2c, NtcipMib.UnitFlashStatus.Append(0));
            Assert.Equal(SnmpValue.Integer(NtcipController.FlashStatusFaultMonitor), flash.Value);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Alarm_every_toggles_the_detector_fault_bit_and_sends_v2c_traps_with_the_community()
    {
        await using var receiver = SnmpNotificationReceiver.CreateUdp(new IPEndPoint(IPAddress.Loopback, 0));
        receiver.AddCommunity("tsc");
        receiver.Start();
        var port = FreePort.Udp();

        using var stop = new CancellationTokenSource();
        var root = new RootCommand { SnmpCommand.Create(TimeProvider.System) };
        var run = root.Parse(["snmp", "--port", port.ToString(CultureInfo.InvariantCulture), "--community", "tsc", "--alarm-every", "1",
            "--trap-to", $"127.0.0.1:{receiver.LocalEndPoint.Port}", "--json"]).InvokeAsync(cancellationToken: stop.Token);
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var raised = await receiver.Notifications.ReadAsync(wait.Token);
            var cleared = await receiver.Notifications.ReadAsync(wait.Token);

            Assert.Equal(SnmpVersion.V2c, raised.Version);
            Assert.Equal("tsc", raised.SecurityName);
            Assert.Equal(NtcipMib.AlarmChangeTrap, raised.TrapOid);
            Assert.Contains(new VarBind(NtcipMib.ShortAlarmStatus.Append(0), SnmpValue.Integer(1 << 5)), raised.VarBinds);
            Assert.Contains(new VarBind(NtcipMib.ShortAlarmStatus.Append(0), SnmpValue.Integer(0)), cleared.VarBinds);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task WaitUntilAnsweringAsync(SnmpManager manager, SnmpTarget target, Task<int> run)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await manager.GetAsync(target, Mib2System.SysDescr.Append(0));
                return;
            }
            catch (SnmpTimeoutException) when (attempt < 60 && !run.IsCompleted)
            {
            }
        }
    }
}
