using System.Diagnostics;
using System.Text;

namespace City.EndToEnd.Tests;

/// <summary>
/// Two pseudo-terminals joined by socat, like the two ends of a null-modem cable: <see cref="PortA"/> and <see cref="PortB"/>.
/// Fails (never skips) when socat is missing. Copied from tests/Edge.Tests (internal there).
/// </summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly Process _socat;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private SocatPtyPair(Process socat, string directory)
    {
        _socat = socat;
        _directory = directory;
        _socat.OutputDataReceived += (_, e) => Append(e.Data);
        _socat.ErrorDataReceived += (_, e) => Append(e.Data);
        _socat.BeginOutputReadLine();
        _socat.BeginErrorReadLine();
    }

    public string PortA => Path.Combine(_directory, "a");

    public string PortB => Path.Combine(_directory, "b");

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

    public static async Task<SocatPtyPair> StartAsync(TimeSpan deadline)
    {
        var socat = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "socat"))
            .FirstOrDefault(File.Exists);
        Assert.True(socat is not null, "socat is missing (needed for the DALI line test). Install it: apt-get install -y socat");

        var directory = Path.Combine(Path.GetTempPath(), "city-e2e-pty-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var startInfo = new ProcessStartInfo(socat)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-d", "-d", $"pty,raw,echo=0,link={Path.Combine(directory, "a")}", $"pty,raw,echo=0,link={Path.Combine(directory, "b")}" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var pair = new SocatPtyPair(Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start socat."), directory);
        var stopwatch = Stopwatch.StartNew();
        while (!(File.Exists(pair.PortA) && File.Exists(pair.PortB)))
        {
            if (stopwatch.Elapsed > deadline)
            {
                var output = pair.Output;
                await pair.DisposeAsync();
                Assert.Fail($"socat did not create the pty links within {deadline}. Output:\n{output}");
            }

            await Task.Delay(50);
        }

        // socat logs "starting data transfer loop" once both ends are open.
        while (!pair.Output.Contains("starting data transfer loop", StringComparison.Ordinal) && stopwatch.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_socat.HasExited)
        {
            _socat.Kill(entireProcessTree: true);
        }

        await _socat.WaitForExitAsync();
        _socat.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
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
