using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Buffer;

/// <summary>
/// Marks readings taken while the edge's clock is known bad with <see cref="Quality.ClockUnsynced"/>: a timestamp
/// before <see cref="NotBefore"/> (a clock never set: an RTC without battery starts at 1970 or 2000), or a reading
/// within <see cref="SettleTime"/> of a jump (the wall clock moved against the monotonic clock between two readings).
/// Every reading passes here on its way to the buffer (<see cref="ReadingQueue.Writer"/>); a reading that already
/// carries a problem quality keeps it.
/// </summary>
internal sealed partial class ClockGuard
{
    /// <summary>The first release date of this software: no reading of it can be older. Raise it with each release.</summary>
    public static readonly DateTimeOffset NotBefore = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far the wall clock may move against the monotonic clock between two readings, plus <see cref="DriftAllowance"/>.</summary>
    public static readonly TimeSpan JumpThreshold = TimeSpan.FromSeconds(1);

    /// <summary>How long readings stay marked after a jump: the clock must run steady this long to be believed again.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(60);

    /// <summary>NTP slews a clock by at most 500 ppm; twice that per elapsed time is drift, not a jump.</summary>
    private const double DriftAllowance = 0.001;

    private static readonly long NotBeforeUnixMs = NotBefore.ToUnixTimeMilliseconds();

    /// <summary>Readings closer together than this reuse the last verdict on the clock (the wall clock is read less often).</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(10);

    private readonly long _checkIntervalTicks;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _judgeTimestamps;
    private readonly Lock _gate = new();
    private bool _hasLast;
    private DateTimeOffset _lastWall;
    private long _lastTimestamp;
    private long? _settledAtTimestamp;
    private bool _marking;
    private long _readingsMarked;

    /// <param name="time">The real clock.</param>
    /// <param name="logger">Where marking starts and stops are said.</param>
    /// <param name="judgeTimestamps">
    /// False when some readings carry the timestamps of a scaled clock (Edge:Clock, tests and demos), which may lie anywhere:
    /// only the real clock is judged then.
    /// </param>
    public ClockGuard(TimeProvider time, ILogger? logger = null, bool judgeTimestamps = true)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _judgeTimestamps = judgeTimestamps;
        _logger = logger ?? NullLogger.Instance;
        _checkIntervalTicks = (long)(CheckInterval.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Readings marked since start.</summary>
    public long ReadingsMarked => Interlocked.Read(ref _readingsMarked);

    /// <summary>The reading, with <see cref="Quality.ClockUnsynced"/> instead of GOOD when the clock is known bad.</summary>
    public Reading Mark(Reading reading)
    {
        var timestamp = _time.GetTimestamp();
        if (Volatile.Read(ref _hasLast) && timestamp - Volatile.Read(ref _lastTimestamp) < _checkIntervalTicks)
        {
            // A burst of readings (one poll cycle): the clock was checked a moment ago.
            return Volatile.Read(ref _marking) || TooOld(reading) ? MarkBad(reading) : reading;
        }

        var wall = _time.GetUtcNow();
        bool bad;
        TimeSpan jump = TimeSpan.Zero;
        bool startedMarking, stoppedMarking;
        lock (_gate)
        {
            if (_hasLast)
            {
                var steady = _time.GetElapsedTime(_lastTimestamp, timestamp);
                var moved = wall - _lastWall;
                var difference = moved - steady;
                if (difference.Duration() > JumpThreshold + (steady * DriftAllowance))
                {
                    jump = difference;
                    _settledAtTimestamp = timestamp + (long)(SettleTime.TotalSeconds * _time.TimestampFrequency);
                }
            }

            _lastWall = wall;
            Volatile.Write(ref _lastTimestamp, timestamp);
            Volatile.Write(ref _hasLast, true);
            if (_settledAtTimestamp is { } settled && timestamp >= settled)
            {
                _settledAtTimestamp = null;
            }

            bad = TooOld(reading) || wall.ToUnixTimeMilliseconds() < NotBeforeUnixMs || _settledAtTimestamp is not null;
            startedMarking = bad && !_marking;
            stoppedMarking = !bad && _marking;
            Volatile.Write(ref _marking, bad);
        }

        if (jump != TimeSpan.Zero)
        {
            LogJump(_logger, jump.TotalSeconds, wall, SettleTime.TotalSeconds);
        }

        if (startedMarking)
        {
            LogMarking(_logger, wall, NotBefore);
        }
        else if (stoppedMarking)
        {
            LogPlausible(_logger, wall);
        }

        return bad ? MarkBad(reading) : reading;
    }

    private bool TooOld(Reading reading) => _judgeTimestamps && reading.TimestampUnixMs < NotBeforeUnixMs;

    private Reading MarkBad(Reading reading)
    {
        if (reading.Quality != Quality.Good)
        {
            return reading;
        }

        Interlocked.Increment(ref _readingsMarked);
        return reading with { Quality = Quality.ClockUnsynced };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The wall clock jumped by {Seconds:F1} s against the monotonic clock (now {Now:o}); readings are marked CLOCK_UNSYNCED until it has run steady for {Settle} s")]
    private static partial void LogJump(ILogger logger, double seconds, DateTimeOffset now, double settle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The clock is not trustworthy (now {Now:o}; no reading can be older than {NotBefore:yyyy-MM-dd}, or it just jumped): readings are marked CLOCK_UNSYNCED")]
    private static partial void LogMarking(ILogger logger, DateTimeOffset now, DateTimeOffset notBefore);

    [LoggerMessage(Level = LogLevel.Information, Message = "The clock is plausible again (now {Now:o}): readings are no longer marked CLOCK_UNSYNCED")]
    private static partial void LogPlausible(ILogger logger, DateTimeOffset now);
}
