using System.Diagnostics;
using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;

namespace City.Benchmarks;

/// <summary>
/// `dali --port HOST_PTY [--gear 64] [--sweeps 5] [--answer-window-ms 40]`: the edge's status sweep on a line served by
/// `citysim dali --serial DEVICE_PTY --gear N --wire-timing`, timed against the wire minimum of the same transactions
/// (P2 settling 14.9 + forward frame 14.17 ms, + 5.5 + 7.5 ms when answered), the transactions compared with asking each gear
/// QUERY STATUS and QUERY ACTUAL LEVEL one by one, and the delay of commands issued mid-sweep, counted in bus transactions.
/// </summary>
internal static class DaliSweepReport
{
    private const double UnansweredMs = 14.9 + 14.17;
    private const double AnsweredMs = UnansweredMs + 5.5 + 7.5;

    public static async Task<int> RunAsync(string[] args)
    {
        string? port = null;
        int gearCount = 64, sweeps = 5, windowMs = 40;
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--port": port = args[i + 1]; break;
                case "--gear": gearCount = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--sweeps": sweeps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--answer-window-ms": windowMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            }
        }

        if (port is null)
        {
            Console.Error.WriteLine("usage: dali --port HOST_PTY [--gear 64] [--sweeps 5] [--answer-window-ms 40]");
            return 2;
        }

        var gear = Enumerable.Range(0, gearCount).Select(i => new DaliGearDefinition(i, (ushort)(i < gearCount / 2 ? 1 : 2), string.Empty, 60)).ToList();
        var definition = new DaliLineDefinition("bench", port, true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10),
            TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(windowMs), gear);
        await using var luba = LubaDaliMaster.Open(port, new LubaMasterOptions { AnswerWindow = TimeSpan.FromMilliseconds(windowMs) });
        var recorder = new Recorder(luba);
        var line = new DaliLine(definition, recorder, new NullSink(), TimeProvider.System);

        Console.WriteLine($"DALI sweep, {gearCount} gear, answer window {windowMs} ms");
        Console.WriteLine("sweep | transactions (answered/none) | elapsed ms | wire minimum ms | ratio");
        for (int s = 0; s < sweeps; s++)
        {
            recorder.Reset();
            var stopwatch = Stopwatch.StartNew();
            bool ok = await line.Poller.SweepStatusAsync(CancellationToken.None);
            double elapsed = stopwatch.Elapsed.TotalMilliseconds;
            var (answered, none) = recorder.Counts();
            double minimum = answered * AnsweredMs + none * UnansweredMs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s + 1} | {answered + none} ({answered}/{none}){(ok ? string.Empty : " FAILED " + line.Poller.LastProblem)} | {elapsed:F0} | {minimum:F0} | {elapsed / minimum:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one by one (QUERY STATUS + QUERY ACTUAL LEVEL per gear): {2 * gearCount} transactions, wire minimum {2 * gearCount * AnsweredMs:F0} ms"));

        // Commands issued at varied points of a sweep: how many poll transactions went out between the issue and the command.
        var delays = new List<long>();
        var service = new DaliCommandService(Registry(line));
        for (int k = 0; k < 10; k++)
        {
            recorder.Reset();
            var sweep = line.Poller.SweepStatusAsync(CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(150 + (k * 170)));
            long issuedAt = recorder.Started;
            var result = await service.ExecuteAsync("bench", new DaliCommandRequest("broadcast", "dapc", Level: (k % 2 == 0) ? 200 : 254), CancellationToken.None);
            long sentAt = recorder.LastCommandIndex;
            delays.Add(sentAt - issuedAt);
            await sweep;
            if (!result.Ok)
            {
                Console.WriteLine("command failed: " + result.Message);
            }
        }

        Console.WriteLine("command delay, poll transactions started between issue and the command's frame (10 commands): " + string.Join(", ", delays));
        return 0;
    }

    private static DaliLineRegistry Registry(DaliLine line)
    {
        var registry = new DaliLineRegistry([line.Definition]);
        registry.Add(line);
        return registry;
    }

    private sealed class NullSink : IDaliReadingSink
    {
        public ValueTask WriteAsync(string pointId, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>Counts transactions and notes where the arc power command went out.</summary>
    private sealed class Recorder(IDaliMaster inner) : IDaliMaster
    {
        private long _started;
        private long _answered;
        private long _none;
        private long _lastCommand;

        public long Started => Interlocked.Read(ref _started);

        public long LastCommandIndex => Interlocked.Read(ref _lastCommand);

        public void Reset()
        {
            Interlocked.Exchange(ref _started, 0);
            Interlocked.Exchange(ref _answered, 0);
            Interlocked.Exchange(ref _none, 0);
        }

        public (long Answered, long None) Counts() => (Interlocked.Read(ref _answered), Interlocked.Read(ref _none));

        public async ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
        {
            long index = Interlocked.Increment(ref _started);
            if (!transmit.ExpectAnswer)
            {
                // The command: how many poll transactions started before it, counted from the issue (index - 1 excluded itself).
                Interlocked.Exchange(ref _lastCommand, index - 1);
            }

            var result = await inner.SendAsync(frame, transmit, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref result.Outcome is DaliBusOutcome.Answer or DaliBusOutcome.FramingError ? ref _answered : ref _none);
            return result;
        }
    }
}
