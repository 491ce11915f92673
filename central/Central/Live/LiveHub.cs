using System.Runtime.CompilerServices;
using System.Threading.Channels;
using City.Central.Assets;
using City.Central.Commands;
using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.Live;

/// <summary>
/// The live stream's hub. Committed groups (from the ingest worker) and command status changes (from the command store)
/// are handed over without waiting through a bounded queue; the hub's own loop turns them into messages, numbers them,
/// keeps the newest in a resume buffer bounded by <c>Stream:ResumeItems</c> and offers each to every client whose filter
/// it passes. Nothing here ever holds ingest back: a full hand-over queue loses the notice (an <c>overflow</c> reset
/// follows in the stream), a full client buffer drops that client (a final <c>slow-client</c> reset).
/// </summary>
internal sealed partial class LiveHub : BackgroundService, ICommitListener
{
    public const int InputCapacity = 4_096;
    private const string CentralDevice = "$central";

    private readonly StreamSettings _settings;
    private readonly AssetDirectory _assets;
    private readonly CommandStore _commands;
    private readonly ILogger<LiveHub> _logger;
    private readonly Channel<object> _input = Channel.CreateBounded<object>(new BoundedChannelOptions(InputCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ConditionalWeakTable<IReadOnlyList<CataloguePoint>, Dictionary<uint, CataloguePoint>> _catalogues = new();
    private readonly Lock _gate = new();
    private readonly Queue<LiveMessage> _ring = new();
    private readonly List<LiveSubscriber> _subscribers = [];
    private readonly List<Reading> _scratch = [];
    private long _ringWeight;
    private long _seq;
    private long _lostInputs;
    private long _reportedLost;
    private long _published;
    private long _droppedSlow;
    private long _resumed;
    private long _resumeResets;

    public LiveHub(IOptions<CentralOptions> options, AssetDirectory assets, CommandStore commands, TimeProvider time, ILogger<LiveHub> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(time);
        _settings = options.Value.Stream;
        _assets = assets;
        _commands = commands;
        _logger = logger;
        Run = time.GetUtcNow().ToUnixTimeMilliseconds();
        _commands.Written += CommandsWritten;
    }

    /// <summary>The first part of every id of this run (its start, Unix ms).</summary>
    public long Run { get; }

    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Messages published since start (resets included).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Clients dropped because their buffer was full.</summary>
    public long DroppedSlowClients => Interlocked.Read(ref _droppedSlow);

    /// <summary>Notices lost because the hub's hand-over queue was full (each followed by an overflow reset).</summary>
    public long LostNotices => Interlocked.Read(ref _lostInputs);

    /// <summary>Clients that resumed from the resume buffer, and those told to re-read instead (gap or unknown id).</summary>
    public long Resumed => Interlocked.Read(ref _resumed);

    public long ResumeResets => Interlocked.Read(ref _resumeResets);

    /// <summary>Notices waiting for the hub's loop.</summary>
    public int QueueDepth => _input.Reader.Count;

    /// <summary>The id of the newest message (Seq 0 before the first).</summary>
    public LiveId NewestId
    {
        get
        {
            lock (_gate)
            {
                return new LiveId(Run, _seq);
            }
        }
    }

    public void Committed(CommittedGroup group) => Offer(group);

    private void CommandsWritten(IReadOnlyCollection<CommandTarget> targets) => Offer(targets.ToArray());

    private void Offer(object notice)
    {
        if (!_input.Writer.TryWrite(notice))
        {
            Interlocked.Increment(ref _lostInputs);
        }
    }

    /// <summary>
    /// A new client, or null when <c>Stream:MaxClients</c> are connected. With <paramref name="lastEventId"/> it first gets
    /// every message after that id still in the resume buffer that passes its filter, or, when that id is older than the
    /// buffer or not of this run, one reset; then everything published after this call.
    /// </summary>
    public LiveSubscriber? Subscribe(LiveFilter filter, string? lastEventId)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            if (_subscribers.Count >= _settings.MaxClients)
            {
                return null;
            }

            var replay = lastEventId is null ? [] : ReplayAfter(filter, lastEventId);
            var subscriber = new LiveSubscriber(filter, _settings.ClientBuffer, replay);
            _subscribers.Add(subscriber);
            return subscriber;
        }
    }

    public void Unsubscribe(LiveSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_gate)
        {
            _subscribers.Remove(subscriber);
        }

        subscriber.Close();
    }

    /// <summary>Under the lock: the messages after the id, or one reset saying why there are none to give.</summary>
    private List<LiveMessage> ReplayAfter(LiveFilter filter, string lastEventId)
    {
        var oldest = _ring.Count == 0 ? _seq + 1 : _ring.Peek().Seq;
        string? problem = null;
        var reason = "gap";
        if (!LiveId.TryParse(lastEventId, out var id) || id.Run != Run || id.Seq > _seq)
        {
            reason = "unknown-id";
            problem = $"Last-Event-ID '{lastEventId}' is not an id of this run of central (newest {new LiveId(Run, _seq)}): it restarted, or the id belongs to another instance.";
        }
        else if (id.Seq < oldest - 1)
        {
            problem = $"Last-Event-ID '{lastEventId}' is older than the resume buffer (oldest kept {new LiveId(Run, oldest)}): messages in between are gone.";
        }

        if (problem is not null)
        {
            Interlocked.Increment(ref _resumeResets);
            return [ResetMessage(reason, problem + " Re-read what you need through the REST API; the stream goes on from here.")];
        }

        Interlocked.Increment(ref _resumed);
        return [.. _ring.Where(m => m.Seq > id.Seq && filter.Matches(m))];
    }

    /// <summary>A reset carrying the newest id, so that a client resuming from it resumes from now.</summary>
    private LiveMessage ResetMessage(string reason, string message) =>
        new() { Kind = LiveKinds.Reset, Seq = _seq, Reset = new LiveReset(reason, message) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _input.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (_input.Reader.TryRead(out var notice))
                {
                    try
                    {
                        ReportLostNotices();
                        Handle(notice);
                    }
                    // One notice that cannot be turned into messages must not stop the stream: logged, and the clients told.
                    catch (Exception exception)
                    {
                        LogNoticeFailed(_logger, notice.GetType().Name, exception);
                        Publish(new LiveMessage { Kind = LiveKinds.Reset, Reset = new LiveReset("overflow", "central could not stream a change; re-read through the REST API.") });
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _commands.Written -= CommandsWritten;
            CloseAll();
        }
    }

    private void ReportLostNotices()
    {
        var lost = Interlocked.Read(ref _lostInputs);
        if (lost == _reportedLost)
        {
            return;
        }

        LogLost(_logger, lost - _reportedLost, InputCapacity);
        _reportedLost = lost;
        Publish(new LiveMessage
        {
            Kind = LiveKinds.Reset,
            Reset = new LiveReset("overflow", "central's stream fell behind ingest and left changes out; re-read through the REST API."),
        });
    }

    private void Handle(object notice)
    {
        switch (notice)
        {
            case CommittedGroup group:
                foreach (var gateway in group.Gateways)
                {
                    HandleGateway(gateway);
                }

                break;
            case CommandTarget[] targets:
                foreach (var target in targets)
                {
                    Publish(new LiveMessage { Kind = LiveKinds.Commands, GatewayId = target.Gateway, Town = _assets.TownOf(target.Gateway), Command = target });
                }

                break;
        }
    }

    private void HandleGateway(CommittedGateway committed)
    {
        var state = committed.State;
        var town = _assets.TownOf(state.Id);
        var change = committed.Births > 0 ? "birth"
            : committed.Deaths > 0 ? "death"
            : committed.WasOnline != state.Online ? (state.Online ? "online" : "offline")
            : null;
        var gatewayMessage = change is null ? null : new LiveMessage
        {
            Kind = LiveKinds.Gateways,
            GatewayId = state.Id,
            Town = town,
            Gateway = new LiveGatewayChange(change, state.Online, state.Epoch, state.BufferId, state.LastSeenUnixMs, state.SoftwareVersion),
        };

        // A birth comes before what it made possible; a death or reset after what came with it.
        if (gatewayMessage is not null && state.Online)
        {
            Publish(gatewayMessage);
        }

        if (committed.ChangedLatest.Count > 0)
        {
            var catalogue = CatalogueOf(state);
            Publish(new LiveMessage
            {
                Kind = LiveKinds.Values,
                GatewayId = state.Id,
                Town = town,
                Values = [.. committed.ChangedLatest.OrderBy(v => v.Alias).Select(v => new LivePoint(catalogue.GetValueOrDefault(v.Alias), v))],
            });
        }

        PublishEvents(committed, town);
        if (gatewayMessage is not null && !state.Online)
        {
            Publish(gatewayMessage);
        }
    }

    private void PublishEvents(CommittedGateway committed, string? town)
    {
        var state = committed.State;
        var catalogue = committed.EventBatches.Count == 0 ? null : CatalogueOf(state);
        foreach (var batch in committed.EventBatches)
        {
            _scratch.Clear();
            if (!batch.TryReadReadings(_scratch))
            {
                continue;
            }

            foreach (var reading in _scratch.OrderBy(r => r.TimestampUnixMs))
            {
                var point = catalogue!.GetValueOrDefault(reading.Alias);
                var quality = batch.IsOutOfWindow(reading.TimestampUnixMs) ? Quality.TimestampOutOfWindow : reading.Quality;
                Publish(new LiveMessage
                {
                    Kind = LiveKinds.Events,
                    GatewayId = state.Id,
                    Town = town,
                    Event = new LiveEvent(point?.Id, reading.Alias, point?.Device ?? string.Empty, reading.TimestampUnixMs, reading.Value, quality),
                });
            }
        }

        foreach (var centralEvent in committed.CentralEvents)
        {
            Publish(new LiveMessage
            {
                Kind = LiveKinds.Events,
                GatewayId = state.Id,
                Town = town,
                Event = new LiveEvent(centralEvent.Point, 0, CentralDevice, centralEvent.TimestampUnixMs, PointValue.FromText(centralEvent.Text), Quality.Good),
            });
        }
    }

    /// <summary>The gateway's catalogue by alias, made once per published catalogue.</summary>
    private Dictionary<uint, CataloguePoint> CatalogueOf(GatewayState state) =>
        _catalogues.GetValue(state.Catalogue, static c => c.GroupBy(p => p.Alias).ToDictionary(g => g.Key, g => g.First()));

    /// <summary>Numbers the message, keeps it for resuming and offers it to every client it concerns.</summary>
    private void Publish(LiveMessage message)
    {
        lock (_gate)
        {
            message.Seq = ++_seq;
            _ring.Enqueue(message);
            _ringWeight += message.Weight;
            while (_ringWeight > _settings.ResumeItems && _ring.Count > 1)
            {
                _ringWeight -= _ring.Dequeue().Weight;
            }

            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Filter.Matches(message) && !subscriber.TryOffer(message))
                {
                    _subscribers.RemoveAt(i);
                    subscriber.Drop(ResetMessage("slow-client", $"this client let more than {_settings.ClientBuffer} messages pile up and was dropped; re-read through the REST API, then reconnect."));
                    Interlocked.Increment(ref _droppedSlow);
                    LogDropped(_logger, _settings.ClientBuffer);
                }
            }
        }

        Interlocked.Increment(ref _published);
    }

    private void CloseAll()
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Close();
            }

            _subscribers.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream client dropped: more than {Buffer} messages waited for it (Central:Stream:ClientBuffer)")]
    private static partial void LogDropped(ILogger logger, int buffer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live stream fell behind: {Count} notices lost (hand-over queue of {Capacity} full); clients get an overflow reset")]
    private static partial void LogLost(ILogger logger, long count, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live stream: a {Notice} could not be turned into messages; clients get a reset")]
    private static partial void LogNoticeFailed(ILogger logger, string notice, Exception exception);
}
