using System.Diagnostics;
using System.Text;
using City.Protocols.Dali;
using City.Sim.Dali;

namespace City.Sim.Tests;

/// <summary>An <see cref="IDaliMaster"/> wired straight to a simulated line, without an interface or a serial port.</summary>
internal sealed class DirectLineMaster(DaliSimLine line) : IDaliMaster
{
    public int Transactions { get; private set; }

    public ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        Transactions++;
        var answer = line.Transmit(frame);
        if (transmit.SendTwice && answer.Kind != DaliLineAnswerKind.NoPower)
        {
            answer = line.Transmit(frame);
        }

        return ValueTask.FromResult(answer.Kind switch
        {
            DaliLineAnswerKind.NoPower => DaliBusResult.BusPowerFailure,
            _ when !transmit.ExpectAnswer => DaliBusResult.Sent,
            DaliLineAnswerKind.Value => DaliBusResult.Answer(answer.Value),
            DaliLineAnswerKind.Collision => DaliBusResult.FramingError,
            _ => DaliBusResult.NoAnswer,
        });
    }
}

/// <summary>
/// Two pseudo-terminals joined by socat (a null-modem cable): the host master opens <see cref="HostPort"/>, the simulated
/// interface <see cref="DevicePort"/>. Fails (never skips) when socat is missing.
/// </summary>
internal sealed class DaliSocatPair : IAsyncDisposable
{
    private readonly Process _socat;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private DaliSocatPair(Process socat, string directory)
    {
        _socat = socat;
        _directory = directory;
        _socat.ErrorDataReceived += (_, e) => Append(e.Data);
        _socat.OutputDataReceived += (_, e) => Append(e.Data);
        _socat.BeginErrorReadLine();
        _socat.BeginOutputReadLine();
    }

    public string HostPort => Path.Combine(_directory, "host");

    public string DevicePort => Path.Combine(_directory, "device");

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

    public static async Task<DaliSocatPair> StartAsync()
    {
        string? socat = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "socat"))
            .FirstOrDefault(File.Exists);
        Assert.True(socat is not null, "socat is missing. Install it: apt-get install -y socat");
        string directory = Path.Combine(Path.GetTempPath(), "dali-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var startInfo = new ProcessStartInfo(socat) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-d", "-d", $"pty,raw,echo=0,link={Path.Combine(directory, "host")}", $"pty,raw,echo=0,link={Path.Combine(directory, "device")}" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var pair = new DaliSocatPair(Process.Start(startInfo)!, directory);
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(pair.HostPort) && File.Exists(pair.DevicePort)) || !pair.Output.Contains("starting data transfer loop", StringComparison.Ordinal))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                string output = pair.Output;
                await pair.DisposeAsync();
                Assert.Fail($"socat did not create the pty pair within 30 s. Output:\n{output}");
            }

            await Task.Delay(50);
        }

        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_socat.HasExited)
        {
            _socat.Kill();
            await _socat.WaitForExitAsync();
        }

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
