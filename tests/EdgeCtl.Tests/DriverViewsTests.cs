using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Dali;
using City.Edge.Devices;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl status</c>, <c>points</c> and <c>plan</c> show every protocol alike: an in-process edge with a disabled Modbus
/// device, a disabled SNMP device and a DALI line whose master interface is a <see cref="DaliFakeLine"/>.
/// </summary>
public sealed class DriverViewsTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-views-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly DaliFakeLine _fake = new();
    private BatchBuffer _buffer = null!;
    private WebApplication _app = null!;
    private string _socket = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _fake.Gear.Add(new DaliFakeGear(0));
        _fake.Gear.Add(new DaliFakeGear(1));
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-views",
            ["Edge:Central:Port"] = ClosedPort().ToString(CultureInfo.InvariantCulture),
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(_dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(_dir, "api.sock"),
            ["Edge:Devices:0:Name"] = "meter-off",
            ["Edge:Devices:0:Enabled"] = "false",
            ["Edge:Devices:0:Host"] = "127.0.0.1",
            ["Edge:Devices:0:Port"] = ClosedPort().ToString(CultureInfo.InvariantCulture),
            ["Edge:Devices:0:Points:0:Name"] = "voltage",
            ["Edge:Devices:0:Points:0:Register"] = "0",
            ["Edge:Devices:0:Points:0:Table"] = "input",
            ["Edge:Devices:0:Points:0:DataType"] = "float32",
            ["Edge:Devices:1:Name"] = "tc-snmp",
            ["Edge:Devices:1:Protocol"] = "snmp",
            ["Edge:Devices:1:Enabled"] = "false",
            ["Edge:Devices:1:Host"] = "127.0.0.1",
            ["Edge:Devices:1:Version"] = "2c",
            ["Edge:Devices:1:Community"] = "public",
            ["Edge:Devices:1:MaxRepetitions"] = "5",
            ["Edge:Devices:1:Points:0:Name"] = "uptime",
            ["Edge:Devices:1:Points:0:Oid"] = "1.3.6.1.2.1.1.3.0",
            ["Edge:Devices:1:Points:1:Name"] = "volume",
            ["Edge:Devices:1:Points:1:Oid"] = "1.3.6.1.4.1.1206.4.2.1.2.5.4.1.2",
            ["Edge:Devices:1:Points:1:Rows"] = "2",
            ["Edge:DaliLines:0:Name"] = "lights",
            ["Edge:DaliLines:0:Port"] = "/dev/fake-dali",
            ["Edge:DaliLines:0:StatusPeriodMs"] = "200",
            ["Edge:DaliLines:0:Gear:0:Address"] = "0",
            ["Edge:DaliLines:0:Gear:1:Address"] = "1",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IDaliMasterFactory>(new FixedMasterFactory(_fake));
        _app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out _socket);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _buffer.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Status_ShowsADisabledDevice_AsDisabled_NotFailed()
    {
        var (exit, stdout, stderr) = await RunAsync("status");

        Assert.True(exit == 0, stderr);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("meter-off ", StringComparison.Ordinal));
        Assert.Contains("disabled (Enabled=false): not polled", line, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", line, StringComparison.Ordinal);

        var (jsonExit, json, _) = await RunAsync("status", "--json");
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        var devices = document.RootElement.GetProperty("devices").EnumerateArray().ToList();
        Assert.False(devices.Single(d => d.GetProperty("name").GetString() == "meter-off").GetProperty("enabled").GetBoolean());
        Assert.False(devices.Single(d => d.GetProperty("name").GetString() == "tc-snmp").GetProperty("enabled").GetBoolean());

        // This edge runs with AllowPlain: the link says so, and nothing was ignored.
        var central = document.RootElement.GetProperty("central");
        Assert.False(central.GetProperty("tls").GetBoolean());
        Assert.Equal(0, central.GetProperty("forgedAckSeqs").GetInt64());
        Assert.Contains("(PLAIN, no TLS)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_OfAnSnmpDevice_ListsItsOidsAndRequests()
    {
        var (exit, stdout, stderr) = await RunAsync("plan", "tc-snmp");

        Assert.True(exit == 0, stderr);
        Assert.Contains("device    tc-snmp  snmp 127.0.0.1:161  version 2c", stdout, StringComparison.Ordinal);
        Assert.Contains("every 1000 ms: 3 points in 2 requests", stdout, StringComparison.Ordinal);
        Assert.Contains("  GET      .1.3.6.1.2.1.1.3.0", stdout, StringComparison.Ordinal);
        Assert.Contains("  GETBULK  .1.3.6.1.4.1.1206.4.2.1.2.5.4.1.2  2 rows (max-repetitions 5)  volume/1, volume/2", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADaliLine_ShowsInStatusAndPoints()
    {
        JsonElement line = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var (_, json, _) = await RunAsync("status", "--json");
            using var document = JsonDocument.Parse(json);
            line = document.RootElement.GetProperty("devices").EnumerateArray().SingleOrDefault(d => d.GetProperty("name").GetString() == "lights").Clone();
            if (line.ValueKind == JsonValueKind.Object && line.GetProperty("pollsOk").GetInt64() > 0)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(JsonValueKind.Object, line.ValueKind);
        Assert.Equal("dali", line.GetProperty("protocol").GetString());
        Assert.True(line.GetProperty("lastPollOk").GetBoolean());

        var (exit, stdout, stderr) = await RunAsync("status");
        Assert.True(exit == 0, stderr);
        var row = Assert.Single(stdout.Split('\n'), l => l.StartsWith("lights ", StringComparison.Ordinal));
        Assert.Contains(" dali ", row, StringComparison.Ordinal);
        Assert.Contains("/dev/fake-dali", row, StringComparison.Ordinal);
        Assert.Contains("ok at", row, StringComparison.Ordinal);

        var (pointsExit, points, pointsErr) = await RunAsync("points");
        Assert.True(pointsExit == 0, pointsErr);
        Assert.Contains(points.Split('\n'), l => l.StartsWith("lights/g0.level ", StringComparison.Ordinal) && l.Contains("good", StringComparison.Ordinal));
        Assert.Contains(points.Split('\n'), l => l.StartsWith("lights/bus-power ", StringComparison.Ordinal));

        var (planExit, plan, planErr) = await RunAsync("plan", "lights");
        Assert.True(planExit == 0, planErr);
        Assert.Contains("device    lights  dali /dev/fake-dali  2 gear", plan, StringComparison.Ordinal);
        Assert.Contains("every 200 ms: status sweep", plan, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([args[0], "--socket", _socket, .. args[1..]]).InvokeAsync();
        return (exit, stdout.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), stderr.ToString());
    }

    private sealed class FixedMasterFactory(City.Protocols.Dali.IDaliMaster master) : IDaliMasterFactory
    {
        public City.Protocols.Dali.IDaliMaster Open(DaliLineDefinition line) => master;
    }
}
