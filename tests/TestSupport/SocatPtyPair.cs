using System.Diagnostics;

namespace City.TestSupport;

/// <summary>
/// Two pseudo-terminals joined by socat, like the two ends of a null-modem cable: <see cref="PortA"/> and <see cref="PortB"/>.
/// Fails (never skips) when socat is missing.
/// </summary>
public sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly PeerProcess _socat;
    private readonly string _directory;

    private SocatPtyPair(PeerProcess socat, string directory)
    {
        _socat = socat;
        _directory = directory;
    }

    public string PortA => Path.Combine(_directory, "a");

    public string PortB => Path.Combine(_directory, "b");

    public string Output => _socat.Output;

    public static async Task<SocatPtyPair> StartAsync(TimeSpan deadline)
    {
        string socat = PeerProcess.RequireExecutable("socat", "apt-get install -y socat");
        string directory = Path.Combine(Path.GetTempPath(), "modbus-rtu-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var pair = new SocatPtyPair(
            PeerProcess.Start(socat, "-d", "-d", $"pty,raw,echo=0,link={Path.Combine(directory, "a")}", $"pty,raw,echo=0,link={Path.Combine(directory, "b")}"),
            directory);

        var stopwatch = Stopwatch.StartNew();
        while (!(File.Exists(pair.PortA) && File.Exists(pair.PortB)))
        {
            if (stopwatch.Elapsed > deadline)
            {
                string output = pair.Output;
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
        await _socat.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A pty link may still be going away; a leftover temp directory is harmless.
        }
    }
}
