using System.Globalization;
using System.Net;
using System.Text.Json;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Devices;
using City.Protocols.Modbus;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl metrics</c> in-process against a real edge polling a Modbus slave (tc1) and a closed port (dead): the table, the
/// JSON and the raw Prometheus text, and edgectl's parser against the Python client's parser on the same text.
/// </summary>
public sealed class MetricsViewTests : IAsyncLifetime
{
    private readonly InMemoryRegisterMap _map = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-tests-" + Guid.NewGuid().ToString("N")[..12]);
    private ModbusTcpSlave _slave = null!;
    private BatchBuffer _buffer = null!;
    private WebApplication _app = null!;
    private string _socket = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _map.AddUnit(2, holdingRegisterCount: 20, inputRegisterCount: 4);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-ctl",
            ["Edge:Central:Port"] = FreePort.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(_dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(_dir, "api.sock"),
            ["Edge:Devices:0:Name"] = "tc1",
            ["Edge:Devices:0:Host"] = "127.0.0.1",
            ["Edge:Devices:0:Port"] = _slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture),
            ["Edge:Devices:0:UnitId"] = "2",
            ["Edge:Devices:0:Points:0:Name"] = "mode",
            ["Edge:Devices:0:Points:0:Register"] = "3",
            ["Edge:Devices:0:Points:0:PeriodMs"] = "200",
            ["Edge:Devices:1:Name"] = "dead",
            ["Edge:Devices:1:Host"] = "127.0.0.1",
            ["Edge:Devices:1:Port"] = FreePort.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Edge:Devices:1:Points:0:Name"] = "level",
            ["Edge:Devices:1:Points:0:Register"] = "0",
            ["Edge:Devices:1:Points:0:PeriodMs"] = "200",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        _app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out _socket);
        await _app.StartAsync();
        await Until.TrueAsync(async () =>
        {
            var (_, stdout, _) = await RunAsync("metrics", "--json");
            using var document = JsonDocument.Parse(stdout);
            return document.RootElement.EnumerateArray().Any(s => s.GetProperty("name").GetString() == "edge_device_poll_errors_total"
                && s.GetProperty("labels").GetProperty("device").GetString() == "dead" && s.GetProperty("value").GetDouble() >= 1)
                && document.RootElement.EnumerateArray().Any(s => s.GetProperty("name").GetString() == "edge_device_polls_total"
                && s.GetProperty("labels").GetProperty("device").GetString() == "tc1" && s.GetProperty("value").GetDouble() >= 2);
        }, "polls of tc1 and a failed poll of dead");
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _buffer.Dispose();
        await _slave.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Metrics_prints_a_table_of_every_figure_with_its_labels()
    {
        var (exit, stdout, stderr) = await RunAsync("metrics");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("metric ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("edge_info ", StringComparison.Ordinal) && l.Contains("gateway=gw-ctl", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("edge_device_poll_errors_total ", StringComparison.Ordinal)
            && l.Contains("device=dead protocol=modbus-tcp kind=link", StringComparison.Ordinal) && !l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("edge_forwarder_window_batches ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 16", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("edge_central_connected ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));

        // tc1 answers: its error counts are all 0 and left out of the table, which says how many it left out.
        Assert.DoesNotContain(lines, l => l.StartsWith("edge_device_poll_errors_total ", StringComparison.Ordinal) && l.Contains("device=tc1 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith('(') && l.Contains("error counts at 0 not shown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_raw_is_Prometheus_text_that_the_Python_client_reads_as_edgectl_does()
    {
        var (exit, raw, stderr) = await RunAsync("metrics", "--raw");
        Assert.True(exit == 0, stderr);
        Assert.Contains("# TYPE edge_device_polls_total counter", raw, StringComparison.Ordinal);

        var python = await PrometheusTextParser.ParseAsync(raw);
        var ours = MetricsView.Parse(raw);
        Assert.Equal(python.Count, ours.Count);
        foreach (var (theirs, mine) in python.Zip(ours))
        {
            Assert.Equal(theirs.Name, mine.Name);
            Assert.Equal(theirs.Labels.OrderBy(l => l.Key), mine.Labels.OrderBy(l => l.Key));
            Assert.Equal(theirs.Value, mine.Value);
            Assert.Equal(theirs.Type, mine.Type);
            Assert.Equal(theirs.Help, mine.Help);
        }
    }

    [Fact]
    public async Task Metrics_json_gives_name_type_labels_value_and_help()
    {
        var (exit, stdout, stderr) = await RunAsync("metrics", "--json");

        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(stdout);
        var polls = document.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "edge_device_polls_total"
            && s.GetProperty("labels").GetProperty("device").GetString() == "tc1");
        Assert.Equal("counter", polls.GetProperty("type").GetString());
        Assert.Equal("modbus-tcp", polls.GetProperty("labels").GetProperty("protocol").GetString());
        Assert.True(polls.GetProperty("value").GetDouble() >= 2);
        Assert.False(string.IsNullOrEmpty(polls.GetProperty("help").GetString()));
    }

    [Fact]
    public async Task Metrics_without_a_daemon_fails_with_one_line()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(["metrics", "--socket", Path.Combine(_dir, "none.sock")]).InvokeAsync();

        Assert.Equal(1, exit);
        Assert.StartsWith("edgectl: ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edge_x{a=\"1\" 3")]
    [InlineData("edge_x{a=1} 3")]
    [InlineData("edge_x abc")]
    public void Parse_refuses_a_broken_line_naming_it(string line)
    {
        var error = Assert.Throws<FormatException>(() => MetricsView.Parse("# TYPE edge_x gauge\n" + line + "\n"));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([args[0], "--socket", _socket, .. args[1..]]).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
