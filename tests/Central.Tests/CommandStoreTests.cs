using City.Central.Commands;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The command store (its own LiteDB file) and the forward-only status rule, without a running central.</summary>
public sealed class CommandStoreTests : IDisposable
{
    private readonly string _dataPath = CentralHost.NewDataPath();

    public void Dispose()
    {
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    private static CommandAction Action => new() { Kind = ActionKinds.Dali, Line = "l", Target = "broadcast", Command = "off" };

    private static (CommandRecord, List<CommandTarget>) Command(string id, long issuedAt, params string[] gateways) =>
        (new CommandRecord(id, "ops", issuedAt, issuedAt + 60_000, Action, gateways),
         [.. gateways.Select(g => new CommandTarget { CommandId = id, Gateway = g, Status = CommandStatuses.Pending, IssuedAtUnixMs = issuedAt, NotAfterUnixMs = issuedAt + 60_000, UpdatedAtUnixMs = issuedAt, Payload = [1, 2, 3] })]);

    [Fact]
    public void List_ManyCommandsInTheSameMillisecond_PagesWithTheCursor_NoRepeatNoStall()
    {
        using var store = new CommandStore(_dataPath, syncCommits: false);
        var ids = Enumerable.Range(0, 7).Select(_ => Guid.NewGuid().ToString("D")).ToList();
        foreach (var id in ids)
        {
            var (command, targets) = Command(id, 1_000, "gw-a", "gw-b");
            store.Insert(command, targets);
        }

        var (other, otherTargets) = Command(Guid.NewGuid().ToString("D"), 1_000, "gw-c");
        store.Insert(other, otherTargets);

        foreach (var gateway in new[] { "gw-a", "gw-b" })
        {
            var seen = new List<string>();
            string? after = null;
            for (var page = 0; page < 10; page++)
            {
                var commands = store.List(gateway, 0, after, 3);
                if (commands.Count == 0)
                {
                    break;
                }

                seen.AddRange(commands.Select(c => c.Id));
                after = CommandStore.Cursor(commands[^1].IssuedAtUnixMs, commands[^1].Id);
            }

            Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        }

        Assert.Equal(8, store.List(null, 0, null, 100).Count);
        Assert.Empty(store.List(null, 1_001, null, 100));
    }

    [Fact]
    public void Reopened_KeepsCommandsTargetsAndTheirPayloads()
    {
        var id = Guid.NewGuid().ToString("D");
        using (var store = new CommandStore(_dataPath, syncCommits: true))
        {
            var (command, targets) = Command(id, 5_000, "gw-a", "gw-b");
            store.Insert(command, targets);
            store.Update([targets[1] with { Status = CommandStatuses.Done, ReadBack = "42", FinishedAtUnixMs = 6_000 }]);
        }

        using var reopened = new CommandStore(_dataPath, syncCommits: true);
        Assert.Equal(("ops", 65_000L), (reopened.Find(id)!.Issuer, reopened.Find(id)!.NotAfterUnixMs));
        var kept = reopened.Targets(id);
        Assert.Equal([CommandStatuses.Pending, CommandStatuses.Done], kept.Select(t => t.Status));
        Assert.Equal("42", kept[1].ReadBack);
        Assert.Equal([1, 2, 3], kept[0].Payload);
        Assert.Single(reopened.TargetsOf("gw-a", CommandStatuses.Pending));
        Assert.Empty(reopened.TargetsOf("gw-b", CommandStatuses.Pending));
    }

    [Theory]
    [InlineData("pending", CommandStatus.Accepted, "accepted")]
    [InlineData("sent", CommandStatus.Done, "done")]
    [InlineData("accepted", CommandStatus.Failed, "failed")]
    [InlineData("sent", CommandStatus.Rejected, "rejected")]
    [InlineData("accepted", CommandStatus.Accepted, null)]
    [InlineData("done", CommandStatus.Accepted, null)]
    [InlineData("done", CommandStatus.Failed, null)]
    [InlineData("expired", CommandStatus.Done, null)]
    [InlineData("sent", CommandStatus.Unspecified, null)]
    public void Apply_OnlyMovesAStatusForward(string current, CommandStatus result, string? expected)
    {
        var target = new CommandTarget { CommandId = "c", Gateway = "g", Status = current };

        var next = CommandService.Apply(target, new CommandResult { Id = "c", GatewayId = "g", Status = result, TimeUnixMs = 9 }, 10);

        Assert.Equal(expected, next?.Status);
    }
}
