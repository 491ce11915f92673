using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace City.TestSupport;

/// <summary>An external program (pymodbus, net-snmp, socat, ...) run as a child process, with its output captured for failure messages.</summary>
public sealed class PeerProcess : IAsyncDisposable
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

    /// <summary>The process id, to send it a signal (kill -HUP).</summary>
    public int Id => _process.Id;

    /// <summary>Waits for the process to end by itself (after a signal that asks it to).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Fails the test (never skips) with an install hint when <paramref name="executable"/> is not on the PATH nor in /usr/sbin.</summary>
    public static string RequireExecutable(string executable, string installHint)
    {
        string? found = Path.IsPathRooted(executable)
            ? (File.Exists(executable) ? executable : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Append("/usr/sbin")
                .Select(directory => Path.Combine(directory, executable))
                .FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"Interoperability peer '{executable}' is missing. Install it: {installHint}");
        return found;
    }

    public static PeerProcess Start(string executable, params string[] arguments) => Start(executable, arguments, environment: null);

    public static PeerProcess Start(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        return new PeerProcess(Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}."));
    }

    /// <summary>Runs a command to completion and returns its exit code and combined output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(TimeSpan deadline, string executable, params string[] arguments) =>
        RunAsync(deadline, executable, arguments, environment: null);

    /// <summary>Runs a command to completion with extra environment variables and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        TimeSpan deadline, string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        await using PeerProcess peer = Start(executable, arguments, environment);
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await peer._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{executable} {string.Join(' ', arguments)} did not finish within {deadline}. Output:\n{peer.Output}");
        }

        // WaitForExit without a timeout flushes the redirected output handlers.
        peer._process.WaitForExit();
        return (peer._process.ExitCode, peer.Output);
    }

    /// <summary>Waits until the peer accepts TCP connections on <paramref name="endPoint"/>, failing if it exits first.</summary>
    public async Task WaitUntilListeningAsync(IPEndPoint endPoint, TimeSpan deadline)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"Peer exited with code {_process.ExitCode} before listening on {endPoint}. Output:\n{Output}");
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Fail($"Peer did not listen on {endPoint} within {deadline}. Output:\n{Output}");
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
