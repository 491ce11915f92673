using System.Diagnostics;
using System.Runtime.InteropServices;

namespace City.Protocols.Serial;

/// <summary>
/// Waits for serial-line gaps (RTU's t3.5, a simulator's wire time) to within tens of microseconds. <c>Task.Delay</c> on the
/// system clock wakes with the timer's millisecond granularity, up to a millisecond or more late, which is 3-4 % of an
/// exchange at 115200 baud. The bulk of a wait is a <c>Task.Delay</c>; the last 2 ms (or all of a shorter wait) block the
/// calling thread in <c>clock_nanosleep</c> on Linux (the clock of <see cref="Stopwatch"/>), elsewhere in a yielding spin.
/// On any other <see cref="TimeProvider"/> (a test's manual clock) it is <c>Task.Delay</c> on that provider.
/// </summary>
public static partial class PreciseDelay
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private static readonly TimeSpan BlockingPart = TimeSpan.FromMilliseconds(2);

    public static ValueTask WaitAsync(TimeSpan wait, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (wait <= TimeSpan.Zero)
        {
            return ValueTask.CompletedTask;
        }

        return timeProvider == TimeProvider.System
            ? WaitOnSystemClockAsync(Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency), wait, cancellationToken)
            : new ValueTask(Task.Delay(wait, timeProvider, cancellationToken));
    }

    private static async ValueTask WaitOnSystemClockAsync(long until, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait > BlockingPart)
        {
            await Task.Delay(wait - BlockingPart, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        SleepUntil(until);
    }

    private static unsafe void SleepUntil(long until)
    {
        // Stopwatch reads CLOCK_MONOTONIC in nanoseconds on Linux: sleep to that absolute instant.
        if (OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000 && Environment.Is64BitProcess)
        {
            var deadline = new TimeSpec { Seconds = until / 1_000_000_000, Nanoseconds = until % 1_000_000_000 };
            while (ClockNanosleep(ClockMonotonic, TimerAbsoluteTime, &deadline, null) == 4)
            {
                // EINTR: a signal; sleep on to the same instant.
            }

            return;
        }

        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < until)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static unsafe partial int ClockNanosleep(int clockId, int flags, TimeSpec* request, TimeSpec* remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
