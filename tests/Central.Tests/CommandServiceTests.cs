using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using City.Central.Commands;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.State;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>The command service on a fake clock with a recording publisher: expiry, delivery at birth, results and acks.</summary>
public sealed class CommandServiceTests : IAsyncDisposable
{
    private readonly string _dataPath = CentralHost.NewDataPath();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RecordingPublisher _publisher = new();
    private readonly CommandResultQueue _results = new(100);
    private readonly GatewayRegistry _registry = new([new GatewayState("gw-on") { Online = true }, new GatewayState("gw-off") { Online = false }]);
    private readonly CommandStats _stats = new();
    private readonly CommandStore _store;
    private readonly CommandService _service;

    public CommandServiceTests()
    {
        _store = new CommandStore(_dataPath, syncCommits: false);
        _service = new CommandService(_store, new CommandSigner(_key), _publisher, _results, _registry, _stats,
            new RejectLog(NullLogger<RejectLog>.Instance, _time), _time, NullLogger<CommandService>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
        _store.Dispose();
        _key.Dispose();
        Directory.Delete(_dataPath, recursive: true);
    }

    private static CommandRequest Request(string gateway, int expires = 60) =>
        new(null, [gateway], new CommandAction { Kind = ActionKinds.Dali, Line = "l", Target = "broadcast", Command = "off" }, expires);

    [Fact]
    public async Task OnlineGateway_PublishedOnce_SignedForIt_ThenSent()
    {
        await _service.StartAsync(CancellationToken.None);

        var id = _service.Issue(Request("gw-on"), "ops").Command.Id;

        var (topic, payload) = await _publisher.NextAsync();
        Assert.Equal("city/v1/gw-on/cmd", topic);
        Assert.True(CommandSigning.TryVerify(SignedCommand.Parser.ParseFrom(payload), _key, out var body, out _));
        Assert.Equal((id, "gw-on", "ops"), (body.Id, body.GatewayId, body.Issuer));
        await Wait.UntilAsync(() => Task.FromResult(_service.Target(id, "gw-on")!.Status == CommandStatuses.Sent), TimeSpan.FromSeconds(5), "sent");
    }

    [Fact]
    public async Task OfflineGateway_ExpiresOnTheFakeClock_AndABirthAfterwardsSendsNothing()
    {
        await _service.StartAsync(CancellationToken.None);
        var id = _service.Issue(Request("gw-off", expires: 30), "ops").Command.Id;

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, _service.ExpireDue());
        // The sweep's timer starts with the service (on a thread of its own): the clock moves a second at a time until it ran.
        await Wait.UntilAsync(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(_service.Target(id, "gw-off")!.Status == CommandStatuses.Expired);
        }, TimeSpan.FromSeconds(5), "the sweep to expire it");

        _registry.Publish(new GatewayState("gw-off") { Online = true });
        _service.BirthCommitted("gw-off");
        _service.Issue(Request("gw-on"), "ops");
        var (topic, _) = await _publisher.NextAsync();

        Assert.Equal("city/v1/gw-on/cmd", topic);
        Assert.DoesNotContain(_publisher.Topics, t => t.Contains("gw-off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OfflineGateway_SentAtItsBirth_WhenStillValid()
    {
        await _service.StartAsync(CancellationToken.None);
        var id = _service.Issue(Request("gw-off"), "ops").Command.Id;
        _time.Advance(TimeSpan.FromSeconds(10));

        _registry.Publish(new GatewayState("gw-off") { Online = true });
        _service.BirthCommitted("gw-off");

        Assert.Equal("city/v1/gw-off/cmd", (await _publisher.NextAsync()).Topic);
        await Wait.UntilAsync(() => Task.FromResult(_service.Target(id, "gw-off")!.Status == CommandStatuses.Sent), TimeSpan.FromSeconds(5), "sent");
    }

    [Fact]
    public async Task SentButUnanswered_SentAgainAtTheGatewaysNextBirth_WhenStillValid()
    {
        // The broker took the command, but the gateway's clean session dropped it (the edge reconnected): without a
        // resend it would stay "sent" for ever. The edge dedupes by id, so a resend never runs twice.
        await _service.StartAsync(CancellationToken.None);
        var id = _service.Issue(Request("gw-on"), "ops").Command.Id;
        var (_, first) = await _publisher.NextAsync();
        await Wait.UntilAsync(() => Task.FromResult(_service.Target(id, "gw-on")!.Status == CommandStatuses.Sent), TimeSpan.FromSeconds(5), "sent");

        _service.BirthCommitted("gw-on");

        var (topic, again) = await _publisher.NextAsync();
        Assert.Equal("city/v1/gw-on/cmd", topic);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task Results_AppliedInOrderWithinAGroup_AckedOnceStored()
    {
        var id = _service.Issue(Request("gw-off"), "ops").Command.Id;
        byte[] Result(CommandStatus status, ulong seq) =>
            new CommandResult { Id = id, GatewayId = "gw-off", Status = status, ResultSeq = seq, ReadBack = "7", TimeUnixMs = 5 }.ToByteArray();

        await _service.ApplyAsync([new("gw-off", Result(CommandStatus.Accepted, 1)), new("gw-off", Result(CommandStatus.Done, 2)), new("gw-off", Result(CommandStatus.Accepted, 1))]);

        var target = _service.Target(id, "gw-off")!;
        Assert.Equal((CommandStatuses.Done, "7"), (target.Status, target.ReadBack));
        var (topic, payload) = await _publisher.NextAsync();
        Assert.Equal("city/v1/gw-off/ack", topic);
        Assert.Equal([1UL, 2UL, 1UL], Ack.Parser.ParseFrom(payload).CommittedResultSeqs);
        Assert.Equal((2L, 1L), (_stats.Results, _stats.DuplicateResults));
    }

    private sealed class RecordingPublisher : ICommandPublisher
    {
        private readonly Channel<(string Topic, byte[] Payload)> _published = Channel.CreateUnbounded<(string, byte[])>();

        public ConcurrentQueue<string> Topics { get; } = new();

        public Task<bool> PublishCommandAsync(string topic, byte[] payload, CancellationToken cancellationToken)
        {
            Topics.Enqueue(topic);
            _published.Writer.TryWrite((topic, payload));
            return Task.FromResult(true);
        }

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
        {
            Topics.Enqueue(topic);
            _published.Writer.TryWrite((topic, payload));
            return Task.CompletedTask;
        }

        public async Task<(string Topic, byte[] Payload)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await _published.Reader.ReadAsync(timeout.Token);
        }
    }
}
