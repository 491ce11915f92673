using System.Diagnostics;
using System.Globalization;
using System.Net;
using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Benchmarks.Snmp;

/// <summary>
/// <c>priority-set --port P [--community C] [--mode sequential|burst] [--requests N] [--rate R] [--bursts B] [--burst S]</c>:
/// the baseline of benchmarks/priority-ack.sh. The same NTCIP 1211 prgPriorityRequest SET the edge sends, straight to the
/// controller with <see cref="SnmpManager"/>, timed from just before the SET to its answer; each request is then cancelled
/// and cleared (not timed), as the edge does when the bus checks out. The patterns are the script's: one request at a time
/// at RATE per second, or bursts of S requests at once (each timed from the burst's start, as the edge times a burst's
/// requests from their arrival). One cold request first, counted, as the script's warm-up bus is. Prints one JSON line.
/// </summary>
internal static class PrioritySetCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        int port = SnmpBenchSetup.IntOption(args, "--port", 16161);
        string community = SnmpBenchSetup.Option(args, "--community", "private");
        string mode = SnmpBenchSetup.Option(args, "--mode", "sequential");
        int requests = SnmpBenchSetup.IntOption(args, "--requests", 500);
        double rate = double.Parse(SnmpBenchSetup.Option(args, "--rate", "20"), CultureInfo.InvariantCulture);
        int bursts = SnmpBenchSetup.IntOption(args, "--bursts", 20);
        int burst = SnmpBenchSetup.IntOption(args, "--burst", 20);
        var target = SnmpTarget.V2c(new IPEndPoint(IPAddress.Loopback, port), community) with { Timeout = TimeSpan.FromSeconds(2), Retries = 0 };
        await using var manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        var samples = new List<double>();
        int failures = 0;
        int sequence = 0;

        async Task<PriorityRequestKey?> RequestAsync(long start)
        {
            int n = sequence++;
            var key = new PriorityRequestKey((byte)(1 + (n % 255)), $"BASE-{n}", 3, 1, (byte)(1 + (n % 8)));
            try
            {
                await manager.SetAsync(target, [Ntcip1211VarBinds.Request(new PriorityRequestMessage(key, 15, 25))]).ConfigureAwait(false);
            }
            catch (SnmpException ex)
            {
                Console.Error.WriteLine($"request {key.VehicleId}: {ex.Message}");
                Interlocked.Increment(ref failures);
                return null;
            }

            lock (samples)
            {
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return key;
        }

        async Task EndAsync(PriorityRequestKey? key)
        {
            if (key is not null)
            {
                await manager.SetAsync(target, [Ntcip1211VarBinds.Cancel(key)]).ConfigureAwait(false);
                await manager.SetAsync(target, [Ntcip1211VarBinds.Clear(key)]).ConfigureAwait(false);
            }
        }

        await EndAsync(await RequestAsync(Stopwatch.GetTimestamp()).ConfigureAwait(false)).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        if (mode == "sequential")
        {
            var period = TimeSpan.FromSeconds(1 / rate);
            for (int i = 0; i < requests; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await EndAsync(await RequestAsync(start).ConfigureAwait(false)).ConfigureAwait(false);
                var left = period - Stopwatch.GetElapsedTime(start);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left).ConfigureAwait(false);
                }
            }
        }
        else
        {
            for (int b = 0; b < bursts; b++)
            {
                long start = Stopwatch.GetTimestamp();
                var keys = await Task.WhenAll(Enumerable.Range(0, burst).Select(_ => RequestAsync(start))).ConfigureAwait(false);
                foreach (var key in keys)
                {
                    await EndAsync(key).ConfigureAwait(false);
                }

                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
        }

        samples.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"mode\":\"{mode}\",\"count\":{samples.Count},\"failures\":{failures},\"medianMs\":{Percentile(samples, 0.5):F3},\"p95Ms\":{Percentile(samples, 0.95):F3},\"maxMs\":{(samples.Count == 0 ? 0 : samples[^1]):F3}}}"));
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Nearest-rank percentile, as the edge's <c>edgectl priority</c> figures are.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
