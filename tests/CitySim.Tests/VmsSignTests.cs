using System.Net;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;
using City.Sim.Vms;

namespace City.Sim.Tests;

/// <summary><c>citysim vms</c>'s sign on a loopback UDP agent, driven by the protocol's <see cref="DmsClient"/> and by raw SETs.</summary>
public sealed class VmsSignTests : IAsyncLifetime
{
    private readonly SimSign _sign = new(3, 18);
    private SnmpAgent _agent = null!;
    private SnmpManager _manager = null!;
    private DmsClient _client = null!;
    private SnmpTarget _target = null!;

    public async Task InitializeAsync()
    {
        var mib = new MibTree();
        _sign.Register(mib);
        _agent = SnmpAgent.CreateUdp(mib, new IPEndPoint(IPAddress.Loopback, 0));
        _agent.AddCommunity("public");
        _agent.AddCommunity("private", writable: true);
        _agent.Start();
        _manager = SnmpManager.CreateUdp();
        _target = SnmpTarget.V2c(new IPEndPoint(IPAddress.Loopback, _agent.LocalEndPoint.Port), "private") with { Timeout = TimeSpan.FromSeconds(5) };
        _client = new DmsClient(_manager, _target);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task A_message_goes_through_the_row_procedure_and_is_shown_then_blanked()
    {
        var geometry = await _client.ReadGeometryAsync();
        Assert.Equal((3, 18, 6), (geometry.LinesPerPage, geometry.CharactersPerLine, geometry.MaxPages));

        var code = await _client.ActivateAsync("[jl3]ROAD WORK[nl]AHEAD", geometry);
        Assert.Equal(MessageCrc.Of("[jl3]ROAD WORK[nl]AHEAD", 0, 0), code.Crc);
        var current = await _client.ReadCurrentAsync();
        Assert.Equal(("[jl3]ROAD WORK[nl]AHEAD", MessageMemoryType.Changeable, 1), (current.Multi, current.Source!.Memory, current.Source.MessageNumber));
        Assert.Equal("[jl3]ROAD WORK[nl]AHEAD", _sign.CurrentMulti);

        await _client.BlankAsync();
        current = await _client.ReadCurrentAsync();
        Assert.True(current.IsBlank);
        Assert.Equal("", _sign.CurrentMulti);
    }

    [Fact]
    public async Task The_sign_itself_refuses_a_message_it_cannot_show_and_an_activation_with_the_wrong_crc()
    {
        Oid Cell(uint column) => DmsObjects.MessageCell(column, MessageMemoryType.Changeable, 2);

        // Written straight, bypassing the client's own check: the sign's validation names the error and its offset.
        await _manager.SetAsync(_target, [new VarBind(Cell(DmsObjects.MessageStatusColumn), SnmpValue.Integer((int)MessageStatus.ModifyReq))]);
        await _manager.SetAsync(_target, [new VarBind(Cell(DmsObjects.MessageMultiStringColumn), SnmpValue.OctetString("A[nl]B[nl]C[nl]D"))]);
        await _manager.SetAsync(_target, [new VarBind(Cell(DmsObjects.MessageStatusColumn), SnmpValue.Integer((int)MessageStatus.ValidateReq))]);
        var after = await _manager.GetAsync(_target, [Cell(DmsObjects.MessageStatusColumn), DmsObjects.DmsMultiSyntaxError, DmsObjects.DmsMultiSyntaxErrorPosition]);
        Assert.Equal(((int)MessageStatus.Error, (int)MultiSyntaxError.TextTooBig, 11), (after[0].Value.AsInt32(), after[1].Value.AsInt32(), after[2].Value.AsInt32()));

        // A row may not change outside modifying.
        var notModifying = await Assert.ThrowsAsync<SnmpErrorStatusException>(() =>
            _manager.SetAsync(_target, [new VarBind(Cell(DmsObjects.MessageMultiStringColumn), SnmpValue.OctetString("X"))]));
        Assert.Equal(SnmpErrorStatus.GenErr, notModifying.Status);

        // A valid row activated with another CRC: genErr, dmsActivateMsgError messageCRC.
        var geometry = await _client.ReadGeometryAsync();
        var code = await _client.ActivateAsync("SLOW", geometry);
        var refused = await Assert.ThrowsAsync<SnmpErrorStatusException>(() =>
            _manager.SetAsync(_target, [new VarBind(DmsObjects.DmsActivateMessage, SnmpValue.OctetString((code with { Crc = (ushort)(code.Crc ^ 1) }).Encode()))]));
        Assert.Equal(SnmpErrorStatus.GenErr, refused.Status);
        Assert.Equal((int)ActivateMessageError.MessageCrc, (await _manager.GetAsync(_target, DmsObjects.DmsActivateMsgError)).Value.AsInt32());
        Assert.Equal("SLOW", (await _client.ReadCurrentAsync()).Multi);
    }

    [Fact]
    public async Task Injected_faults_show_in_the_status_objects()
    {
        Assert.True(VmsCommand.TryApply("pixels 4", _sign, out _));
        Assert.True(VmsCommand.TryApply("lamp fail 3", _sign, out _));
        Assert.True(VmsCommand.TryApply("door open", _sign, out var reply));
        Assert.StartsWith("faults: pixel x4, lamp x1, door open", reply, StringComparison.Ordinal);
        Assert.False(VmsCommand.TryApply("lamp fail 9", _sign, out _));

        var status = await _client.ReadStatusAsync();
        Assert.Equal((4, 1, true), (status.PixelFailures, status.LampFailures, status.DoorOpen));
        Assert.Equal(ShortErrorStatus.Pixel | ShortErrorStatus.Lamp | ShortErrorStatus.DoorOpen, status.Errors);

        Assert.True(VmsCommand.TryApply("door closed", _sign, out _));
        Assert.False((await _client.ReadStatusAsync()).DoorOpen);
    }
}
