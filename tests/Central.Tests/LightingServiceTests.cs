using System.Security.Cryptography;
using City.Central.Commands;
using City.Central.Ingest;
using City.Central.Lighting;
using City.Central.Model;
using City.Central.State;
using City.Contract.Wire;
using City.Protocols.Talq;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>The lighting service over a command service on a fake clock (not started: nothing is published).</summary>
public sealed class LightingServiceTests : IDisposable
{
    private readonly string _dataPath = CentralHost.NewDataPath();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-07-14T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly GatewayRegistry _registry = new([new GatewayState("gw-off") { Online = false }]);
    private readonly CommandStore _commandStore;
    private readonly CommandService _commands;
    private readonly LightingStore _store;
    private readonly LightingService _lighting;

    public LightingServiceTests()
    {
        _commandStore = new CommandStore(_dataPath, syncCommits: false);
        _commands = new CommandService(_commandStore, new CommandSigner(_key), new NullPublisher(), new CommandResultQueue(10), _registry, new CommandStats(),
            new RejectLog(NullLogger<RejectLog>.Instance, _time), _time, NullLogger<CommandService>.Instance);
        _store = new LightingStore(_dataPath, syncCommits: false);
        _lighting = new LightingService(_store, _commands, _registry, _time, NullLogger<LightingService>.Instance);
        Assert.Equal(LightingOutcomeKind.Created, _lighting.PutProgram("p", Program("p", 80), "ops").Kind);
        Assert.Equal(LightingOutcomeKind.Created, _lighting.PutCalendar("c", Calendar("c", "p"), "ops").Kind);
    }

    public void Dispose()
    {
        _lighting.Dispose();
        _commands.Dispose();
        _store.Dispose();
        _commandStore.Dispose();
        _key.Dispose();
        Directory.Delete(_dataPath, recursive: true);
    }

    private static TalqControlProgram Program(string id, int level)
    {
        Assert.True(TalqJson.TryParseControlProgram(LightingApi.Fixed(id, level), out var program, out var errors), string.Join(" ", errors));
        return program!;
    }

    private static TalqCalendar Calendar(string id, string program)
    {
        Assert.True(TalqJson.TryParseCalendar(LightingApi.Every(id, program), out var calendar, out var errors), string.Join(" ", errors));
        return calendar!;
    }

    private static GatewayAssignment OneLine(string calendar) => new(12, [new LightingAssignment { Line = "lights-a", Calendar = calendar }]);

    private LightingStatus Status(string gateway) => _lighting.Statuses().Single(s => s.Gateway == gateway);

    private Task ResultAsync(string id, CommandStatus status, ulong seq, string reason = "", string detail = "") =>
        _commands.ApplyAsync([new ReceivedResult("gw-off", new CommandResult { Id = id, GatewayId = "gw-off", Status = status, ResultSeq = seq, Reason = reason, Detail = detail }.ToByteArray())]);

    [Fact]
    public void ExpiredPush_StaysPending_AndTheNextBirthPushesAgain()
    {
        _lighting.PutAssignment("gw-off", OneLine("c"), "ops");
        var first = Status("gw-off");
        Assert.Equal((LightingStates.Pending, "ops"), (first.State, first.Issuer));
        var command = _commands.Find(first.CommandId!)!;
        Assert.Equal((ActionKinds.LightingConfig, first.Version, "ops"), (command.Action.Kind, command.Action.Version, command.Issuer));
        Assert.Equal(LightingService.PushExpirySeconds * 1000L, command.NotAfterUnixMs - command.IssuedAtUnixMs);

        _time.Advance(TimeSpan.FromSeconds(LightingService.PushExpirySeconds));
        Assert.Equal(1, _commands.ExpireDue());
        var expired = Status("gw-off");
        Assert.Equal((LightingStates.Pending, first.CommandId), (expired.State, expired.CommandId));
        Assert.Contains("expired", expired.Detail, StringComparison.Ordinal);

        _registry.Publish(new GatewayState("gw-off") { Online = true, LightingVersion = string.Empty });
        _lighting.CheckBirth("gw-off");
        var again = Status("gw-off");
        Assert.NotEqual(first.CommandId, again.CommandId);
        Assert.Equal((LightingStates.Pending, first.Version), (again.State, again.Version));
        Assert.Equal(CommandStatuses.Pending, _commands.Target(again.CommandId!, "gw-off")!.Status);
    }

    [Fact]
    public async Task DoneOfAnOlderPush_RecordsWhatRuns_TheNewerStaysPending_FailedIsRejected()
    {
        _lighting.PutAssignment("gw-off", OneLine("c"), "ops");
        var first = Status("gw-off");
        _lighting.PutProgram("p", Program("p", 40), "ops2");
        var second = Status("gw-off");
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal("ops2", second.Issuer);

        await ResultAsync(first.CommandId!, CommandStatus.Done, 1, detail: "applied " + first.Version);
        var afterOld = Status("gw-off");
        Assert.Equal((LightingStates.Pending, first.Version, second.CommandId), (afterOld.State, afterOld.AppliedVersion, afterOld.CommandId));

        await ResultAsync(second.CommandId!, CommandStatus.Failed, 2, detail: "lighting.json could not be written: disk full");
        var failed = Status("gw-off");
        Assert.Equal((LightingStates.Rejected, "failed", "lighting.json could not be written: disk full"), (failed.State, failed.Reason, failed.Detail));
    }

    [Fact]
    public async Task Restart_KeepsEverything_AndPushesNothingThatDidNotChange()
    {
        _lighting.PutAssignment("gw-off", OneLine("c"), "ops");
        var before = Status("gw-off");
        _time.Advance(TimeSpan.FromHours(1));

        using var reopened = new LightingService(_store, _commands, _registry, _time, NullLogger<LightingService>.Instance);
        await reopened.StartAsync(CancellationToken.None); // rebuilds every set at start: the same content, the same version
        await reopened.StopAsync(CancellationToken.None);

        Assert.Equal(before, reopened.Statuses().Single(s => s.Gateway == "gw-off"));
        Assert.Equal(_lighting.CalendarJson("c"), reopened.CalendarJson("c"));
        Assert.Equal(OneLine("c").Groups.Single().Calendar, reopened.Assignment("gw-off")!.Groups.Single().Calendar);
    }

    private sealed class NullPublisher : ICommandPublisher
    {
        public Task<bool> PublishCommandAsync(string topic, byte[] payload, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
