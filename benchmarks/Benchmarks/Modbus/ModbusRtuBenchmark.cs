using System.Diagnostics;
using System.Globalization;
using System.IO.Ports;
using City.Protocols.Modbus;
using City.Protocols.Serial;

namespace City.Benchmarks.Modbus;

/// <summary>
/// `modbus-rtu`: our <see cref="ModbusRtuMaster"/> over <see cref="ModbusRtuTransport"/> polls a holding-register map
/// (default 1,000 registers = 8 requests of 125, FC03) for a fixed number of full-map cycles on a pty whose other end is
/// served by `modbus-rtu-slave`. Reports registers/s per cycle (mean, spread), the wire limit of the same requests at 8E1
/// (request + response bytes x 11 bits / baud + two t3.5 gaps per exchange), the fraction achieved, and where each
/// request's time went.
/// </summary>
internal static class ModbusRtuBenchmark
{
    public const int RequestBytes = 8;

    public static int ResponseBytes(int registers) => 1 + 1 + 1 + (2 * registers) + ModbusCrc16.Size;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, ["--device", "--baud", "--cycles", "--warmup-cycles", "--registers", "--per-request", "--unit", "--timeout-ms", "--transport"]);
        string? device = a.Text("--device");
        int baud = a.Int("--baud", 19200, 300, 4_000_000);
        int cycles = a.Int("--cycles", 20, 1);
        int warmupCycles = a.Int("--warmup-cycles", 1, 0);
        int mapSize = a.Int("--registers", 1000, 1, 65536);
        int perRequest = a.Int("--per-request", ModbusPdu.MaxReadRegisters, 1, ModbusPdu.MaxReadRegisters);
        byte unit = (byte)a.Int("--unit", 1, 1, 247);
        int timeoutMs = a.Int("--timeout-ms", 2000, 1);
        if (a.Error is not null || device is null || !SerialTransportNames.TryParse(a.Text("--transport", "auto"), out SerialTransportKind transport))
        {
            Console.Error.WriteLine(a.Error ?? "usage: modbus-rtu --device DEV [--baud 19200] [--cycles 20] [--warmup-cycles 1] [--registers 1000] [--per-request 125] [--unit 1] [--timeout-ms 2000] [--transport auto|termios|portable]");
            return 2;
        }

        ModbusRtuTiming timing = ModbusRtuTiming.For(baud, 8, Parity.Even, StopBits.One);
        (ushort Address, int Count)[] plan = [.. Enumerable.Range(0, (mapSize + perRequest - 1) / perRequest)
            .Select(i => ((ushort)(i * perRequest), Math.Min(perRequest, mapSize - (i * perRequest))))];
        TimeSpan limitPerCycle = TimeSpan.Zero;
        foreach ((_, int count) in plan)
        {
            limitPerCycle += timing.WireTime(RequestBytes, ResponseBytes(count));
        }

        using SerialConnection port = SerialConnection.Open(new SerialLineSettings(device) { BaudRate = baud, Transport = transport });
        var probe = new TimestampingStream(port.Stream);
        using var line = new ModbusRtuTransport(probe, timing, TimeProvider.System, port.DiscardInput, device);
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs) });
        ushort[] destination = new ushort[perRequest];

        for (int i = 0; i < warmupCycles; i++)
        {
            await PollMapAsync(master, unit, plan, destination, probe, null).ConfigureAwait(false);
        }

        var phases = new PhaseTotals();
        double[] cycleSeconds = new double[cycles];
        for (int i = 0; i < cycles; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await PollMapAsync(master, unit, plan, destination, probe, phases).ConfigureAwait(false);
            cycleSeconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        double[] rates = [.. cycleSeconds.Select(s => mapSize / s)];
        double mean = mapSize * cycles / cycleSeconds.Sum();
        double stddev = Math.Sqrt(rates.Select(r => (r - rates.Average()) * (r - rates.Average())).Sum() / Math.Max(1, rates.Length - 1));
        double limit = mapSize / limitPerCycle.TotalSeconds;
        int requests = cycles * plan.Length;
        var inv = CultureInfo.InvariantCulture;

        Console.WriteLine(string.Create(inv, $"modbus-rtu: {device}, transport {SerialTransportNames.Name(port.Kind)}, {baud} baud, timing 8E1 ({timing.BitsPerCharacter} bits/char, t3.5 {Ms(timing.T35)} ms), {plan.Length} requests per cycle ({mapSize} registers), {cycles} cycles after {warmupCycles} warm-up"));
        Console.WriteLine(string.Create(inv, $"  achieved: {mean:F1} registers/s (per cycle: min {rates.Min():F1}, max {rates.Max():F1}, stddev {stddev:F1}); cycle {cycleSeconds.Average() * 1000:F2} ms"));
        Console.WriteLine(string.Create(inv, $"  wire limit: {limit:F1} registers/s (cycle {Ms(limitPerCycle)} ms); fraction {mean / limit:P1}"));
        Console.WriteLine(string.Create(inv, $"  per request, mean ms: before send {phases.Mean(phases.BeforeSend, requests)}, send {phases.Mean(phases.Send, requests)}, to first byte {phases.Mean(phases.ToFirstByte, requests)}, rest of response {phases.Mean(phases.RestOfResponse, requests)} ({(double)phases.Reads / requests:F2} reads), after last byte {phases.Mean(phases.AfterLastByte, requests)}, between calls {phases.Mean(phases.BetweenCalls, requests)}; wire budget {Ms(limitPerCycle / plan.Length)}"));
        Console.WriteLine(string.Create(inv,
            $"RESULT transport={SerialTransportNames.Name(port.Kind)} baud={baud} cycles={cycles} registers={mapSize} mean_rps={mean:F1} min_rps={rates.Min():F1} max_rps={rates.Max():F1} stddev_rps={stddev:F1} limit_rps={limit:F1} fraction={mean / limit:F4} request_ms={cycleSeconds.Sum() * 1000 / requests:F3} limit_request_ms={limitPerCycle.TotalMilliseconds / plan.Length:F3} before_send_ms={phases.Mean(phases.BeforeSend, requests)} to_first_byte_ms={phases.Mean(phases.ToFirstByte, requests)} rest_ms={phases.Mean(phases.RestOfResponse, requests)}"));
        return 0;
    }

    private static async Task PollMapAsync(
        ModbusRtuMaster master, byte unit, (ushort Address, int Count)[] plan, ushort[] destination, TimestampingStream probe, PhaseTotals? phases)
    {
        foreach ((ushort address, int count) in plan)
        {
            probe.Reset();
            long called = Stopwatch.GetTimestamp();
            phases?.EndGap(called);
            await master.ReadHoldingRegistersAsync(unit, address, destination.AsMemory(0, count)).ConfigureAwait(false);
            long returned = Stopwatch.GetTimestamp();
            phases?.Add(called, probe, returned);
        }
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Sums, in Stopwatch ticks, of the phases of every measured request.</summary>
    private sealed class PhaseTotals
    {
        private long _lastReturned;

        public long BeforeSend { get; private set; }

        public long Send { get; private set; }

        public long ToFirstByte { get; private set; }

        public long RestOfResponse { get; private set; }

        public long AfterLastByte { get; private set; }

        public long BetweenCalls { get; private set; }

        public long Reads { get; private set; }

        public void EndGap(long called)
        {
            if (_lastReturned != 0)
            {
                BetweenCalls += called - _lastReturned;
            }
        }

        public void Add(long called, TimestampingStream probe, long returned)
        {
            BeforeSend += probe.WriteStarted - called;
            Send += probe.FlushEnded - probe.WriteStarted;
            ToFirstByte += probe.FirstReadEnded - probe.FlushEnded;
            RestOfResponse += probe.LastReadEnded - probe.FirstReadEnded;
            AfterLastByte += returned - probe.LastReadEnded;
            Reads += probe.ReadCalls;
            _lastReturned = returned;
        }

        public string Mean(long ticks, int requests) =>
            (ticks * 1000.0 / Stopwatch.Frequency / requests).ToString("F3", CultureInfo.InvariantCulture);
    }
}
