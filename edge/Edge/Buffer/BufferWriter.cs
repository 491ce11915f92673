using System.Threading.Channels;
using City.Contract;
using City.Edge.Configuration;
using City.Edge.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Edge.Buffer;

/// <summary>The bounded queue between the pollers and the buffer writer (full means the pollers wait: backpressure).</summary>
internal sealed class ReadingQueue
{
    public const int DefaultCapacity = 100_000;

    /// <param name="capacity">Readings the queue holds before writers wait.</param>
    /// <param name="clock">When given, every reading written is marked by it (the edge's one place for that).</param>
    public ReadingQueue(int capacity = DefaultCapacity, ClockGuard? clock = null)
    {
        Channel = System.Threading.Channels.Channel.CreateBounded<Reading>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        Clock = clock;
        Writer = clock is null ? Channel.Writer : new ClockMarkingWriter(Channel.Writer, clock);
    }

    public ClockGuard? Clock { get; }

    public Channel<Reading> Channel { get; }

    /// <summary>Where the pollers write; readings pass the <see cref="Clock"/> guard on the way in.</summary>
    public ChannelWriter<Reading> Writer { get; }

    public ChannelReader<Reading> Reader => Channel.Reader;
}

/// <summary>A channel writer that lets its <see cref="ClockGuard"/> mark each reading before it is queued.</summary>
internal sealed class ClockMarkingWriter(ChannelWriter<Reading> inner, ClockGuard clock) : ChannelWriter<Reading>
{
    public override bool TryComplete(Exception? error = null) => inner.TryComplete(error);

    public override bool TryWrite(Reading item) => inner.TryWrite(clock.Mark(item));

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);

    public override ValueTask WriteAsync(Reading item, CancellationToken cancellationToken = default) => inner.WriteAsync(clock.Mark(item), cancellationToken);
}

/// <summary>
/// Drains the reading queue into the buffer: every FlushIntervalMs, or as soon as MaxReadingsPerBatch readings are
/// waiting, the readings become batches committed together (group commit). On a storage failure the readings stay in
/// memory and the commit is retried (the queue fills up and the pollers slow down rather than lose data silently). A full
/// disk is not such a failure: the buffer counts those readings as dropped and keeps taking new ones (see BatchBuffer).
/// </summary>
internal sealed partial class BufferWriter(
    BatchBuffer buffer,
    ReadingQueue queue,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<BufferWriter> logger,
    LoopLiveness? liveness = null) : BackgroundService
{
    /// <summary>At most this many batches go into one transaction.</summary>
    public const int MaxBatchesPerCommit = 32;

    /// <summary>An idle writer wakes this often to beat its watchdog heartbeat.</summary>
    private static readonly TimeSpan IdleBeat = TimeSpan.FromSeconds(1);

    /// <summary>The longest retry delay of a failed commit (a retrying writer is alive: it beats at every attempt).</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(5000);

    private readonly BufferOptions _options = options.Value.Buffer;
    private readonly LoopLiveness _liveness = liveness ?? new LoopLiveness(time);
    private readonly SteadyClock _steady = new(time);
    private LoopHeartbeat? _heartbeat;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new List<Reading>();
        var interval = TimeSpan.FromMilliseconds(_options.FlushIntervalMs);
        var perBatch = _options.MaxReadingsPerBatch;
        var perCommit = perBatch * MaxBatchesPerCommit;
        var reader = queue.Reader;

        // A cycle lasts at most the flush interval plus a commit's retry delay; the heartbeat allows for both.
        using var heartbeat = _liveness.Register("buffer writer", interval + MaxRetryDelay + IdleBeat);
        _heartbeat = heartbeat;

        // One wait at a time: a wait that timed out is kept and awaited again rather than abandoned.
        Task<bool>? wait = null;
        try
        {
            while (true)
            {
                heartbeat.Beat();
                if (pending.Count == 0)
                {
                    wait ??= reader.WaitToReadAsync(stoppingToken).AsTask();
                    bool more;
                    try
                    {
                        more = await wait.WaitAsync(IdleBeat, time, stoppingToken).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        // Idle, not stuck: nothing came in for a while.
                        continue;
                    }

                    wait = null;
                    if (!more)
                    {
                        break;
                    }
                }

                var deadline = _steady.Now + interval;
                while (true)
                {
                    while (pending.Count < perCommit && reader.TryRead(out var reading))
                    {
                        pending.Add(reading);
                    }

                    var remaining = deadline - _steady.Now;
                    if (pending.Count >= perBatch || remaining <= TimeSpan.Zero)
                    {
                        break;
                    }

                    wait ??= reader.WaitToReadAsync(stoppingToken).AsTask();
                    try
                    {
                        var more = await wait.WaitAsync(remaining, time, stoppingToken).ConfigureAwait(false);
                        wait = null;
                        if (!more)
                        {
                            break;
                        }
                    }
                    catch (TimeoutException)
                    {
                        break;
                    }
                }

                // Full batches go now; a partial one only when its time is up.
                var flushAll = _steady.Now >= deadline || reader.Completion.IsCompleted;
                await FlushAsync(pending, flushAll, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: keep what is left below.
        }

        // The pollers stop before this service (reverse start order): whatever is queued now is final.
        while (reader.TryRead(out var reading))
        {
            pending.Add(reading);
        }

        if (pending.Count > 0)
        {
            // A cancelled token: one attempt, no retry loop at shutdown.
            await FlushAsync(pending, flushAll: true, new CancellationToken(canceled: true)).ConfigureAwait(false);
        }
    }

    /// <summary>Commits the pending readings (all of them, or only full batches), retrying on storage failures.</summary>
    internal async Task FlushAsync(List<Reading> pending, bool flushAll, CancellationToken cancellationToken)
    {
        var perBatch = _options.MaxReadingsPerBatch;
        var take = flushAll ? pending.Count : pending.Count / perBatch * perBatch;
        if (take == 0)
        {
            return;
        }

        var groups = new List<IReadOnlyList<Reading>>();
        for (var i = 0; i < take; i += perBatch)
        {
            groups.Add(pending.GetRange(i, Math.Min(perBatch, take - i)));
        }

        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            _heartbeat?.Beat();
            try
            {
                var result = buffer.Append(groups);
                if (result.ReadingsDropped > 0 && !buffer.IsDiskFull)
                {
                    // (A full disk is logged by the buffer itself, with its retry delay: not at every flush.)
                    LogDropped(logger, result.ReadingsDropped, result.BatchesEvicted, buffer.MaxBytes);
                }

                pending.RemoveRange(0, take);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCommitFailed(logger, ex, take, delay.TotalMilliseconds);
                if (cancellationToken.IsCancellationRequested)
                {
                    // Shutting down with a broken store: nothing more can be done; count them and say how many.
                    buffer.CountDropped(take);
                    pending.RemoveRange(0, take);
                    LogLostAtShutdown(logger, take);
                    return;
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, MaxRetryDelay.TotalMilliseconds));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Buffer full: dropped {Readings} readings ({Batches} oldest batches evicted) to stay within {MaxBytes} bytes")]
    private static partial void LogDropped(ILogger logger, long readings, int batches, long maxBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Readings} readings to the buffer failed; retrying in {DelayMs} ms")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int readings, double delayMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stopping with {Readings} readings that could not be committed to the buffer (counted as dropped)")]
    private static partial void LogLostAtShutdown(ILogger logger, int readings);
}
