using System.Diagnostics;
using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;

namespace City.Benchmarks;

/// <summary>
/// `backlog`: writes an edge buffer file the way the edge does during a long outage, so that its size can be
/// measured and the file handed to a real edge to drain (benchmarks/backlog-drain.sh).
/// A lighting cabinet: N/4 lamps x 4 points (level %, power W, energy Wh, status), each point read every 60 s,
/// staggered evenly across the minute, timestamps starting 7 days ago. One flush per simulated 500 ms window
/// (the BufferWriter's FlushIntervalMs) holding the readings due in it; several flushes per Append call (group
/// commit). Nothing is ever taken by a forwarder, so the newest batch grows up to MaxReadingsPerBatch readings.
/// </summary>
internal static class BacklogReport
{
    private const long PeriodMs = 60_000;
    private const long WindowMs = 500;
    private const int WindowsPerMinute = (int)(PeriodMs / WindowMs);

    public static int Run(string[] args)
    {
        string? path = null;
        var gateway = "gw-backlog";
        var points = 1024;
        long target = 10_000_000;
        var groupsPerAppend = 20;
        var maxPerBatch = 5000;
        var maxBytes = 4L << 30;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--path": path = value; i++; break;
                case "--gateway": gateway = value ?? gateway; i++; break;
                case "--points": points = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--readings": target = long.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--groups-per-append": groupsPerAppend = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--max-readings-per-batch": maxPerBatch = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                default:
                    Console.Error.WriteLine($"backlog: unknown argument '{args[i]}'");
                    return Usage();
            }
        }

        if (path is null || points < 4 || points % 4 != 0 || target < 1 || groupsPerAppend < 1)
        {
            return Usage();
        }

        var logPath = Path.ChangeExtension(path, null) + "-log" + Path.GetExtension(path);
        if (File.Exists(path) || File.Exists(logPath))
        {
            Console.Error.WriteLine($"backlog: {path} already exists; give a new path (the command creates the file)");
            return 2;
        }

        var lamps = points / 4;
        var catalogue = new List<PointInfo>(points);
        for (var n = 1; n <= lamps; n++)
        {
            var device = $"lamp{n}";
            catalogue.Add(new PointInfo { Id = $"{device}/level", Unit = "%", Type = PointType.Number, Device = device, Description = "Dimming level" });
            catalogue.Add(new PointInfo { Id = $"{device}/power", Unit = "W", Type = PointType.Number, Device = device, Description = "Active power" });
            catalogue.Add(new PointInfo { Id = $"{device}/energy", Unit = "Wh", Type = PointType.Number, Device = device, Description = "Energy (counter)" });
            catalogue.Add(new PointInfo { Id = $"{device}/status", Unit = "", Type = PointType.Number, Device = device, Description = "Status word (0 = ok)" });
        }

        var start = DateTimeOffset.UtcNow.AddDays(-7);
        var t0 = start.ToUnixTimeMilliseconds() / 1000 * 1000;

        // Point p is read at t0 + offset(p) + k * 60 s; offsets spread evenly over the minute.
        // windows[j] lists the points whose offset falls in the j-th 500 ms window of the minute, in offset order.
        var windows = new List<int>[WindowsPerMinute];
        for (var j = 0; j < WindowsPerMinute; j++)
        {
            windows[j] = [];
        }

        var offsets = new long[points];
        for (var p = 0; p < points; p++)
        {
            offsets[p] = p * PeriodMs / points;
            windows[(int)(offsets[p] / WindowMs)].Add(p);
        }

        var model = new LampModel(lamps, seed: 7);
        var total = Stopwatch.StartNew();
        using var buffer = BatchBuffer.Open(path, maxBytes, gateway, TimeProvider.System, maxPerBatch);
        var aliases = buffer.SyncCatalogue(catalogue);
        var alias = catalogue.Select(c => aliases[c.Id]).ToArray();

        long written = 0;
        long appends = 0;
        long flushes = 0;
        var lastProgress = Stopwatch.StartNew();
        var groups = new List<IReadOnlyList<Reading>>(groupsPerAppend);
        for (long w = 0; written < target; w++)
        {
            var minute = w / WindowsPerMinute;
            var group = new List<Reading>(windows[(int)(w % WindowsPerMinute)].Count);
            foreach (var p in windows[(int)(w % WindowsPerMinute)])
            {
                if (written + group.Count >= target)
                {
                    break;
                }

                var ts = t0 + (minute * PeriodMs) + offsets[p];
                group.Add(new Reading(alias[p], ts, PointValue.FromNumber(model.Read(p, ts))));
            }

            written += group.Count;
            if (group.Count > 0)
            {
                groups.Add(group);
            }

            if (groups.Count == groupsPerAppend || (written >= target && groups.Count > 0))
            {
                buffer.Append(groups);
                appends++;
                flushes += groups.Count;
                groups = new List<IReadOnlyList<Reading>>(groupsPerAppend);
            }

            if (lastProgress.Elapsed.TotalSeconds >= 10)
            {
                lastProgress.Restart();
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"backlog: {written:N0} readings, {total.Elapsed.TotalSeconds:F0} s, {written / total.Elapsed.TotalSeconds:N0} readings/s"));
            }
        }

        var writeTime = total.Elapsed;
        var stats = buffer.GetStats();
        var openSize = FileSize(path) + FileSize(logPath);
        buffer.Dispose();
        var closedSize = FileSize(path) + FileSize(logPath);
        var simulated = TimeSpan.FromMilliseconds((written > 0 ? (double)written / points : 0) * PeriodMs);

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"buffer            {Path.GetFullPath(path)} (gateway {gateway}, epoch {stats.Epoch})"));
        Console.WriteLine(string.Create(inv, $"points            {points} ({lamps} lamps x level/power/energy/status, each read every 60 s)"));
        Console.WriteLine(string.Create(inv, $"simulated outage  {simulated.TotalDays:F2} days from {start:yyyy-MM-dd HH:mm}Z, {flushes:N0} flushes of 500 ms in {appends:N0} Append calls ({groupsPerAppend} per call)"));
        Console.WriteLine(string.Create(inv, $"readings          {stats.ReadingsWaiting:N0} (written {written:N0}, dropped {stats.ReadingsDropped:N0})"));
        Console.WriteLine(string.Create(inv, $"batches           {stats.BatchesWaiting:N0} (last seq {stats.LastSeq:N0}, {(double)stats.ReadingsWaiting / Math.Max(1, stats.BatchesWaiting):N0} readings/batch)"));
        Console.WriteLine(string.Create(inv, $"time to write     {writeTime.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(inv, $"written           {written / writeTime.TotalSeconds:N0} readings/s"));
        Console.WriteLine(string.Create(inv, $"on disk, open     {openSize:N0} bytes (buffer.db + log), {(double)openSize / written:F2} bytes/reading"));
        Console.WriteLine(string.Create(inv, $"on disk, closed   {closedSize:N0} bytes (buffer.db + log), {(double)closedSize / written:F2} bytes/reading"));
        Console.WriteLine(string.Create(inv, $"payload           {stats.BytesUsed:N0} bytes, {(double)stats.BytesUsed / written:F2} bytes/reading"));
        return 0;
    }

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static int Usage()
    {
        Console.Error.WriteLine("usage: backlog --path DIR/buffer.db [--gateway gw-backlog] [--points 1024] [--readings 10000000] [--groups-per-append 20] [--max-readings-per-batch 5000]");
        return 2;
    }

    /// <summary>
    /// Street lamps on a night dimming profile: off by day, 100 % from dusk, 50 % from 23:00, 100 % from 05:00 until
    /// dawn (each lamp's switching a few minutes apart). Power = level x 0.4 W, with a little measurement noise while
    /// lit, one decimal; energy an integer Wh counter integrating the power; status 0 except rare short faults.
    /// </summary>
    private sealed class LampModel
    {
        private readonly Random _random;
        private readonly int[] _shiftMinutes;
        private readonly double[] _energy;
        private readonly long[] _lastEnergyTs;
        private readonly long[] _faultUntil;

        public LampModel(int lamps, int seed)
        {
            _random = new Random(seed);
            _shiftMinutes = new int[lamps];
            _energy = new double[lamps];
            _lastEnergyTs = new long[lamps];
            _faultUntil = new long[lamps];
            for (var l = 0; l < lamps; l++)
            {
                _shiftMinutes[l] = _random.Next(-5, 6);
                _energy[l] = _random.Next(50_000, 400_000);
            }
        }

        public double Read(int point, long ts)
        {
            var lamp = point / 4;
            switch (point % 4)
            {
                case 0:
                    return Level(lamp, ts);
                case 1:
                    return Power(lamp, ts);
                case 2:
                    if (_lastEnergyTs[lamp] != 0)
                    {
                        _energy[lamp] += Power(lamp, ts) * (ts - _lastEnergyTs[lamp]) / 3_600_000.0;
                    }

                    _lastEnergyTs[lamp] = ts;
                    return Math.Floor(_energy[lamp]);
                default:
                    if (ts < _faultUntil[lamp])
                    {
                        return 4;
                    }

                    if (_random.Next(20_000) == 0)
                    {
                        _faultUntil[lamp] = ts + (_random.Next(2, 30) * PeriodMs);
                        return 4;
                    }

                    return 0;
            }
        }

        private int Level(int lamp, long ts)
        {
            var minuteOfDay = (int)((ts / PeriodMs) % 1440) - _shiftMinutes[lamp];
            minuteOfDay = (minuteOfDay + 1440) % 1440;
            return minuteOfDay switch
            {
                >= 17 * 60 and < 23 * 60 => 100,
                >= 23 * 60 or < 5 * 60 => 50,
                >= 5 * 60 and < 7 * 60 + 30 => 100,
                _ => 0,
            };
        }

        private double Power(int lamp, long ts)
        {
            var level = Level(lamp, ts);
            if (level == 0)
            {
                return 0;
            }

            var noise = (_random.NextDouble() - 0.5) * 0.4;
            return Math.Round((level * 0.4) + noise, 1);
        }
    }
}
