namespace City.Edge.Hosting;

/// <summary>
/// The loops whose progress the systemd watchdog vouches for (each device poller, the buffer writer, the forwarder). A loop
/// registers with the longest quiet time its own work allows (<paramref name="period"/> of <see cref="Register"/>: a poll
/// period, a reconnect delay), beats whenever it has made progress, and disposes its heartbeat when it ends (a poller
/// rebuilt on a reload unregisters the old one and registers anew). A loop is stalled when it has not beaten for its period
/// plus the registry's grace; while any loop is stalled, <see cref="SystemdNotifier"/> withholds WATCHDOG=1 and systemd
/// restarts the edge once WatchdogSec has passed.
/// </summary>
internal sealed class LoopLiveness(TimeProvider time, TimeSpan grace)
{
    /// <summary>Added to every loop's own period: slack for a loaded machine, a slow disk, a long cycle on a shared serial line.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private readonly List<LoopHeartbeat> _loops = [];

    public LoopLiveness(TimeProvider time)
        : this(time, DefaultGrace)
    {
    }

    public TimeSpan Grace { get; } = grace;

    /// <summary>Registers a loop; it counts as having beaten now. Names need not be unique (they only label the log).</summary>
    public LoopHeartbeat Register(string name, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        var heartbeat = new LoopHeartbeat(this, name, period + Grace, time);
        lock (_gate)
        {
            _loops.Add(heartbeat);
        }

        return heartbeat;
    }

    /// <summary>The names of the registered loops.</summary>
    public IReadOnlyList<string> Loops
    {
        get
        {
            lock (_gate)
            {
                return _loops.Select(l => l.Name).ToList();
            }
        }
    }

    /// <summary>The loops that have not beaten within their allowance, with how long they have been quiet; empty when all are alive.</summary>
    public IReadOnlyList<(string Name, TimeSpan Quiet)> Stalled()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _loops
                .Select(l => (l.Name, Quiet: now - l.LastBeat, l.Allowance))
                .Where(l => l.Quiet > l.Allowance)
                .Select(l => (l.Name, l.Quiet))
                .ToList();
        }
    }

    internal void Unregister(LoopHeartbeat heartbeat)
    {
        lock (_gate)
        {
            _loops.Remove(heartbeat);
        }
    }
}

/// <summary>One registered loop of <see cref="LoopLiveness"/>: <see cref="Beat"/> on progress, dispose when the loop ends.</summary>
internal sealed class LoopHeartbeat : IDisposable
{
    private readonly LoopLiveness _registry;
    private readonly TimeProvider _time;
    private long _lastBeatTicks;

    internal LoopHeartbeat(LoopLiveness registry, string name, TimeSpan allowance, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        Name = name;
        Allowance = allowance;
        Beat();
    }

    public string Name { get; }

    /// <summary>How long the loop may stay quiet before it counts as stalled (its period plus the registry's grace).</summary>
    public TimeSpan Allowance { get; }

    public DateTimeOffset LastBeat => new(Interlocked.Read(ref _lastBeatTicks), TimeSpan.Zero);

    /// <summary>The loop has made progress (cheap: one interlocked write; call it as often as convenient).</summary>
    public void Beat() => Interlocked.Exchange(ref _lastBeatTicks, _time.GetUtcNow().UtcTicks);

    public void Dispose() => _registry.Unregister(this);
}
