using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace City.Browser.Tests;

/// <summary>
/// One rig for the page's tests: central, an edge cabinet in Dijon with a DALI line of <see cref="GearCount"/> lamps
/// (<c>citysim dali --control</c> behind a socat pty pair, faults injected on its stdin), all as real processes, and one
/// headless chromium. Operator and viewer tokens are made with <c>central token create</c>.
/// </summary>
public sealed partial class OperatorPageRig : IAsyncLifetime
{
    public const string GatewayId = "gw-browser";
    public const string Line = "lights";
    public const string Town = "Dijon";
    public const int GearCount = 8;

    private readonly RigLog _log;
    private SocatPtyPair? _pty;
    private CityStack? _city;
    private ManagedProcess? _dali;
    private HeadlessChromium? _browser;

    public OperatorPageRig(IMessageSink sink)
    {
        _log = new RigLog(sink);
    }

    internal CityStack City => _city ?? throw new InvalidOperationException("the rig is not started");

    internal HeadlessChromium Browser => _browser ?? throw new InvalidOperationException("the rig is not started");

    public string OperatorToken { get; private set; } = "";

    public string ViewerToken { get; private set; } = "";

    public Uri PageUri => City.Http.BaseAddress!;

    /// <summary>The lamp id central's /api/v1/assets gives the gear at <paramref name="address"/>.</summary>
    public static string LampId(int address) => string.Create(CultureInfo.InvariantCulture, $"{Line}/g{address}");

    /// <summary>The DALI group of a gear: the first half of the line is group 0, the second group 1.</summary>
    public static int GroupOf(int address) => address < GearCount / 2 ? 0 : 1;

    /// <summary>Sends the test's output to <paramref name="output"/> until the next test attaches its own.</summary>
    public void Attach(ITestOutputHelper output) => _log.Attach(output);

    public async Task InitializeAsync()
    {
        var browserStart = Task.Run(() => HeadlessChromium.Start());
        _pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        _city = new CityStack(_log, GatewayId);
        _dali = _city.StartCitySim("citysim dali",
            ["dali", "--serial", _pty.PortA, "--gear", GearCount.ToString(CultureInfo.InvariantCulture), "--watts", "60", "--control", "--json"],
            withInput: true);
        // The run's PKI and admin token first, so that the operator's and viewer's tokens are made while central starts
        // (central reads tokens.json again when it changes; the command replaces it atomically).
        StackCredentials.CopyInto(Path.Combine(_city.DataDirectory, "central"));
        var tokens = Task.Run(async () =>
        {
            OperatorToken = await CreateTokenAsync("control-room", "operator");
            ViewerToken = await CreateTokenAsync("visitor", "viewer");
        });
        var central = _city.StartCentralAsync();
        // The edge starts as soon as the line answers; it connects to central when central is up (reconnecting within 2 s).
        await _dali.WaitForOutputAsync("\"serialPort\"", TimeSpan.FromSeconds(60));
        _city.StartEdge(EdgeSection(_city, _pty.PortB));
        await central;
        await tokens;
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(_city);
            return Enumerable.Range(0, GearCount).All(a => CentralPoints.NumberOf(latest, LampId(a) + ".level") is not null) ? latest : null;
        }, TimeSpan.FromSeconds(90), "the level of every lamp at central");
        _browser = await browserStart;
    }

    /// <summary>A fault command on the simulated line's stdin (<c>lamp fail 2</c>, <c>lamp ok 2</c>, ...).</summary>
    public Task InjectAsync(string command) => _dali!.WriteLineAsync(command);

    /// <summary>The actual level of every gear in the simulator (its <c>status</c> command, answered on stderr).</summary>
    public async Task<IReadOnlyDictionary<int, int>> SimulatedLevelsAsync()
    {
        var before = _dali!.Output.Length;
        await _dali.WriteLineAsync("status");
        return await Eventually.ReturnsAsync(() =>
        {
            var text = _dali.Output[before..];
            var levels = GearLevel().Matches(text).ToDictionary(
                m => int.Parse(m.Groups["address"].Value, CultureInfo.InvariantCulture),
                m => int.Parse(m.Groups["level"].Value, CultureInfo.InvariantCulture));
            return Task.FromResult(levels.Count == GearCount ? levels : null);
        }, TimeSpan.FromSeconds(30), "the simulator's status of every gear");
    }

    public async Task DisposeAsync()
    {
        _browser?.Dispose();
        if (_city is not null)
        {
            await _city.DisposeAsync();
        }

        if (_pty is not null)
        {
            await _pty.DisposeAsync();
        }
    }

    private async Task<string> CreateTokenAsync(string name, string role) =>
        JsonNode.Parse(await City.CentralCommandAsync("token", "create", "--name", name, "--role", role, "--json"))!["token"]!.GetValue<string>();

    private static JsonObject EdgeSection(CityStack city, string port)
    {
        var gear = new JsonArray();
        for (var address = 0; address < GearCount; address++)
        {
            gear.Add(new JsonObject
            {
                ["Address"] = address,
                ["Groups"] = new JsonArray(GroupOf(address)),
                ["Location"] = string.Create(CultureInfo.InvariantCulture, $"pole-{address + 1:D2}"),
                ["RatedPowerW"] = 60,
                // A row of poles along a street east of the cabinet.
                ["Latitude"] = 47.3220 + (address * 0.0001),
                ["Longitude"] = 5.0420 + (address * 0.0003),
            });
        }

        var edge = city.EdgeSection();
        edge["Site"] = new JsonObject
        {
            ["Town"] = Town,
            ["District"] = "Centre",
            ["Latitude"] = 47.3218,
            ["Longitude"] = 5.0415,
            ["TimeZone"] = "Europe/Paris",
        };
        edge["DaliLines"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = Line,
                ["Port"] = port,
                // Without wire timing a sweep of 8 gear takes a few bus transactions: a failure reaches central within a second.
                ["StatusPeriodMs"] = 500,
                ["EnergyPeriodMs"] = 60_000,
                ["InterfaceTimeoutMs"] = 3000,
                ["AnswerWindowMs"] = 100,
                ["Gear"] = gear,
            },
        };
        return edge;
    }

    // "A5 (#5): level 254, 60.3 W, ..." lines of citysim dali's status.
    [GeneratedRegex(@"^A(?<address>\d+) \(#\d+\): level (?<level>\d+),", RegexOptions.Multiline)]
    private static partial Regex GearLevel();
}
