using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Central, a simulated meter and one edge gateway as real processes on loopback ports, with their data in a temporary
/// folder. Secure as deployed: MQTT over TLS only, the edge (and any citysim load) with certificates of central's CA,
/// the HTTP API with an admin token (<see cref="StackCredentials"/>).
/// </summary>
internal sealed class CityStack : IAsyncDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly List<ManagedProcess> _retired = [];

    public CityStack(ITestOutputHelper log, string gatewayId = "gw-e2e")
    {
        _log = log;
        GatewayId = gatewayId;
        DataDirectory = Directory.CreateTempSubdirectory("city-e2e-").FullName;
        HttpPort = FreePort.Tcp();
        MqttPort = FreePort.Tcp();
        MeterPort = FreePort.Tcp();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string GatewayId { get; }

    public string DataDirectory { get; }

    public int HttpPort { get; }

    public int MqttPort { get; }

    public int MeterPort { get; }

    public HttpClient Http { get; }

    public ManagedProcess? Central { get; private set; }

    public ManagedProcess? Meter { get; private set; }

    public ManagedProcess? Edge { get; private set; }

    public string SocketPath => Path.Combine(DataDirectory, "edge", "edgectl.sock");

    /// <summary>The admin token <see cref="Http"/> sends (<c>central token create</c>, in central's tokens.json before it first starts).</summary>
    public string? ApiToken { get; private set; }

    /// <summary>Central's TLS listener only (no plain one): the edge and citysim connect with their certificates.</summary>
    public async Task StartCentralAsync(params string[] extraArguments)
    {
        Retire(Central);
        if (ApiToken is null)
        {
            ApiToken = StackCredentials.CopyInto(Path.Combine(DataDirectory, "central"));
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken);
        }

        Central = ManagedProcess.Start("central/Central", "central",
        [
            $"--Central:DataPath={Path.Combine(DataDirectory, "central")}",
            $"--Central:HttpUrl=http://127.0.0.1:{HttpPort}",
            $"--Central:Mqtt:Port={MqttPort}",
            "--Central:AdmitOnBirth=true",
            .. extraArguments,
        ], _log, "central");
        await Eventually.ReturnsAsync(async () => (await Http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode ? "up" : null, TimeSpan.FromSeconds(60), "central /healthz");
    }

    public async Task StartMeterAsync()
    {
        Retire(Meter);
        Meter = ManagedProcess.Start("simulators/CitySim", "citysim", ["meter", "--port", MeterPort.ToString(CultureInfo.InvariantCulture)], _log, "citysim");
        await Meter.WaitForOutputAsync("listening", TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts the edge with every point of the meter polled every <paramref name="periodMs"/>.</summary>
    public void StartEdge(int periodMs = 1000, bool pollingEnabled = true)
    {
        Retire(Edge);
        var configPath = Path.Combine(DataDirectory, "edge.json");
        File.WriteAllText(configPath, EdgeConfig(periodMs, pollingEnabled).ToJsonString());
        Edge = ManagedProcess.Start("edge/Edge", "edge", ["--config", configPath], _log, "edge");
    }

    /// <summary>
    /// Starts the edge with a configuration of the test's own: <paramref name="edgeSection"/> is the Edge section
    /// (start from <see cref="EdgeSection"/>, which connects it to this stack's central, buffer and local API).
    /// </summary>
    public void StartEdge(JsonObject edgeSection)
    {
        Retire(Edge);
        var configPath = Path.Combine(DataDirectory, "edge.json");
        File.WriteAllText(configPath, new JsonObject { ["Edge"] = edgeSection }.ToJsonString());
        Edge = ManagedProcess.Start("edge/Edge", "edge", ["--config", configPath], _log, "edge");
    }

    /// <summary>The Edge section every test edge needs: its gateway id, this stack's central, a buffer and the local API socket; no devices.</summary>
    public JsonObject EdgeSection() => new()
    {
        ["GatewayId"] = GatewayId,
        ["Central"] = CentralSection(),
        ["Buffer"] = new JsonObject { ["Path"] = Path.Combine(DataDirectory, "edge", "buffer.db"), ["FlushIntervalMs"] = 200 },
        ["LocalApi"] = new JsonObject { ["SocketPath"] = SocketPath },
        ["Devices"] = new JsonArray(),
    };

    /// <summary>The edge's Central section: this stack's broker over TLS with the certificate of <paramref name="gatewayId"/> (default: the stack's gateway).</summary>
    public JsonObject CentralSection(string? gatewayId = null) => new()
    {
        ["Host"] = "127.0.0.1",
        ["Port"] = MqttPort,
        ["Tls"] = StackCredentials.EdgeTls(gatewayId ?? GatewayId),
        ["AckTimeoutSeconds"] = 5,
        ["ReconnectMaxDelayMs"] = 2000,
    };

    /// <summary>Another edge process with <paramref name="edgeSection"/> as its Edge section (written to <c>{label}.json</c>); stopped with the stack.</summary>
    public ManagedProcess StartOtherEdge(string label, JsonObject edgeSection)
    {
        var configPath = Path.Combine(DataDirectory, label + ".json");
        File.WriteAllText(configPath, new JsonObject { ["Edge"] = edgeSection }.ToJsonString());
        var process = ManagedProcess.Start("edge/Edge", "edge", ["--config", configPath], _log, label);
        _retired.Add(process);
        return process;
    }

    /// <summary>The Edge section <see cref="StartEdge(int, bool)"/> writes: the meter's five points polled every <paramref name="periodMs"/>.</summary>
    public JsonObject MeterEdgeSection(int periodMs) => (JsonObject)EdgeConfig(periodMs, pollingEnabled: true)["Edge"]!.DeepClone();

    /// <summary>Any citysim command; the process is stopped when the stack is disposed.</summary>
    public ManagedProcess StartCitySim(string label, IEnumerable<string> arguments, bool withInput = false)
    {
        var process = ManagedProcess.Start("simulators/CitySim", "citysim", arguments, _log, label, withInput);
        _retired.Add(process);
        return process;
    }

    /// <summary>Runs a command of the central binary (<c>central token ...</c>) on this stack's data path and returns its stdout; throws when it fails.</summary>
    public async Task<string> CentralCommandAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(Repository.Root, "central/Central/bin", Repository.Configuration, "net10.0/central.dll"));
        foreach (var argument in arguments.Append($"--Central:DataPath={Path.Combine(DataDirectory, "central")}"))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _log.WriteLine($"central {arguments[0]} {(arguments.Length > 1 ? arguments[1] : string.Empty)} -> exit {process.ExitCode}: {await stderr}");
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"central {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    /// <summary>Runs edgectl against this stack's edge (its socket is appended) and returns its stdout; throws when it fails.</summary>
    public async Task<string> EdgeCtlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(Repository.Root, "edge/EdgeCtl/bin", Repository.Configuration, "net10.0/edgectl.dll"));
        foreach (var argument in arguments.Concat(["--socket", SocketPath]))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _log.WriteLine($"edgectl {string.Join(' ', arguments)} -> exit {process.ExitCode}: {await stdout}{await stderr}");
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"edgectl {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }

    /// <summary>
    /// Other gateways publishing to central at the same time (citysim's load mode, over TLS); stops by itself. With
    /// <paramref name="intervalSeconds"/>, each gateway publishes one batch per interval instead of as fast as it can and
    /// publishes a batch again when its ack has not come within 5 s (as an edge would: a batch published to a restarted
    /// central's broker before central subscribed is gone).
    /// </summary>
    public ManagedProcess StartBackgroundLoad(int seconds, double? intervalSeconds = null)
    {
        StackCredentials.EnsureGateways([.. Enumerable.Range(0, 5).Select(i => "noise-" + i.ToString(CultureInfo.InvariantCulture))]);
        var load = ManagedProcess.Start("simulators/CitySim", "citysim",
        [
            "load", "--broker", $"127.0.0.1:{MqttPort}", "--tls-dir", StackCredentials.CertificateDirectory, "--gateways", "5", "--points", "50",
            "--readings-per-point", "10", "--window", "4", "--duration", seconds.ToString(CultureInfo.InvariantCulture), "--gateway-prefix", "noise-",
            .. intervalSeconds is { } interval ? new[] { "--interval", interval.ToString(CultureInfo.InvariantCulture), "--resend-after", "5" } : [],
        ], _log, "citysim load");
        _retired.Add(load);
        return load;
    }

    public async Task KillEdgeAsync()
    {
        await Edge!.KillHardAsync();
    }

    public async Task<JsonNode> EdgeStatusAsync(string? socketPath = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(Repository.Root, "edge/EdgeCtl/bin", Repository.Configuration, "net10.0/edgectl.dll"));
        foreach (var argument in new[] { "status", "--json", "--socket", socketPath ?? SocketPath })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"edgectl exited {process.ExitCode}: {stderr}{stdout}");
        }

        return JsonNode.Parse(stdout)!;
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        var text = await Http.GetStringAsync(new Uri(path, UriKind.Relative));
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode?> GatewayAsync()
    {
        var gateways = (await GetJsonAsync("/api/v1/gateways")).AsArray();
        return gateways.FirstOrDefault(g => (string?)g!["id"] == GatewayId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { Edge, Meter, Central }.Concat(_retired))
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        Http.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException e)
        {
            _log.WriteLine($"could not delete {DataDirectory}: {e.Message}");
        }
    }

    private void Retire(ManagedProcess? process)
    {
        if (process is not null)
        {
            _retired.Add(process);
        }
    }

    private JsonObject EdgeConfig(int periodMs, bool pollingEnabled)
    {
        JsonObject Point(string name, int register, string dataType, string unit) => new()
        {
            ["Name"] = name,
            ["Register"] = register,
            ["Table"] = "input",
            ["DataType"] = dataType,
            ["Unit"] = unit,
            ["PeriodMs"] = periodMs,
        };

        return new JsonObject
        {
            ["Edge"] = new JsonObject
            {
                ["GatewayId"] = GatewayId,
                ["Central"] = CentralSection(),
                ["Buffer"] = new JsonObject { ["Path"] = Path.Combine(DataDirectory, "edge", "buffer.db"), ["FlushIntervalMs"] = 200 },
                ["LocalApi"] = new JsonObject { ["SocketPath"] = SocketPath },
                ["Devices"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["Name"] = "meter1",
                        ["Protocol"] = "modbus-tcp",
                        ["Enabled"] = pollingEnabled,
                        ["Host"] = "127.0.0.1",
                        ["Port"] = MeterPort,
                        ["UnitId"] = 1,
                        ["Points"] = new JsonArray
                        {
                            Point("voltage", 0, "float32", "V"),
                            Point("current", 2, "float32", "A"),
                            Point("power", 4, "float32", "W"),
                            Point("power-factor", 6, "float32", ""),
                            Point("energy", 8, "uint64", "Wh"),
                        },
                    },
                },
            },
        };
    }
}

internal static class Json
{
    public static long Long(this JsonNode? node, string name) =>
        node?[name] is JsonValue value ? value.GetValue<JsonElement>().GetInt64() : throw new KeyNotFoundException($"'{name}' missing in {node?.ToJsonString()}");
}
