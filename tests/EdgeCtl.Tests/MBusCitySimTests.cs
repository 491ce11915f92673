using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl mbus scan|read</c> against <c>citysim mbus</c> (heat meter at primary 1 / id 12345678, water at 2 / 16000001,
/// electricity at 5 / 20300003) on a socat pty pair, at 9600 baud with the simulator's wire timing. The secondary scan has to
/// narrow down collisions: all three answer the all-wildcard selection, two share the first digit.
/// </summary>
public sealed class MBusCitySimTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Scan_finds_the_three_meters_both_ways_and_read_decodes_their_records()
    {
        await using var sim = await CitySimMBus.StartAsync();
        string line = $"serial://{sim.HostPort}?baud=9600&parity=none";

        var (exit, stdout, stderr) = await RunAsync("mbus", "scan", line, "--secondary", "--json");
        Assert.True(exit == 0, stderr);
        var scan = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["12345678", "16000001", "20300003"], scan.GetProperty("meters").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(["Heat: Outlet", "Water", "Electricity"], scan.GetProperty("meters").EnumerateArray().Select(m => m.GetProperty("medium").GetString()));
        Assert.Empty(scan.GetProperty("collisions").EnumerateArray());
        // The root, "1" and the two branches below it: 1 + 10 + 10 selections and 3 reads.
        Assert.Equal(24, scan.GetProperty("requests").GetInt32());

        (exit, stdout, stderr) = await RunAsync("mbus", "scan", line, "--primary", "--first", "0", "--last", "6", "--json");
        Assert.True(exit == 0, stderr);
        var primary = JsonDocument.Parse(stdout).RootElement.GetProperty("meters").EnumerateArray().ToList();
        Assert.Equal([1, 2, 5], primary.Select(m => m.GetProperty("primary").GetInt32()));
        Assert.Equal("20300003", primary[2].GetProperty("id").GetString());

        (exit, stdout, stderr) = await RunAsync("mbus", "read", line, "--address", "1", "--json");
        Assert.True(exit == 0, stderr);
        var heat = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("12345678", heat.GetProperty("id").GetString());
        var records = heat.GetProperty("records").EnumerateArray().ToList();
        var energy = records.First(r => r.GetProperty("quantity").GetString() == "Energy");
        Assert.Equal("Wh", energy.GetProperty("unit").GetString());
        Assert.True(energy.GetProperty("value").GetDouble() >= 37_351_000);
        var supply = records.First(r => r.GetProperty("quantity").GetString() == "Flow temperature");
        Assert.Equal("°C", supply.GetProperty("unit").GetString());
        Assert.InRange(supply.GetProperty("value").GetDouble(), 60, 80);
        Assert.Contains(records, r => r.GetProperty("storage").GetInt32() == 1 && r.GetProperty("quantity").GetString() == "Energy");

        (exit, stdout, stderr) = await RunAsync("mbus", "read", line, "--secondary", "16000001");
        Assert.True(exit == 0, stderr);
        Assert.Contains("meter 16000001 CTY version 33 Water", stdout, StringComparison.Ordinal);
        Assert.Matches(@"Volume\s+[0-9.]+\s+m3", stdout);

        (exit, _, stderr) = await RunAsync("mbus", "read", line, "--address", "9", "--retries", "0");
        Assert.Equal(1, exit);
        Assert.Contains("did not acknowledge SND_NKE", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await RunAsync("mbus", "read", "tcp://x", "--address", "1");
        Assert.Equal(2, exit);
        Assert.Contains("expected serial:///dev/ttyX", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // A loaded host delays the simulator's answers: a wider margin than the usual 50 ms keeps them inside the window.
        string[] margin = args.Contains("tcp://x") ? [] : ["--margin-ms", "150"];
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([.. args, .. margin]).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary><c>citysim mbus --serial</c> on port B of a socat pair, started as a process; port A is the master's side.</summary>
    private sealed class CitySimMBus : IAsyncDisposable
    {
        private readonly SocatPtyPair _pty;
        private readonly Process _sim;
        private readonly SafeFileHandle _keepOpen;
        private readonly StringBuilder _output = new();

        private CitySimMBus(SocatPtyPair pty, Process sim, SafeFileHandle keepOpen)
        {
            _pty = pty;
            _sim = sim;
            _keepOpen = keepOpen;
            _sim.OutputDataReceived += (_, e) => Append(e.Data);
            _sim.ErrorDataReceived += (_, e) => Append(e.Data);
            _sim.BeginOutputReadLine();
            _sim.BeginErrorReadLine();
        }

        public string HostPort => _pty.PortA;

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<CitySimMBus> StartAsync()
        {
            var pty = await SocatPtyPair.StartAsync(Deadline);

            // Every edgectl run opens and closes the host end; socat ends when the last holder of a pty closes it.
            var keepOpen = File.OpenHandle(pty.PortA, FileMode.Open, FileAccess.ReadWrite);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(Root(), "simulators/CitySim/bin", Configuration(), "net10.0/citysim.dll"));
            foreach (string argument in (string[])["mbus", "--serial", pty.PortB, "--baud", "9600", "--parity", "none"])
            {
                start.ArgumentList.Add(argument);
            }

            var sim = new CitySimMBus(pty, Process.Start(start) ?? throw new InvalidOperationException("citysim did not start"), keepOpen);
            await Until.TrueAsync(() => sim.Output.Contains("mbus line serving", StringComparison.Ordinal) || sim._sim.HasExited, "citysim mbus to start");
            Assert.False(sim._sim.HasExited, $"citysim mbus exited:\n{sim.Output}");
            return sim;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_sim.HasExited)
            {
                _sim.Kill(entireProcessTree: true);
                await _sim.WaitForExitAsync();
            }

            _sim.Dispose();
            _keepOpen.Dispose();
            await _pty.DisposeAsync();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        private static string Root()
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("Edge.sln not found above " + AppContext.BaseDirectory);
        }

        private static string Configuration() =>
            AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
    }
}
