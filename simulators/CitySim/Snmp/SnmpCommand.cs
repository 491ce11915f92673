using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using City.Protocols.Snmp;
using City.Sim.Common;

namespace City.Sim.Snmp;

/// <summary>What <c>citysim snmp</c> serves (stdout; JSON with --json).</summary>
internal sealed record SnmpListening(string Device, string Address, int Port, string Community, string WriteCommunity, string? V3User, string? TrapTo)
{
    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"{Device} listening on udp {Address}:{Port} community {Community} (read-write {WriteCommunity}){(V3User is null ? "" : $" v3 user {V3User} (SHA-256/AES)")}{(TrapTo is null ? "" : $" traps to {TrapTo}")}");
}

/// <summary>One alarm change trap sent (stdout; JSON with --json).</summary>
internal sealed record SnmpTrapSent(string TrapTo, int ShortAlarmStatus, int UnitAlarmStatus1, int UnitAlarmStatus2)
{
    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"trap to {TrapTo}: shortAlarmStatus {ShortAlarmStatus} unitAlarmStatus1 {UnitAlarmStatus1} unitAlarmStatus2 {UnitAlarmStatus2}");
}

/// <summary>
/// <c>citysim snmp</c>: a simulated NTCIP 1202 traffic controller's SNMP agent on UDP 127.0.0.1 (see README, "SNMP").
/// Alarm changes (SET of an alarm word, or --alarm-every) are sent as SNMPv2 traps to --trap-to.
/// </summary>
internal static class SnmpCommand
{
    public static Command Create(TimeProvider time)
    {
        var port = CliOptions.Int("--port", "UDP port on 127.0.0.1 (0 = any free port)", 1161, 0, 65535);
        var community = new Option<string>("--community") { Description = "Read-only v1/v2c community", DefaultValueFactory = _ => "public" };
        var writeCommunity = new Option<string>("--write-community") { Description = "Read-write v1/v2c community (may set the alarm words)", DefaultValueFactory = _ => "private" };
        var v3User = CliOptions.V3User("may set the alarm words and send priority requests");
        var trapTo = new Option<string?>("--trap-to") { Description = "HOST:PORT to send SNMPv2 traps to on alarm changes (v3 with --v3-user, else v2c with --community)" };
        var alarmEvery = CliOptions.Int("--alarm-every", "Raise and clear the detector-fault alarm (shortAlarmStatus bit 5) every S seconds (0 = never)", 0, 0, 86_400);
        var json = CliOptions.Json();
        trapTo.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !IPEndPoint.TryParse(text, out _))
            {
                result.AddError("--trap-to must be IP:PORT (e.g. 127.0.0.1:10162).");
            }
        });

        var command = new Command("snmp", "Serve a simulated NTCIP 1202 traffic controller's SNMP agent (v1/v2c/v3) on UDP 127.0.0.1, with an NTCIP 1211 bus priority server")
        {
            port, community, writeCommunity, v3User, trapTo, alarmEvery, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var asJson = parseResult.GetValue(json);
            var controller = new NtcipController(time, seed: 0);
            var mib = new MibTree();
            SnmpAgent agent;
            try
            {
                agent = SnmpAgent.CreateUdp(mib, new IPEndPoint(IPAddress.Loopback, parseResult.GetValue(port)), timeProvider: time);
            }
            catch (SocketException ex)
            {
                ConsoleOutput.Log($"cannot listen on udp 127.0.0.1:{parseResult.GetValue(port)}: {ex.Message}");
                return 1;
            }

            await using (agent.ConfigureAwait(false))
            {
                NtcipMib.Register(mib, controller, () => agent.UpTime);
                Ntcip1211Mib.Register(mib, controller);
                agent.AddCommunity(parseResult.GetValue(community)!);
                agent.AddCommunity(parseResult.GetValue(writeCommunity)!, writable: true);
                UsmUser? user = null;
                if (parseResult.GetValue(v3User) is { } userText)
                {
                    CliOptions.TryParseV3User(userText, out user);
                    agent.AddUser(user!, writable: true);
                }

                SnmpTarget? trapTarget = null;
                if (parseResult.GetValue(trapTo) is { } trapText)
                {
                    var endPoint = IPEndPoint.Parse(trapText);
                    trapTarget = user is null ? SnmpTarget.V2c(endPoint, parseResult.GetValue(community)!) : SnmpTarget.V3(endPoint, user);
                }

                var changes = Channel.CreateBounded<NtcipAlarms>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
                controller.AlarmsChanged += alarms => changes.Writer.TryWrite(alarms);
                agent.Start();

                var listening = new SnmpListening("traffic-controller", "127.0.0.1", agent.LocalEndPoint.Port, parseResult.GetValue(community)!,
                    parseResult.GetValue(writeCommunity)!, user?.Name, parseResult.GetValue(trapTo));
                if (asJson)
                {
                    ConsoleOutput.Json(listening, SnmpJsonContext.Default.SnmpListening);
                }
                else
                {
                    ConsoleOutput.Result(listening.Line);
                }

                ConsoleOutput.Log("Ctrl-C to stop");
                var traps = SendTrapsAsync(agent, trapTarget, changes.Reader, asJson, cancellationToken);
                var toggler = ToggleAlarmAsync(controller, parseResult.GetValue(alarmEvery), time, cancellationToken);
                var priority = ReportPriorityAsync(controller, asJson, time, cancellationToken);
                try
                {
                    await Task.WhenAll(traps, toggler, priority).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }

                ConsoleOutput.Log("stopping");
                return 0;
            }
        });
        return command;
    }

    private static async Task SendTrapsAsync(SnmpAgent agent, SnmpTarget? target, ChannelReader<NtcipAlarms> changes, bool asJson, CancellationToken cancellationToken)
    {
        await foreach (var alarms in changes.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (target is null)
            {
                ConsoleOutput.Log($"alarms now shortAlarmStatus {alarms.ShortAlarmStatus} unitAlarmStatus1 {alarms.UnitAlarmStatus1} unitAlarmStatus2 {alarms.UnitAlarmStatus2} (no --trap-to)");
                continue;
            }

            try
            {
                await agent.SendTrapAsync(target, NtcipMib.AlarmChangeTrap, NtcipMib.AlarmVarBinds(alarms), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SnmpException or SocketException)
            {
                ConsoleOutput.Log($"trap to {target.EndPoint} failed: {ex.Message}");
                continue;
            }

            var sent = new SnmpTrapSent(target.EndPoint.ToString(), alarms.ShortAlarmStatus, alarms.UnitAlarmStatus1, alarms.UnitAlarmStatus2);
            if (asJson)
            {
                ConsoleOutput.Json(sent, SnmpJsonContext.Default.SnmpTrapSent);
            }
            else
            {
                ConsoleOutput.Result(sent.Line);
            }
        }
    }

    /// <summary>Prints the priority request server's decisions (requests arrive by SET; the timing moves every second).</summary>
    private static async Task ReportPriorityAsync(NtcipController controller, bool asJson, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200), time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var decision in controller.WithPriority((server, _) => server.TakeDecisions()))
            {
                if (asJson)
                {
                    ConsoleOutput.Json(decision, SnmpJsonContext.Default.PriorityDecision);
                }
                else
                {
                    ConsoleOutput.Result(string.Create(CultureInfo.InvariantCulture,
                        $"priority request {decision.RequestId} {decision.VehicleId} strategy {decision.Strategy}: {decision.Status} ({decision.Why})"));
                }
            }
        }
    }

    private static async Task ToggleAlarmAsync(NtcipController controller, int everySeconds, TimeProvider time, CancellationToken cancellationToken)
    {
        if (everySeconds == 0)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            return;
        }

        const int detectorFault = 1 << 5;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(everySeconds), time, cancellationToken).ConfigureAwait(false);
            controller.SetAlarms(a => a with { ShortAlarmStatus = a.ShortAlarmStatus ^ detectorFault });
        }
    }
}
