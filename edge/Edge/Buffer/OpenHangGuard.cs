using System.Diagnostics;

namespace City.Edge.Buffer;

/// <summary>
/// Decides when opening and checking a buffer file has hung (LiteDB can loop forever on a damaged page chain), so that
/// the file is salvaged instead of the edge never starting. The measure is the process's CPU time, not the wall clock:
/// a starved cabinet CPU makes the open slow without making it stuck, and salvaging a healthy buffer raises a false
/// damage alarm (the fault campaigns saw 4 of 31 restarts do that under a 5 s wall limit at load 50-100). A loop burns
/// CPU and runs out of the CPU budget, which grows with the file (the full check decodes every batch); a read blocked
/// in the kernel burns none and is caught by the wall limit, far longer than any healthy open.
/// </summary>
internal static class OpenHangGuard
{
    public static readonly TimeSpan BaseCpuBudget = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CpuPerMegabyte = TimeSpan.FromMilliseconds(125);
    public static readonly TimeSpan WallLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static TimeSpan CpuBudget(long fileBytes) => BaseCpuBudget + CpuPerMegabyte * (Math.Max(0, fileBytes) / (double)(1 << 20));

    public static bool HasHung(TimeSpan cpuSpent, TimeSpan wallElapsed, long fileBytes) =>
        cpuSpent > CpuBudget(fileBytes) || wallElapsed > WallLimit;

    /// <summary>Waits for <paramref name="open"/>; throws <see cref="TimeoutException"/> once it looks hung.</summary>
    public static T Wait<T>(Task<T> open, long fileBytes)
    {
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        var started = Stopwatch.GetTimestamp();
        while (!open.Wait(PollInterval))
        {
            var cpu = Environment.CpuUsage.TotalTime - cpuAtStart;
            var wall = Stopwatch.GetElapsedTime(started);
            if (HasHung(cpu, wall, fileBytes))
            {
                throw new TimeoutException($"opening and checking the buffer ({fileBytes} bytes) used {cpu.TotalSeconds:0.0} s of CPU in " +
                    $"{wall.TotalSeconds:0.0} s without finishing (limits: {CpuBudget(fileBytes).TotalSeconds:0.0} s of CPU, {WallLimit.TotalMinutes:0} min)");
            }
        }

        return open.Result;
    }
}
