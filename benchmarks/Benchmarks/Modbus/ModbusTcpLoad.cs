using System.Diagnostics;
using System.Globalization;
using System.Net;
using City.Protocols.Modbus;

namespace City.Benchmarks.Modbus;

/// <summary>
/// `modbus-tcp`: transactions per second of our <see cref="ModbusTcpClient"/> against a Modbus TCP slave in another
/// process: FC03 of --count registers, one request in flight per client (the client does not pipeline), --clients clients
/// each on its own connection. A warm-up, then --seconds of measurement. Also reports latency percentiles and the bytes
/// this process allocated per request (GC.GetTotalAllocatedBytes over the measured window: client, sockets, runtime).
/// </summary>
internal static class ModbusTcpLoad
{
    // Latency histogram: 1 µs buckets up to 200 ms; slower requests land in the last bucket.
    private const int HistogramBuckets = 200_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = CommandArguments.Parse(
            args, ["--host", "--port", "--seconds", "--warmup-seconds", "--unit", "--address", "--count", "--clients", "--label"], ["--returning-array"]);
        string host = a.Text("--host", "127.0.0.1");
        int port = a.Int("--port", 5020, 1, 65535);
        double seconds = a.Double("--seconds", 10, 0.1);
        double warmupSeconds = a.Double("--warmup-seconds", 1, 0);
        byte unit = (byte)a.Int("--unit", 1, 0, 255);
        ushort address = (ushort)a.Int("--address", 0, 0, 65535);
        ushort count = (ushort)a.Int("--count", 10, 1, ModbusPdu.MaxReadRegisters);
        int clients = a.Int("--clients", 1, 1, 1024);
        bool returningArray = a.Has("--returning-array");
        if (a.Error is not null || !IPAddress.TryParse(host, out IPAddress? ip))
        {
            Console.Error.WriteLine(a.Error ?? $"modbus-tcp: --host must be an IP address, not '{host}'");
            Console.Error.WriteLine("usage: modbus-tcp --port P [--host 127.0.0.1] [--seconds 10] [--warmup-seconds 1] [--unit 1] [--address 0] [--count 10] [--clients 1] [--returning-array] [--label NAME]");
            return 2;
        }

        string label = a.Text("--label", clients == 1 ? "ours" : $"ours-{clients}-clients");
        var endPoint = new IPEndPoint(ip, port);
        var workers = new Worker[clients];
        for (int i = 0; i < clients; i++)
        {
            workers[i] = new Worker(new ModbusTcpClient(endPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }), unit, address, count, returningArray);
        }

        try
        {
            await RunPhaseAsync(workers, TimeSpan.FromSeconds(warmupSeconds)).ConfigureAwait(false);
            foreach (Worker worker in workers)
            {
                worker.ResetCounts();
            }

            int gen0 = GC.CollectionCount(0);
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            await RunPhaseAsync(workers, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            int collections = GC.CollectionCount(0) - gen0;

            long transactions = workers.Sum(w => w.Transactions);
            long[] histogram = new long[HistogramBuckets];
            foreach (Worker worker in workers)
            {
                for (int i = 0; i < HistogramBuckets; i++)
                {
                    histogram[i] += worker.Histogram[i];
                }
            }

            var inv = CultureInfo.InvariantCulture;
            double tps = transactions / elapsed;
            Console.WriteLine(string.Create(inv,
                $"{label}: {transactions} transactions in {elapsed:F2} s = {tps:F0}/s; latency p50 {Percentile(histogram, transactions, 0.50)} us, p99 {Percentile(histogram, transactions, 0.99)} us; allocated {(double)allocated / transactions:F1} B/request, {collections} gen0 GCs; client CPU {cpu.TotalSeconds:F2} s"));
            Console.WriteLine(string.Create(inv,
                $"RESULT client={label} transactions={transactions} seconds={elapsed:F3} tps={tps:F1} p50_us={Percentile(histogram, transactions, 0.50)} p99_us={Percentile(histogram, transactions, 0.99)} bytes_per_request={(double)allocated / transactions:F1} cpu_s={cpu.TotalSeconds:F2}"));
            return 0;
        }
        finally
        {
            foreach (Worker worker in workers)
            {
                await worker.Client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task RunPhaseAsync(Worker[] workers, TimeSpan duration)
    {
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(workers.Select(w => Task.Run(() => w.RunUntilAsync(end)))).ConfigureAwait(false);
    }

    private static long Percentile(long[] histogram, long total, double fraction)
    {
        long rank = (long)Math.Ceiling(total * fraction);
        long seen = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank)
            {
                return i;
            }
        }

        return histogram.Length - 1;
    }

    private sealed class Worker(ModbusTcpClient client, byte unit, ushort address, ushort count, bool returningArray)
    {
        private readonly ushort[] _destination = new ushort[count];

        public ModbusTcpClient Client { get; } = client;

        public long[] Histogram { get; } = new long[HistogramBuckets];

        public long Transactions { get; private set; }

        public void ResetCounts()
        {
            Array.Clear(Histogram);
            Transactions = 0;
        }

        public async Task RunUntilAsync(long endTimestamp)
        {
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                if (start >= endTimestamp)
                {
                    return;
                }

                if (returningArray)
                {
                    await Client.ReadHoldingRegistersAsync(unit, address, count).ConfigureAwait(false);
                }
                else
                {
                    await Client.ReadHoldingRegistersAsync(unit, address, _destination).ConfigureAwait(false);
                }

                long micros = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
                Histogram[Math.Min(micros, HistogramBuckets - 1)]++;
                Transactions++;
            }
        }
    }
}
