using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Modbus;

namespace City.Benchmarks.Modbus;

/// <summary>
/// `modbus-tcp`: transactions per second of our <see cref="ModbusTcpClient"/> against a Modbus TCP slave in another
/// process: FC03 of --count registers, one request in flight per client (the client does not pipeline), --clients clients
/// each on its own connection. A warm-up, then --seconds of measurement. Also reports latency percentiles and the bytes
/// this process allocated per request (GC.GetTotalAllocatedBytes over the measured window: client, sockets, runtime).
/// --client socket-sync | socket-async are diagnostics, not products: the same request sent with our codec straight over a
/// <see cref="Socket"/> (blocking calls, or awaited ValueTask calls without timeout or cancellation), to tell the cost of
/// <see cref="ModbusTcpClient"/>'s machinery from the cost of the socket round trip. --allocation-profile samples the
/// allocated types (<see cref="AllocationSampler"/>).
/// </summary>
internal static class ModbusTcpLoad
{
    // Latency histogram: 1 µs buckets up to 200 ms; slower requests land in the last bucket.
    private const int HistogramBuckets = 200_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = CommandArguments.Parse(
            args, ["--host", "--port", "--seconds", "--warmup-seconds", "--unit", "--address", "--count", "--clients", "--label", "--client"], ["--returning-array", "--allocation-profile"]);
        string host = a.Text("--host", "127.0.0.1");
        int port = a.Int("--port", 5020, 1, 65535);
        double seconds = a.Double("--seconds", 10, 0.1);
        double warmupSeconds = a.Double("--warmup-seconds", 1, 0);
        byte unit = (byte)a.Int("--unit", 1, 0, 255);
        ushort address = (ushort)a.Int("--address", 0, 0, 65535);
        ushort count = (ushort)a.Int("--count", 10, 1, ModbusPdu.MaxReadRegisters);
        int clients = a.Int("--clients", 1, 1, 1024);
        bool returningArray = a.Has("--returning-array");
        string clientKind = a.Text("--client", "modbus");
        if (a.Error is null && clientKind is not ("modbus" or "socket-sync" or "socket-async"))
        {
            Console.Error.WriteLine($"modbus-tcp: --client must be modbus, socket-sync or socket-async, not '{clientKind}'");
            return 2;
        }

        if (a.Error is not null || !IPAddress.TryParse(host, out IPAddress? ip))
        {
            Console.Error.WriteLine(a.Error ?? $"modbus-tcp: --host must be an IP address, not '{host}'");
            Console.Error.WriteLine("usage: modbus-tcp --port P [--host 127.0.0.1] [--seconds 10] [--warmup-seconds 1] [--unit 1] [--address 0] [--count 10] [--clients 1] [--returning-array] [--client modbus|socket-sync|socket-async] [--allocation-profile] [--label NAME]");
            return 2;
        }

        string label = a.Text("--label", (clientKind == "modbus" ? "ours" : clientKind) + (clients == 1 ? "" : $"-{clients}-clients"));
        var endPoint = new IPEndPoint(ip, port);
        var workers = new Worker[clients];
        for (int i = 0; i < clients; i++)
        {
            workers[i] = clientKind switch
            {
                "socket-sync" => await SocketWorker.ConnectAsync(endPoint, unit, address, count, blocking: true).ConfigureAwait(false),
                "socket-async" => await SocketWorker.ConnectAsync(endPoint, unit, address, count, blocking: false).ConfigureAwait(false),
                _ => new ModbusClientWorker(
                    new ModbusTcpClient(endPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }), unit, address, count, returningArray),
            };
        }

        using AllocationSampler? sampler = a.Has("--allocation-profile") ? new AllocationSampler() : null;
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
            sampler?.Start();
            long start = Stopwatch.GetTimestamp();
            await RunPhaseAsync(workers, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            sampler?.Stop();
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
            if (sampler is not null)
            {
                Console.WriteLine(string.Create(inv, $"  allocation samples (one per ~100 KB): {sampler.SampleCount}; by type:"));
                foreach ((string type, double share) in sampler.Top(15))
                {
                    Console.WriteLine(string.Create(inv, $"    {share,6:P1}  {type}"));
                }
            }

            return 0;
        }
        finally
        {
            foreach (Worker worker in workers)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>One connection issuing one request at a time, with its own latency histogram.</summary>
    private abstract class Worker : IAsyncDisposable
    {
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

                await RequestAsync().ConfigureAwait(false);
                long micros = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
                Histogram[Math.Min(micros, HistogramBuckets - 1)]++;
                Transactions++;
            }
        }

        public abstract ValueTask DisposeAsync();

        protected abstract ValueTask RequestAsync();
    }

    private sealed class ModbusClientWorker(ModbusTcpClient client, byte unit, ushort address, ushort count, bool returningArray) : Worker
    {
        private readonly ushort[] _destination = new ushort[count];

        public override ValueTask DisposeAsync() => client.DisposeAsync();

        protected override async ValueTask RequestAsync()
        {
            if (returningArray)
            {
                await client.ReadHoldingRegistersAsync(unit, address, count).ConfigureAwait(false);
            }
            else
            {
                await client.ReadHoldingRegistersAsync(unit, address, _destination).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Diagnostic client: our codec straight over a socket, no timeout, no cancellation, no reconnection.</summary>
    private sealed class SocketWorker : Worker
    {
        private readonly Socket _socket;
        private readonly byte _unit;
        private readonly bool _blocking;
        private readonly byte[] _request = new byte[MbapHeader.MaxAduLength];
        private readonly byte[] _response = new byte[MbapHeader.MaxAduLength * 2];
        private readonly ushort[] _registers;
        private readonly int _requestLength;
        private ushort _transactionId;

        private SocketWorker(Socket socket, byte unit, ushort address, ushort count, bool blocking)
        {
            _socket = socket;
            _unit = unit;
            _blocking = blocking;
            _registers = new ushort[count];
            ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadHoldingRegisters, address, count, _request.AsSpan(MbapHeader.Size), out int pduLength);
            _requestLength = MbapHeader.Size + pduLength;
        }

        public static async Task<Worker> ConnectAsync(IPEndPoint endPoint, byte unit, ushort address, ushort count, bool blocking)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint).ConfigureAwait(false);
                return new SocketWorker(socket, unit, address, count, blocking);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public override ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }

        protected override async ValueTask RequestAsync()
        {
            ushort transactionId = unchecked(++_transactionId);
            MbapHeader.ForPdu(transactionId, _unit, _requestLength - MbapHeader.Size).TryEncode(_request, out _);
            if (_blocking)
            {
                _socket.Send(_request.AsSpan(0, _requestLength));
            }
            else
            {
                await _socket.SendAsync(_request.AsMemory(0, _requestLength)).ConfigureAwait(false);
            }

            int received = 0;
            while (true)
            {
                int count = _blocking
                    ? _socket.Receive(_response.AsSpan(received))
                    : await _socket.ReceiveAsync(_response.AsMemory(received)).ConfigureAwait(false);
                if (count == 0)
                {
                    throw new IOException("The slave closed the connection.");
                }

                received += count;
                if (Check(received))
                {
                    return;
                }
            }
        }

        private bool Check(int received)
        {
            OperationStatus status = ModbusTcpFraming.TryReadFrame(_response.AsSpan(0, received), out ModbusTcpFrame frame, out int consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                return false;
            }

            if (status != OperationStatus.Done || consumed != received || frame.Header.TransactionId != _transactionId
                || ModbusPdu.DecodeReadRegistersResponse(frame.Pdu, ModbusFunctionCode.ReadHoldingRegisters, _registers, out _) != ModbusPduStatus.Valid)
            {
                throw new IOException($"Unexpected response ({status}, {received} bytes).");
            }

            return true;
        }
    }
}
