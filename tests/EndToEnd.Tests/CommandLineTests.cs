using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The four programs at the command line, as real processes: --help and --version print and exit 0 (one version number for
/// all, the one in Directory.Build.props), an unknown argument or configuration section exits 2 naming it, and a daemon that
/// cannot start says why in one line.
/// </summary>
[Collection("processes")]
public sealed partial class CommandLineTests(ITestOutputHelper log) : IDisposable
{
    private const int ExitUsage = 2;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly (string Directory, string Program)[] Programs =
    [
        ("edge/Edge", "edge"),
        ("central/Central", "central"),
        ("simulators/CitySim", "citysim"),
        ("edge/EdgeCtl", "edgectl"),
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("cli-tests-").FullName;

    public static TheoryData<string> ProgramNames() => [.. Programs.Select(p => p.Program)];

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public async Task Help_prints_the_usage_and_exits_0(string program)
    {
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (code, output) = await RunAsync(program, flag);
            Assert.Equal(0, code);
            Assert.Contains(program, output, StringComparison.Ordinal);
            Assert.Contains("--version", output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("central")]
    public async Task Help_does_not_swallow_the_argument_after_it(string program)
    {
        var (code, output) = await RunAsync(program, "--help", "--version");
        Assert.Equal(0, code);
        Assert.Contains("usage", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public async Task Version_prints_the_version_of_Directory_Build_props_and_exits_0(string program)
    {
        var (code, output) = await RunAsync(program, "--version");
        Assert.Equal(0, code);
        Assert.Equal(ProjectVersion(), output.Trim());
    }

    [Theory]
    [InlineData("edge", "stray")]
    [InlineData("edge", "-x")]
    [InlineData("central", "stray")]
    [InlineData("citysim", "stray")]
    [InlineData("citysim", "meter", "--stray")]
    [InlineData("edgectl", "stray")]
    [InlineData("edgectl", "status", "--stray")]
    public async Task An_unknown_argument_exits_2_naming_it(string program, params string[] arguments)
    {
        var (code, output) = await RunAsync(program, arguments);
        Assert.Equal(ExitUsage, code);
        Assert.Contains($"'{arguments[^1]}'", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edge", "--Egde:GatewayId=x", "Egde")]
    [InlineData("edge", "--GatewayId=x", "GatewayId")]
    [InlineData("central", "--Centarl:HttpUrl=http://127.0.0.1:0", "Centarl")]
    public async Task A_misspelt_section_exits_2_naming_it(string program, string argument, string section)
    {
        var (code, output) = await RunAsync(program, argument);
        Assert.Equal(ExitUsage, code);
        Assert.Contains($"'{section}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_section_in_the_edge_configuration_file_exits_2_naming_it()
    {
        var config = WriteEdgeConfig("""{ "Egde": { "GatewayId": "gw-typo" } }""");
        var (code, output) = await RunAsync("edge", "--config", config);
        Assert.Equal(ExitUsage, code);
        Assert.Contains("'Egde'", output, StringComparison.Ordinal);
        Assert.Contains(config, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_without_a_gateway_id_exits_2_naming_Edge_GatewayId()
    {
        var config = WriteEdgeConfig("""{ "Edge": { "Devices": [], "DaliLines": [] } }""");
        var (code, output) = await RunAsync("edge", "--config", config);
        Assert.Equal(ExitUsage, code);
        Assert.Contains("Edge:GatewayId", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "buffer.db")));
    }

    [Fact]
    public async Task Central_with_its_HTTP_port_taken_exits_1_in_one_line_naming_Central_HttpUrl_and_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = (IPEndPoint)taken.LocalEndpoint;
        var (code, output) = await RunAsync("central", $"--Central:DataPath={_directory}",
            $"--Central:HttpUrl=http://127.0.0.1:{address.Port}", "--Central:Mqtt:Port=0");
        Assert.Equal(1, code);
        var line = Assert.Single(Lines(output));
        Assert.Contains("Central:HttpUrl", line, StringComparison.Ordinal);
        Assert.Contains(address.ToString(), line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Central_with_its_MQTT_port_taken_exits_1_in_one_line_naming_Central_Mqtt_Port_and_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = (IPEndPoint)taken.LocalEndpoint;
        var (code, output) = await RunAsync("central", $"--Central:DataPath={_directory}",
            "--Central:HttpUrl=http://127.0.0.1:0", $"--Central:Mqtt:Port={address.Port}");
        Assert.Equal(1, code);
        var line = Assert.Single(Lines(output));
        Assert.Contains("Central:Mqtt:Port", line, StringComparison.Ordinal);
        Assert.Contains(address.ToString(), line, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The single version every program reports, as Directory.Build.props sets it.</summary>
    private static string ProjectVersion()
    {
        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));
        var match = VersionElement().Match(props);
        Assert.True(match.Success, "Directory.Build.props sets no <Version>");
        return match.Groups[1].Value;
    }

    private string WriteEdgeConfig(string json)
    {
        var path = Path.Combine(_directory, "site.json");
        File.WriteAllText(path, json);
        return path;
    }

    private async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var directory = Programs.Single(p => p.Program == program).Directory;

        // An edge that started anyway keeps its buffer and socket in this test's directory.
        var all = program == "edge"
            ? arguments.Concat([$"--Edge:Buffer:Path={Path.Combine(_directory, "buffer.db")}", $"--Edge:LocalApi:SocketPath={Path.Combine(_directory, "api.sock")}"]).ToArray()
            : arguments;
        await using var process = ManagedProcess.Start(directory, program, all, log, program);
        var code = await process.WaitForExitAsync(Patience);
        log.WriteLine($"{program} {string.Join(' ', all)} -> {code.ToString(CultureInfo.InvariantCulture)}");
        return (code, process.Output);
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
