using System.Diagnostics;
using System.Globalization;
using System.Net;
using City.Protocols.Snmp;

namespace City.Benchmarks.Snmp;

/// <summary>
/// <c>snmp-walk --port P --max-repetitions N [--v3] [--repeat K] [--oid OID]</c>: walks the table with SnmpManager
/// (GETBULK) and prints one line per walk with its Stopwatch time. Walk 1 pays JIT warm-up and, in v3, engine discovery
/// and key localization, as a fresh snmpbulkwalk process does; later walks in the same process do not.
/// </summary>
internal static class SnmpWalkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        int port = SnmpBenchSetup.IntOption(args, "--port", 16161);
        int maxRepetitions = SnmpBenchSetup.IntOption(args, "--max-repetitions", 25);
        int repeat = SnmpBenchSetup.IntOption(args, "--repeat", 1);
        var root = Oid.Parse(SnmpBenchSetup.Option(args, "--oid", SnmpBenchSetup.TableEntry.ToString()));
        bool v3 = args.Contains("--v3");
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        SnmpTarget target = v3 ? SnmpTarget.V3(endPoint, SnmpBenchSetup.CreateUser()) : SnmpTarget.V2c(endPoint, SnmpBenchSetup.Community);

        await using SnmpManager manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        for (int walk = 1; walk <= repeat; walk++)
        {
            long start = Stopwatch.GetTimestamp();
            int count = 0;
            await foreach (VarBind _ in manager.WalkAsync(target, root, maxRepetitions).ConfigureAwait(false))
            {
                count++;
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"walk {walk} {(v3 ? "v3" : "v2c")} max-repetitions={maxRepetitions} varbinds={count} ms={elapsed.TotalMilliseconds:F1}"));
        }

        if (manager.DroppedDatagrams > 0 || manager.LastTransportError is not null)
        {
            Console.Error.WriteLine($"dropped datagrams: {manager.DroppedDatagrams}; last transport error: {manager.LastTransportError}");
        }

        return 0;
    }
}
