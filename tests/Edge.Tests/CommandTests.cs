using City.TestSupport;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Dali;
using City.Protocols.Modbus;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>
/// Remote commands end to end in process: a fake central (an MQTT broker in the test) publishes signed commands on
/// city/v1/gw-001/cmd to a whole edge with a Modbus TCP slave and a DALI fake line, and records the results the edge
/// publishes on cmd-result.
/// </summary>
public sealed class CommandTests : IAsyncLifetime
{
    private const byte Unit = 2;
    private readonly TempDir _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly InMemoryRegisterMap _map = new();
    private readonly DaliFakeLine _dali = new();
    private FakeCentral _central = null!;
    private ModbusTcpSlave _slave = null!;
    private InProcessEdge? _edge;

    public async Task InitializeAsync()
    {
        _central = await FakeCentral.StartAsync();
        _map.AddUnit(Unit, holdingRegisterCount: 50, inputRegisterCount: 10);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
        for (var i = 0; i < 4; i++)
        {
            _dali.Gear.Add(new DaliFakeGear((byte)i, groups: (ushort)(i < 2 ? 1 : 0)));
        }

        File.WriteAllText(_dir.File("command-signing.pub"), _key.ExportSubjectPublicKeyInfoPem());
        _edge = await StartEdgeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }

        await _slave.DisposeAsync();
        await _central.DisposeAsync();
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_signed_write_is_accepted_then_done_with_the_value_read_back()
    {
        var body = Write("setpoint", 1234);

        await _central.SendCommandAsync(Sign(body));

        var results = await ResultsOfAsync(body.Id, 2);
        Assert.Equal([CommandStatus.Accepted, CommandStatus.Done], results.Select(r => r.Status));
        Assert.Equal("1234", results[1].ReadBack);
        Assert.Equal("gw-001", results[1].GatewayId);
        Assert.True(results[1].ResultSeq > results[0].ResultSeq);
        Assert.Equal([(ushort)1234], _map.GetHoldingRegisters(Unit, 10, 1));
    }

    [Fact]
    public async Task A_tampered_command_is_rejected_for_its_signature_and_not_executed()
    {
        var body = Write("setpoint", 77);
        var signed = Sign(body);
        var bytes = signed.Body.ToByteArray();
        bytes[^1] ^= 0x01; // the last byte of the value
        var tampered = new SignedCommand { Body = ByteString.CopyFrom(bytes), Signature = signed.Signature };

        await _central.SendCommandAsync(tampered);

        var result = Assert.Single(await ResultsOfAsync(body.Id, 1));
        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal(CommandRejections.Signature, result.Reason);
        Assert.Equal([(ushort)0], _map.GetHoldingRegisters(Unit, 10, 1));
        var (_, status) = await _edge!.GetAsync("/v1/status");
        var commands = status.RootElement.GetProperty("commands");
        Assert.Equal(1, commands.GetProperty("rejectedByReason").GetProperty("signature").GetInt64());
        Assert.Equal(0, commands.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task An_expired_command_is_rejected_and_not_executed()
    {
        var body = Write("setpoint", 88);
        body.IssuedAtUnixMs = Now() - 300_000;
        body.NotAfterUnixMs = Now() - 60_000; // beyond the 30 s of allowed skew

        await _central.SendCommandAsync(Sign(body));

        var result = Assert.Single(await ResultsOfAsync(body.Id, 1));
        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal(CommandRejections.Expired, result.Reason);
        Assert.Equal([(ushort)0], _map.GetHoldingRegisters(Unit, 10, 1));
    }

    [Fact]
    public async Task The_same_id_twice_executes_once_also_after_a_restart()
    {
        _central.AutoAckResults = true; // nothing is resent after the restart: every result there is a new one
        var signed = Sign(Write("setpoint", 500));
        var id = CommandBody.Parser.ParseFrom(signed.Body).Id;
        await _central.SendCommandAsync(signed);
        Assert.Equal(CommandStatus.Done, (await ResultsOfAsync(id, 2))[1].Status);

        // Someone changes the register at the cabinet; a resend of the command must not write it again.
        _map.SetHoldingRegisters(Unit, 10, [5]);
        await _central.SendCommandAsync(signed);
        var third = (await ResultsOfAsync(id, 3))[2];
        Assert.Equal(CommandStatus.Rejected, third.Status);
        Assert.Equal(CommandRejections.Duplicate, third.Reason);

        await _edge!.DisposeAsync();
        _edge = null;
        var births = _central.Births.Count;
        _edge = await StartEdgeAsync();
        await Eventually(() => _central.Births.Count > births, "the restarted edge connected");
        await _central.SendCommandAsync(signed);
        var fourth = (await ResultsOfAsync(id, 4))[3];
        Assert.Equal(CommandRejections.Duplicate, fourth.Reason);
        Assert.Equal([(ushort)5], _map.GetHoldingRegisters(Unit, 10, 1));
    }

    [Theory]
    [InlineData("unknown-point", CommandRejections.UnknownTarget)]
    [InlineData("read-only", CommandRejections.NotPermitted)]
    [InlineData("too-big", CommandRejections.OutOfRange)]
    [InlineData("dali-level-300", CommandRejections.OutOfRange)]
    [InlineData("dali-unknown-line", CommandRejections.UnknownTarget)]
    [InlineData("override-group-16", CommandRejections.OutOfRange)]
    [InlineData("wrong-gateway", CommandRejections.WrongGateway)]
    public async Task A_bad_target_or_value_is_rejected_with_its_reason(string kind, string reason)
    {
        var body = kind switch
        {
            "unknown-point" => Write("nope", 1),
            "read-only" => Write("status", 1),
            "too-big" => Write("setpoint", 70_000),
            "dali-level-300" => Body(b => b.Dali = new DaliAction { Line = "lights", Target = "broadcast", Command = "level", Value = 300 }),
            "dali-unknown-line" => Body(b => b.Dali = new DaliAction { Line = "nope", Target = "broadcast", Command = "off" }),
            "override-group-16" => Body(b => b.LightingOverride = new LightingOverrideAction { Line = "lights", Group = 16, LevelPercent = 50, DurationSeconds = 60 }),
            _ => Write("setpoint", 1, gateway: "gw-002"),
        };

        await _central.SendCommandAsync(Sign(body));

        var result = Assert.Single(await ResultsOfAsync(body.Id, 1));
        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal(reason, result.Reason);
        Assert.Equal([(ushort)0], _map.GetHoldingRegisters(Unit, 10, 1));
        Assert.All(_dali.Gear, g => Assert.Equal(254, g.Level));
    }

    [Fact]
    public async Task Results_stay_in_the_outbox_until_acked_and_are_resent_after_a_reconnect()
    {
        var body = Write("setpoint", 42);
        await _central.SendCommandAsync(Sign(body));
        var first = await ResultsOfAsync(body.Id, 2);
        Assert.Equal(2, await OutboxDepthAsync());

        var births = _central.Births.Count;
        await _central.DisconnectEdgeAsync();
        await Eventually(() => _central.Births.Count > births, "the edge reconnected");
        var again = await ResultsOfAsync(body.Id, 4);
        Assert.Equal(first.Select(r => r.ResultSeq), again.Skip(2).Select(r => r.ResultSeq));
        Assert.Equal(2, await OutboxDepthAsync());

        await _central.AckAsync([], resultSeqs: first.Select(r => r.ResultSeq));
        await EventuallyAsync(async () => await OutboxDepthAsync() == 0, "the acked results left the outbox");

        // Listed in edgectl's view, newest first, with the issuer and the outcome.
        var (_, commands) = await _edge!.GetAsync("/v1/commands");
        var entry = commands.RootElement[0];
        Assert.Equal(body.Id, entry.GetProperty("id").GetString());
        Assert.Equal("ops-alice", entry.GetProperty("issuer").GetString());
        Assert.Equal("done", entry.GetProperty("status").GetString());
        Assert.Equal("42", entry.GetProperty("readBack").GetString());
        Assert.Equal("write tc1/setpoint = 42", entry.GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_result_without_an_ack_is_published_again_after_the_ack_timeout()
    {
        await _edge!.DisposeAsync();
        _edge = null;
        _edge = await StartEdgeAsync(ackTimeoutSeconds: 1);
        var births = _central.Births.Count;
        var body = Write("setpoint", 9);

        await _central.SendCommandAsync(Sign(body));

        var results = await ResultsOfAsync(body.Id, 4);
        Assert.Equal(results[0].ResultSeq, results.Skip(2).First(r => r.Status == CommandStatus.Accepted).ResultSeq);
        Assert.Equal(births, _central.Births.Count); // the same session: resent for the timeout, not for a reconnection
        await _central.AckAsync([], resultSeqs: results.Select(r => r.ResultSeq).Distinct());
        await EventuallyAsync(async () => await OutboxDepthAsync() == 0, "the acked results left the outbox");
    }

    [Fact]
    public async Task A_DALI_broadcast_level_reaches_every_lamp()
    {
        var body = Body(b => b.Dali = new DaliAction { Line = "lights", Target = "broadcast", Command = "level", Value = 128 });

        await _central.SendCommandAsync(Sign(body));

        var results = await ResultsOfAsync(body.Id, 2);
        Assert.Equal(CommandStatus.Done, results[1].Status);
        Assert.All(_dali.Gear, g => Assert.Equal(128, g.Level));
    }

    [Fact]
    public async Task A_lighting_override_sets_the_group_and_at_its_end_leaves_it_to_its_program()
    {
        var before = Body(b => b.Dali = new DaliAction { Line = "lights", Target = "group:0", Command = "level", Value = 200 });
        await _central.SendCommandAsync(Sign(before));
        Assert.Equal(CommandStatus.Done, (await ResultsOfAsync(before.Id, 2))[1].Status);

        var body = Body(b => b.LightingOverride = new LightingOverrideAction { Line = "lights", Group = 0, LevelPercent = 100, DurationSeconds = 1 });
        await _central.SendCommandAsync(Sign(body));

        var done = (await ResultsOfAsync(body.Id, 2))[1];
        Assert.Equal(CommandStatus.Done, done.Status);
        Assert.Contains("then back to its program", done.Detail, StringComparison.Ordinal);
        await Eventually(() => _dali.At(0).Level == 254 && _dali.At(1).Level == 254, "the group at 100 %");
        await Eventually(() => _edge!.Services.GetRequiredService<City.Edge.Lighting.LightingRuntime>().Overrides.Count == 0, "the override ended");

        // This edge has no lighting set: at the end the group has no program and keeps its level.
        Assert.Equal(254, _dali.At(0).Level);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(100, 254)]
    [InlineData(1, 85)]
    [InlineData(10, 170)]
    public void Percent_maps_to_DALI_arc_levels_on_the_logarithmic_curve(int percent, int arc) =>
        Assert.Equal(arc, City.Edge.Commands.CommandExecutor.ArcLevel(percent));

    private async Task<InProcessEdge> StartEdgeAsync(int ackTimeoutSeconds = 3600)
    {
        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:Central:Port"] = _central.Port.ToString(CultureInfo.InvariantCulture);
        values["Edge:Central:ReconnectMinDelayMs"] = "20";
        values["Edge:Central:ReconnectMaxDelayMs"] = "200";
        values["Edge:Central:AckTimeoutSeconds"] = ackTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        values["Edge:Commands:SigningKeyFile"] = _dir.File("command-signing.pub");
        values["Edge:Devices:0:Name"] = "tc1";
        values["Edge:Devices:0:Host"] = "127.0.0.1";
        values["Edge:Devices:0:Port"] = _slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);
        values["Edge:Devices:0:UnitId"] = Unit.ToString(CultureInfo.InvariantCulture);
        values["Edge:Devices:0:Points:0:Name"] = "setpoint";
        values["Edge:Devices:0:Points:0:Table"] = "holding";
        values["Edge:Devices:0:Points:0:Register"] = "10";
        values["Edge:Devices:0:Points:0:DataType"] = "uint16";
        values["Edge:Devices:0:Points:0:Writable"] = "true";
        values["Edge:Devices:0:Points:1:Name"] = "status";
        values["Edge:Devices:0:Points:1:Table"] = "holding";
        values["Edge:Devices:0:Points:1:Register"] = "11";
        values["Edge:Devices:0:Points:1:DataType"] = "uint16";
        values["Edge:DaliLines:0:Name"] = "lights";
        values["Edge:DaliLines:0:Port"] = "/dev/fake-dali";
        for (var i = 0; i < 4; i++)
        {
            values[$"Edge:DaliLines:0:Gear:{i}:Address"] = i.ToString(CultureInfo.InvariantCulture);
            if (i < 2)
            {
                values[$"Edge:DaliLines:0:Gear:{i}:Groups:0"] = "0";
            }
        }

        var births = _central.Births.Count;
        var edge = await InProcessEdge.StartAsync(values, bufferPath: _dir.File("buffer.db"),
            services: s => s.AddSingleton<IDaliMasterFactory>(new FixedMasterFactory(_dali)));
        await Eventually(() => _central.Births.Count > births, "the edge connected (it subscribes to commands before its Birth)");
        return edge;
    }

    private async Task<int> OutboxDepthAsync()
    {
        var (_, status) = await _edge!.GetAsync("/v1/status");
        return status.RootElement.GetProperty("commands").GetProperty("outboxDepth").GetInt32();
    }

    private async Task<List<CommandResult>> ResultsOfAsync(string id, int count)
    {
        await Eventually(() => _central.Results.Count(r => r.Id == id) >= count, $"{count} results of command {id}");
        return _central.Results.Where(r => r.Id == id).ToList();
    }

    private SignedCommand Sign(CommandBody body) => CommandSigning.Sign(body, _key);

    private static CommandBody Write(string point, double value, string gateway = "gw-001") =>
        Body(b => b.Write = new WriteAction { Device = "tc1", Point = point, Number = value }, gateway);

    private static CommandBody Body(Action<CommandBody> action, string gateway = "gw-001")
    {
        var body = new CommandBody
        {
            Id = Guid.NewGuid().ToString(),
            GatewayId = gateway,
            IssuedAtUnixMs = Now(),
            NotAfterUnixMs = Now() + 60_000,
            Issuer = "ops-alice",
        };
        action(body);
        return body;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Task Eventually(Func<bool> condition, string what) => Until.TrueAsync(condition, what);

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) => Until.TrueAsync(condition, what);

    private sealed class FixedMasterFactory(City.Protocols.Dali.IDaliMaster master) : IDaliMasterFactory
    {
        public City.Protocols.Dali.IDaliMaster Open(DaliLineDefinition line) => master;
    }
}
