using System.Globalization;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// A simulated DALI line (<c>citysim dali --serial</c>, started as a process on a socat pty pair, as a technician would) and
/// the edge's pieces against it: edgectl dali scan/commission/set over serial://, and the edge's poller over the real LUBA
/// master. Fails, not skips, without socat.
/// </summary>
public sealed class DaliCitySimTests
{
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Gear on the simulated line of the scan tests: 60 of the 64 short addresses, so that a scan waits out few silences.</summary>
    internal const int FullLine = 60;

    [Fact]
    public async Task Scan_FindsTheGear_CommissionAddressesTheUnaddressed_AndSetChangesTheLevel()
    {
        // A nearly full line: each empty short address costs a scan one whole answer window.
        await using var sim = await CitySimOnPty.StartAsync("dali", "dali line serving", "--gear", FullLine.ToString(CultureInfo.InvariantCulture), "--unaddressed", "3");
        string line = "serial://" + sim.HostPort;

        var (exit, stdout, stderr) = await RunAsync("dali", "scan", line, "--json");
        Assert.True(exit == 0, stderr);
        var gear = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(Enumerable.Range(0, FullLine - 3), gear.EnumerateArray().Select(g => g.GetProperty("address").GetInt32()));
        Assert.All(gear.EnumerateArray(), g => Assert.Equal(6, g.GetProperty("deviceType").GetInt32()));
        Assert.All(gear.EnumerateArray(), g => Assert.Equal(254, g.GetProperty("level").GetInt32()));
        Assert.All(gear.EnumerateArray(), g => Assert.Contains("LampOn", g.GetProperty("status").GetString(), StringComparison.Ordinal));

        (exit, stdout, stderr) = await RunAsync("dali", "commission", line);
        Assert.True(exit == 0, stderr);
        Assert.Contains("3 gear given a short address (existing addresses kept)", stdout, StringComparison.Ordinal);
        Assert.Contains("commission [", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = await RunAsync("dali", "scan", line, "--json");
        Assert.True(exit == 0, stderr);
        Assert.Equal(Enumerable.Range(0, FullLine), JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(g => g.GetProperty("address").GetInt32()));

        (exit, stdout, stderr) = await RunAsync("dali", "set", line, "gear:6", "100");
        Assert.True(exit == 0, stderr);
        Assert.Contains("DAPC A6 100", stdout, StringComparison.Ordinal);
        (exit, stdout, _) = await RunAsync("dali", "scan", line, "--json");
        var levels = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(g => g.GetProperty("address").GetInt32(), g => g.GetProperty("level").GetInt32());
        Assert.Equal(100, levels[6]);
        Assert.Equal(254, levels[5]);

        (exit, _, stderr) = await RunAsync("dali", "set", line, "gear:64", "100");
        Assert.Equal(1, exit);
        Assert.Contains("bad target 'gear:64'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poller_OnTheSimulatedLine_RaisesFailedLampsAsEvents_AndReadsEnergy()
    {
        await using var sim = await CitySimOnPty.StartAsync("dali", "dali line serving", "--gear", "16", "--failed", "2");
        var failed = FailedGear(sim);
        Assert.Equal(2, failed.Count);
        var definition = new DaliLineDefinition("lights", sim.HostPort, true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10),
            TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100),
            Enumerable.Range(0, 16).Select(i => new DaliGearDefinition(i, (ushort)(i < 8 ? 1 : 2), $"P-{i}", 60)).ToList());
        var sink = new Sink();
        // The simulator answers at once (no wire timing); the window only has to outlast a CPU-starved pty chain, which
        // in a loaded CI run once missed an answer with a 300 ms window. Only silent group queries pay the longer window.
        await using var master = LubaDaliMaster.Open(sim.HostPort, new LubaMasterOptions { AnswerWindow = TimeSpan.FromMilliseconds(1000) });
        var line = new DaliLine(definition, master, sink, TimeProvider.System);

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None), line.Poller.LastProblem);

        var events = sink.Texts("lights/events");
        Assert.Equal(failed.Select(i => $"lamp-failed: gear {i} (P-{i})").Order(), events.Order());
        Assert.All(failed, i => Assert.True(line.Poller.Gear[i].LampFailure));
        Assert.Equal(16 - failed.Count, line.Poller.Gear.Count(g => g.LampFailure == false));

        var service = new DaliCommandService(Registry(line));
        var dim = await service.ExecuteAsync("lights", new DaliCommandRequest("broadcast", "dapc", Level: 200), CancellationToken.None);
        Assert.True(dim.Ok, dim.Message);
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None), line.Poller.LastProblem);
        Assert.Equal((byte)200, line.Poller.Gear[0].Level);

        Assert.True(await line.Poller.ReadEnergyAsync(CancellationToken.None), line.Poller.LastProblem);
        Assert.Contains(sink.Readings, r => r.Id == "lights/g0.power" && r.Quality == Quality.Good && r.Value.Number > 0);
        Assert.Contains(sink.Readings, r => r.Id == "lights/g0.energy" && r.Quality == Quality.Good);
    }

    private static DaliLineRegistry Registry(DaliLine line)
    {
        var registry = new DaliLineRegistry([line.Definition]);
        registry.Add(line);
        return registry;
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // The host is loaded while the tests run: a wide answer window keeps a late answer from reading as "no answer".
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([.. args, "--answer-window-ms", "300"]).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private sealed class Sink : IDaliReadingSink
    {
        private readonly Lock _gate = new();
        private readonly List<(string Id, PointValue Value, Quality Quality)> _readings = [];

        public List<(string Id, PointValue Value, Quality Quality)> Readings
        {
            get
            {
                lock (_gate)
                {
                    return _readings.ToList();
                }
            }
        }

        public List<string> Texts(string id) => Readings.Where(r => r.Id == id).Select(r => r.Value.Text!).ToList();

        public ValueTask WriteAsync(string pointId, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _readings.Add((pointId, value, quality));
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Indexes of the failed lamps, from citysim's start line ("failed lamps: #3 #9;").</summary>
    private static List<int> FailedGear(CitySimOnPty sim)
    {
        var text = sim.Output;
        int start = text.IndexOf("failed lamps: ", StringComparison.Ordinal) + "failed lamps: ".Length;
        int end = text.IndexOf(';', start);
        return text[start..end].Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s.TrimStart('#'), System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
    }
}
