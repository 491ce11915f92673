using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The deployment with every weak link exposed, as real processes: Debian's mosquitto (TLS, the configuration
/// <c>central mosquitto-config</c> writes) that the tests kill and start again; central in external mode behind it; a
/// <see cref="ChaosProxy"/> between the edge and the broker; and the edge polling a simulated meter every 100 ms under
/// a wall clock offset by the seconds in a file that <see cref="SetClockOffset"/> rewrites while the edge runs (the
/// edge's test seam CITY_EDGE_TEST_CLOCK_OFFSET_FILE: its wall clock steps, its monotonic clock does not). One rig serves all of <see cref="ChaosTests"/>: each test leaves it connected
/// and drained, and the ledger (nothing lost, nothing stored twice) is checked over the whole history every time.
/// </summary>
public sealed class ChaosRig : IAsyncLifetime
{
    public const string GatewayId = "gw-chaos";
    public const int PeriodMs = 100;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly RigLog _log = new();
    private readonly List<ManagedProcess> _retired = [];
    private PeerProcess? _mosquitto;
    private string _mosquittoDirectory = "";
    private int _centralPort;

    public ChaosRig()
    {
        City = new CityStack(_log, GatewayId);
        ClockFile = Path.Combine(City.DataDirectory, "edge-clock.rc");
    }

    internal CityStack City { get; }

    public ChaosProxy Proxy { get; private set; } = null!;

    internal ManagedProcess Central { get; private set; } = null!;

    internal ManagedProcess Edge { get; private set; } = null!;

    /// <summary>The edge's wall clock offset in seconds ("0", "-300", "300"), read again within 200 ms of a change.</summary>
    public string ClockFile { get; }

    public int BrokerPort { get; private set; }

    /// <summary>Rounds of each fault: 1 in ./test.sh, more from the benchmark scripts (CHAOS_ROUNDS).</summary>
    public static int Rounds { get; } = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), CultureInfo.InvariantCulture, out var rounds) && rounds > 0 ? rounds : 1;

    public async Task InitializeAsync()
    {
        var token = StackCredentials.CopyInto(Path.Combine(City.DataDirectory, "central"));
        City.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        // mosquitto, as its own user, must reach its folder and the PKI's ca.crt and crl.pem: the temporary folder is 0700.
        await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chmod", "755", City.DataDirectory);
        var dataPath = Path.Combine(City.DataDirectory, "central");
        _mosquittoDirectory = Path.Combine(City.DataDirectory, "mosquitto");
        BrokerPort = FreePort.Tcp();
        _centralPort = FreePort.Tcp();
        await City.CentralCommandAsync("mosquitto-config", "--out", _mosquittoDirectory, "--port", Text(BrokerPort), "--central-port", Text(_centralPort));
        await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chown", "-R", "mosquitto:", _mosquittoDirectory);
        await StartBrokerAsync();

        Central = ManagedProcess.Start("central/Central", "central",
        [
            $"--Central:DataPath={dataPath}",
            $"--Central:HttpUrl=http://127.0.0.1:{Text(City.HttpPort)}",
            "--Central:Mqtt:Mode=external",
            "--Central:Mqtt:Host=127.0.0.1",
            $"--Central:Mqtt:Port={Text(_centralPort)}",
            $"--Central:AllowedGateways:0={GatewayId}",
        ], _log, "central");
        var meter = City.StartMeterAsync();
        Proxy = new ChaosProxy(new IPEndPoint(IPAddress.Loopback, BrokerPort));
        SetClockOffset("0");
        await Central.WaitForOutputAsync("(TLS) as central:ingest", Patience);
        await meter;
        StartEdge();
        try
        {
            await WaitForAckedAsync(above: 0);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n----- edge -----\n{Edge.Output}\n----- central -----\n{Central.Output}\n{_log.Take()}", e);
        }
    }

    /// <summary>Starts (again) the edge with its wall clock offset by <see cref="ClockFile"/>.</summary>
    internal void StartEdge()
    {
        if (Edge is not null)
        {
            _retired.Add(Edge);
        }

        Edge = ManagedProcess.Start("edge/Edge", "edge", ["--config", WriteEdgeConfig(polling: true)], _log, "edge", environment: FakeTime.Environment(ClockFile));
    }

    /// <summary>
    /// Turns the meter's polling off or on in the edge's file and has the running edge apply it (<c>edgectl reload</c>): with
    /// polling off the edge's counters stop moving, so they can be compared with central's.
    /// </summary>
    internal async Task SetPollingAsync(bool enabled)
    {
        WriteEdgeConfig(enabled);
        var reload = JsonNode.Parse(await City.EdgeCtlAsync("reload", "--json"))!;
        Assert.Equal("applied", (string?)reload["outcome"]);
    }

    private string WriteEdgeConfig(bool polling)
    {
        var edge = City.MeterEdgeSection(PeriodMs);
        edge["Devices"]![0]!["Enabled"] = polling;
        // No metrics: with polling off, nothing at all is produced.
        edge["Metrics"] = new JsonObject { ["ForwardPeriodSeconds"] = 0 };
        edge["Central"] = new JsonObject
        {
            ["Host"] = "127.0.0.1",
            ["Port"] = Proxy.Port,
            ["Tls"] = StackCredentials.EdgeTls(GatewayId),
            ["AckTimeoutSeconds"] = 2,
            ["ReconnectMinDelayMs"] = 100,
            ["ReconnectMaxDelayMs"] = 1000,
        };
        var configPath = Path.Combine(City.DataDirectory, "edge-chaos.json");
        File.WriteAllText(configPath, new JsonObject { ["Edge"] = edge }.ToJsonString());
        return configPath;
    }

    /// <summary>Writes the edge's clock offset in seconds: "0" (the real clock), "-300" (five minutes back), "-1700000000".</summary>
    public void SetClockOffset(string offset)
    {
        var temporary = ClockFile + ".new";
        File.WriteAllText(temporary, offset + Environment.NewLine);
        File.Move(temporary, ClockFile, overwrite: true);
    }

    /// <summary>SIGKILL (<paramref name="hard"/>) or SIGTERM for the broker, then a new one on the same ports and files.</summary>
    public async Task RestartBrokerAsync(bool hard)
    {
        await StopBrokerAsync(hard);
        await StartBrokerAsync();
    }

    public async Task StopBrokerAsync(bool hard)
    {
        if (_mosquitto is null)
        {
            return;
        }

        if (!_mosquitto.HasExited)
        {
            await PeerProcess.RunAsync(TimeSpan.FromSeconds(5), "kill", hard ? "-KILL" : "-TERM", Text(_mosquitto.Id));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _mosquitto.WaitForExitAsync(timeout.Token);
        }

        _log.WriteLine("----- mosquitto (last 2000 characters) -----");
        var output = _mosquitto.Output;
        _log.WriteLine(output.Length > 2000 ? output[^2000..] : output);
        await _mosquitto.DisposeAsync();
        _mosquitto = null;
    }

    public async Task StartBrokerAsync()
    {
        var executable = PeerProcess.RequireExecutable("/usr/sbin/mosquitto", "apt-get install -y mosquitto");
        _mosquitto = PeerProcess.Start(executable, "-c", Path.Combine(_mosquittoDirectory, "mosquitto.conf"));
        await _mosquitto.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, BrokerPort), Patience);
        await _mosquitto.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, _centralPort), Patience);
    }

    /// <summary>The edge's status once it is connected with more than <paramref name="above"/> readings acknowledged.</summary>
    internal async Task<JsonNode> WaitForAckedAsync(long above, TimeSpan? patience = null) =>
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await City.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["central"].Long("readingsAcked") > above ? s : null;
        }, patience ?? Patience, $"the edge connected with more than {above} readings acknowledged");

    /// <summary>The edge's status once everything it buffered is acknowledged (nothing waiting, nothing in flight).</summary>
    internal async Task<JsonNode> WaitForDrainedAsync() =>
        await Eventually.ReturnsAsync(async () =>
        {
            var s = await City.EdgeStatusAsync();
            return (bool?)s["central"]?["connected"] == true && s["buffer"].Long("batchesWaiting") == 0 && s["central"].Long("inFlightBatches") == 0 ? s : null;
        }, Patience * 2, "the edge's buffer drained to central");

    internal async Task<long> ReadingsAckedAsync() => (await City.EdgeStatusAsync())["central"].Long("readingsAcked");

    /// <summary>What the rig's processes said since the last call, into the test's output.</summary>
    internal void WriteLogTo(ITestOutputHelper output)
    {
        output.WriteLine(_log.Take());
        foreach (var (name, process) in new[] { ("central", Central), ("edge", Edge) })
        {
            var text = process?.Output ?? "";
            output.WriteLine($"----- {name} (last 3000 characters) -----");
            output.WriteLine(text.Length > 3000 ? text[^3000..] : text);
        }
    }

    public async Task DisposeAsync()
    {
        await City.DisposeAsync();
        foreach (var process in _retired.Append(Edge).Append(Central))
        {
            await process.DisposeAsync();
        }

        await StopBrokerAsync(hard: false);
        await Proxy.DisposeAsync();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A test output the rig owns: it outlives each test, so each test takes what accumulated.</summary>
    private sealed class RigLog : ITestOutputHelper
    {
        private readonly StringBuilder _text = new();

        public void WriteLine(string message)
        {
            lock (_text)
            {
                _text.AppendLine(message);
            }
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(CultureInfo.InvariantCulture, format, args));

        public string Take()
        {
            lock (_text)
            {
                var text = _text.ToString();
                _text.Clear();
                return text;
            }
        }
    }
}

/// <summary>The edge's test seam for its wall clock (edge/Edge/Hosting/TestWallClockOffset.cs): the offset in seconds read from a file.</summary>
internal static class FakeTime
{
    public static Dictionary<string, string> Environment(string offsetFile) => new() { ["CITY_EDGE_TEST_CLOCK_OFFSET_FILE"] = offsetFile };
}
