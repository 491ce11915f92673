using System.Diagnostics;

namespace City.EdgeCtl.Tests;

/// <summary>
/// A citysim serial device (<c>citysim KIND --serial</c>) on port B of a socat pty pair, started as a process; port A is
/// the host's side (edgectl's, or a master's of the test).
/// </summary>
internal sealed class CitySimOnPty : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly SocatPtyPair _pty;
    private readonly FileStream _keepOpen;
    private readonly PeerProcess _sim;

    private CitySimOnPty(SocatPtyPair pty, FileStream keepOpen, PeerProcess sim)
    {
        _pty = pty;
        _keepOpen = keepOpen;
        _sim = sim;
    }

    public string HostPort => _pty.PortA;

    /// <summary>What citysim printed so far (stdout and stderr).</summary>
    public string Output => _sim.Output;

    /// <summary>Starts citysim and waits until its output contains <paramref name="readyMarker"/>; fails the test if it exits first.</summary>
    public static async Task<CitySimOnPty> StartAsync(string kind, string readyMarker, params string[] arguments)
    {
        var pty = await SocatPtyPair.StartAsync(Deadline);

        // Every edgectl run opens and closes the host end; socat ends when the last holder of a pty closes it.
        var keepOpen = new FileStream(pty.PortA, FileMode.Open, FileAccess.ReadWrite);
        var sim = new CitySimOnPty(pty, keepOpen, PeerProcess.Start("dotnet", [CitySimDll(), kind, "--serial", pty.PortB, .. arguments], environment: null));
        var stopwatch = Stopwatch.StartNew();
        while (!sim.Output.Contains(readyMarker, StringComparison.Ordinal))
        {
            if (stopwatch.Elapsed > Deadline || sim._sim.HasExited)
            {
                string output = sim.Output;
                await sim.DisposeAsync();
                Assert.Fail($"citysim {kind} did not start. Output:\n{output}");
            }

            await Task.Delay(20);
        }

        return sim;
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _keepOpen.DisposeAsync();
        await _pty.DisposeAsync();
    }

    internal static string CitySimDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
        {
            directory = directory.Parent;
        }

        string root = directory?.FullName ?? throw new InvalidOperationException("Edge.sln not found above " + AppContext.BaseDirectory);
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(root, "simulators/CitySim/bin", configuration, "net10.0/citysim.dll");
    }
}
