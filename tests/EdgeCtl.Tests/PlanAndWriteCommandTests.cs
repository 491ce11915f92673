using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Modbus;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl plan</c> and <c>edgectl write</c> run in-process against a real edge (built by City.Edge.Program.Build, local API on
/// a Unix socket in a temporary directory) polling a <see cref="ModbusTcpSlave"/> on 127.0.0.1 with the traffic-controller profile.
/// </summary>
public sealed class PlanAndWriteCommandTests : IAsyncLifetime
{
    private const byte Unit = 2;
    private readonly InMemoryRegisterMap _map = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-tests-" + Guid.NewGuid().ToString("N")[..12]);
    private ModbusTcpSlave _slave = null!;
    private BatchBuffer _buffer = null!;
    private WebApplication _app = null!;
    private string _socket = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _map.AddUnit(Unit, holdingRegisterCount: 120, inputRegisterCount: 20, coilCount: 8, discreteInputCount: 4);
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
            ["Edge:Devices:0:Profile"] = "traffic-controller",
            ["Edge:Devices:0:Points:0:Name"] = "setpoint",
            ["Edge:Devices:0:Points:0:Register"] = "10",
            ["Edge:Devices:0:Points:0:DataType"] = "int16",
            ["Edge:Devices:0:Points:0:Scale"] = "0.1",
            ["Edge:Devices:0:Points:0:Writable"] = "true",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        _app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out _socket);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _buffer.Dispose();
        await _slave.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([args[0], "--socket", _socket, .. args[1..]]).InvokeAsync();
        return (exit, stdout.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), stderr.ToString());
    }

    [Fact]
    public async Task Plan_PrintsOneLinePerRequest_AndTheTotals()
    {
        var (exit, stdout, stderr) = await RunAsync("plan", "tc1");

        Assert.True(exit == 0, stderr);
        Assert.Contains("profile traffic-controller", stdout, StringComparison.Ordinal);
        Assert.Contains("every 1000 ms: 32 points in 4 requests (15 registers, 0 of them fill; 12 bits)", stdout, StringComparison.Ordinal);
        Assert.Contains("  input     FC04          0     14     0  mode, stage, cycle-second, alarms, alarm-lamp-failure", stdout, StringComparison.Ordinal);
        Assert.Contains("  coil      FC01          0      8     0  detector-1-occupied", stdout, StringComparison.Ordinal);
        Assert.Contains("every 5000 ms: 1 points in 1 requests", stdout, StringComparison.Ordinal);
        Assert.Contains("total     33 points, 5 requests per cycle of every group, 4.2 requests/s", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Json_IsTheApiDocument()
    {
        var (exit, stdout, _) = await RunAsync("plan", "tc1", "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal("tc1", document.RootElement.GetProperty("device").GetString());
        Assert.Equal(5, document.RootElement.GetProperty("totals").GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task Plan_UnknownDevice_ExitsOneWithTheEdgesMessage()
    {
        var (exit, stdout, stderr) = await RunAsync("plan", "tc9", "--json");

        Assert.Equal(1, exit);
        Assert.Equal("edgectl: no device named 'tc9' (known: tc1)", stderr.TrimEnd());
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal("no device named 'tc9' (known: tc1)", document.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Points_ShowQualitiesAndBooleansAsTheContractSpellsThem()
    {
        // Coil 0 is detector-1-occupied (off): once polled it is good and false, in JSON and in the table.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (exit, stdout, stderr) = await RunAsync("points", "--json");
            Assert.True(exit == 0, stderr);
            using var document = JsonDocument.Parse(stdout);
            var detector = document.RootElement.EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == "tc1/detector-1-occupied");
            if (detector.ValueKind == JsonValueKind.Object && detector.GetProperty("quality").GetString() == "good")
            {
                Assert.Equal(JsonValueKind.False, detector.GetProperty("value").ValueKind);
                break;
            }

            await Task.Delay(100, cts.Token);
        }

        var (tableExit, table, _) = await RunAsync("points");

        Assert.Equal(0, tableExit);
        Assert.Matches(@"(?m)^tc1/detector-1-occupied +false +(\S+ +)?good ", table);
    }

    [Fact]
    public async Task Write_ChangesTheSlavesRegister()
    {
        var (exit, stdout, stderr) = await RunAsync("write", "tc1/requested-mode", "1");

        Assert.True(exit == 0, stderr);
        Assert.Equal("wrote 1 to tc1/requested-mode (FC06 at 100: 0001)\n", stdout);
        Assert.Equal([(ushort)1], _map.GetHoldingRegisters(Unit, 100, 1));
    }

    [Fact]
    public async Task Write_NegativeScaledValue_Json()
    {
        var (exit, stdout, stderr) = await RunAsync("write", "tc1/setpoint", "--json", "--", "-12.5");

        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(stdout);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal([unchecked((ushort)-125)], _map.GetHoldingRegisters(Unit, 10, 1));
    }

    [Theory]
    [InlineData("tc1/mode", "1", "edgectl: tc1/mode: the input table is read-only")]
    [InlineData("tc1/requested-mode", "70000", "edgectl: tc1/requested-mode: 70000 gives the raw value 70000, out of range for uint16 (0..65535)")]
    [InlineData("tc1/requested-mode", "fast", "edgectl: tc1/requested-mode: a number point takes a number (got \"fast\")")]
    [InlineData("tc1/nope", "1", "edgectl: device 'tc1' has no point named 'nope'")]
    [InlineData("tc1", "1", "edgectl: bad point 'tc1': expected DEVICE/POINT (e.g. tc1/requested-mode)")]
    public async Task Write_Refused_ExitsOneWithAClearMessage(string target, string value, string expected)
    {
        var (exit, _, stderr) = await RunAsync("write", target, value);

        Assert.Equal(1, exit);
        Assert.Equal(expected, stderr.TrimEnd());
        Assert.Equal([(ushort)0], _map.GetHoldingRegisters(Unit, 100, 1));
    }

    [Fact]
    public async Task Write_WithoutADaemon_SaysSo()
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(["write", "tc1/requested-mode", "1", "--socket", Path.Combine(_dir, "none.sock")]).InvokeAsync();

        Assert.Equal(1, exit);
        Assert.StartsWith("edgectl: no edge daemon socket at ", stderr.ToString(), StringComparison.Ordinal);
    }
}
