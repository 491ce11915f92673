using System.Diagnostics;
using System.Text;

namespace City.Protocols.Snmp.Tests;

/// <summary>A net-snmp program run as a child process, with its output kept for failure messages.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PeerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Fails the test (never skips) when a net-snmp program is missing.</summary>
    public static string Require(string executable)
    {
        string? found = Path.IsPathRooted(executable)
            ? (File.Exists(executable) ? executable : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Append("/usr/sbin")
                .Select(directory => Path.Combine(directory, executable))
                .FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"net-snmp's '{executable}' is missing. Install it: apt-get install -y snmp snmpd (test.sh does this).");
        return found;
    }

    public static PeerProcess Start(string executable, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(Require(executable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // No MIB loading: numeric OIDs only, and none of the "Cannot find module" noise.
        startInfo.Environment["MIBS"] = "";
        startInfo.Environment["MIBDIRS"] = "/nonexistent";
        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        return new PeerProcess(Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}."));
    }

    /// <summary>Runs a net-snmp client to completion; returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string executable, params string[] arguments)
    {
        await using PeerProcess peer = Start(executable, arguments);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await peer._process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{executable} {string.Join(' ', arguments)} did not finish within 60 s. Output:\n{peer.Output}");
        }

        peer._process.WaitForExit();
        return (peer._process.ExitCode, peer.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
