using System.Globalization;

namespace City.Edge.Hosting;

/// <summary>
/// A test seam, not a setting: when the environment variable <see cref="Variable"/> names a file, the edge's wall clock
/// (<see cref="TimeProvider.GetUtcNow"/> of the time provider every loop is given) is the system's plus the number of
/// seconds that file holds ("-3600", "300", "-1764000000"), read again at most every <see cref="RereadInterval"/>; the
/// monotonic clock, timers and waits stay the system's. That is what an NTP step or a technician setting the clock does
/// to a running process, and the end-to-end chaos tests step a real edge's clock with it. It lives in the environment,
/// not in the configuration files or the command line (nothing a configuration push or a typo can turn on), and the edge
/// logs a warning at start whenever it is set. Debian's libfaketime would need no seam, but preloaded into the .NET
/// process it broke the buffer's LiteDB file on a fresh start (tried with faketime 0.9.10).
/// </summary>
internal sealed class TestWallClockOffset : TimeProvider
{
    public const string Variable = "CITY_EDGE_TEST_CLOCK_OFFSET_FILE";

    public static readonly TimeSpan RereadInterval = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private long _readAtTimestamp;
    private TimeSpan _offset;
    private bool _read;

    private TestWallClockOffset(string file) => OffsetFile = file;

    public string OffsetFile { get; }

    /// <summary>The seam when <see cref="Variable"/> is set, else null (the system clock is used as is).</summary>
    public static TestWallClockOffset? FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } file ? new TestWallClockOffset(Path.GetFullPath(file)) : null;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset();

    private TimeSpan Offset()
    {
        var now = System.GetTimestamp();
        lock (_gate)
        {
            if (_read && System.GetElapsedTime(_readAtTimestamp, now) < RereadInterval)
            {
                return _offset;
            }

            _readAtTimestamp = now;
            _read = true;
            string text;
            try
            {
                text = global::System.IO.File.ReadAllText(OffsetFile);
            }
            catch (FileNotFoundException)
            {
                // No file: no offset (the test has not written one yet, or removed it).
                _offset = TimeSpan.Zero;
                return _offset;
            }

            // The test replaces the file by a rename, so a read sees the old number or the new one; anything else is a test bug.
            _offset = TimeSpan.FromSeconds(double.Parse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture));
            return _offset;
        }
    }
}
