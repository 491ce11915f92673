using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Talq;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl lighting</c> run in-process against a real edge (City.Edge.Program.Build, local API on a Unix socket): a Dijon
/// cabinet whose lighting clock starts at 23:00 local on 14 July, with the city example set and an override of group 2 on
/// disk as the lighting runtime stores them and a DALI line whose interface is a <see cref="DaliFakeLine"/>; and a bare edge
/// with neither site nor set.
/// </summary>
public sealed class LightingCommandTests
{
    private sealed class LightingEdge : IAsyncDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-lighting-" + Guid.NewGuid().ToString("N")[..12]);
        private BatchBuffer _buffer = null!;
        private WebApplication _app = null!;

        public DaliFakeLine Fake { get; } = new();

        public LightingSet? Set { get; private set; }

        public string Socket { get; private set; } = null!;

        public static async Task<LightingEdge> StartAsync(bool dijon)
        {
            var edge = new LightingEdge();
            await edge.InitializeAsync(dijon);
            return edge;
        }

        private async Task InitializeAsync(bool dijon)
        {
            Directory.CreateDirectory(_dir);
            Fake.Gear.Add(new DaliFakeGear(0, 1 << 1) { Level = 0 });
            Fake.Gear.Add(new DaliFakeGear(1, 1 << 2) { Level = 0 });
            var values = new Dictionary<string, string?>
            {
                ["Edge:GatewayId"] = "gw-001",
                ["Edge:Central:Port"] = ClosedPort().ToString(CultureInfo.InvariantCulture),
                ["Edge:Central:AllowPlain"] = "true",
                ["Edge:Buffer:Path"] = Path.Combine(_dir, "buffer.db"),
                ["Edge:LocalApi:SocketPath"] = Path.Combine(_dir, "api.sock"),
                ["Edge:DaliLines:0:Name"] = "lights",
                ["Edge:DaliLines:0:Port"] = "/dev/fake-dali",
                ["Edge:DaliLines:0:Gear:0:Address"] = "0",
                ["Edge:DaliLines:0:Gear:0:Groups:0"] = "1",
                ["Edge:DaliLines:0:Gear:1:Address"] = "1",
                ["Edge:DaliLines:0:Gear:1:Groups:0"] = "2",
            };
            if (dijon)
            {
                values["Edge:Site:Town"] = "Dijon";
                values["Edge:Site:District"] = "Centre";
                values["Edge:Site:Latitude"] = "47.32";
                values["Edge:Site:Longitude"] = "5.04";
                values["Edge:Site:TimeZone"] = CityLightingExample.TimeZone;
                values["Edge:Clock:SimulatedStart"] = "2026-07-14T21:00:00Z";
                Assert.True(TalqJson.TryParseSet(CityLightingExample.SetJson(), out var set, out var problems), string.Join("\n", problems));
                set!.Version = set.ComputeVersion();
                Set = set;
                await File.WriteAllTextAsync(Path.Combine(_dir, "lighting.json"), TalqJson.Serialize(set));
                await File.WriteAllTextAsync(Path.Combine(_dir, "lighting-overrides.json"),
                    """[{"line":"lights","group":2,"levelPercent":30,"until":"2026-07-14T22:00:00+00:00","commandId":"cmd-30"}]""");
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
            _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IDaliMasterFactory>(new FixedMasterFactory(Fake));
            _app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out var socket);
            Socket = socket;
            await _app.StartAsync();
        }

        public async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
        {
            using var stdout = new StringWriter(CultureInfo.InvariantCulture);
            using var stderr = new StringWriter(CultureInfo.InvariantCulture);
            int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([args[0], "--socket", Socket, .. args[1..]]).InvokeAsync();
            return (exit, stdout.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), stderr.ToString());
        }

        public async ValueTask DisposeAsync()
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
    }

    [Fact]
    public async Task The_table_of_a_Dijon_cabinet_shows_the_sun_the_set_the_programs_and_the_override_the_lamps_follow()
    {
        await using var edge = await LightingEdge.StartAsync(dijon: true);

        // The scheduler has driven the lamps to what the view says holds now: group 1 at 100% (arc 254), group 2 at 30%.
        await Until.TrueAsync(() => edge.Fake.Gear[0].Level == 254 && edge.Fake.Gear[1].Level == DimmingCurve.ArcLevel(30), "the lamps at the levels of now");

        var (exit, text, stderr) = await edge.RunAsync("lighting", "--date", "2026-07-15");
        Assert.True(exit == 0, stderr);
        var lines = text.Split('\n');
        Assert.StartsWith("gateway   gw-001  Dijon  47.32 N 5.04 E  Europe/Paris  now 2026-07-14 23:0", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^day       2026-07-15  sunrise 05:5\d:\d\d  sunset 21:3\d:\d\d  civil dawn 05:\d\d:\d\d  civil dusk 22:\d\d:\d\d  solar midnight 2026-07-16 01:\d\d:\d\d \+02:00$", lines[1]);
        Assert.Matches($@"^set       {edge.Set!.Version}  DALI level commands sent [1-9]\d*, failed 0$", lines[2]);
        Assert.Equal("lights group 1  calendar dijon  program night-dim  now 100%", lines[4]);
        Assert.Contains("  2026-07-15 23:00:00 +02:00    50%  229  ", text, StringComparison.Ordinal);
        Assert.Contains("\nlights group 2  calendar dijon  program night-dim  now 30%\n  OVERRIDE 30% until 2026-07-15 00:00:00 +02:00 (command cmd-30)\n"
            + "  next change 2026-07-15 00:00:00 +02:00 -> 100%\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_prints_the_document_of_the_API_for_the_current_program_day()
    {
        await using var edge = await LightingEdge.StartAsync(dijon: true);

        var (exit, json, stderr) = await edge.RunAsync("lighting", "--json");
        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(("2026-07-14", 47.32, 5.04), (root.GetProperty("date").GetString(), root.GetProperty("latitude").GetDouble(), root.GetProperty("longitude").GetDouble()));
        Assert.Matches(@"^2026-07-14T05:5\d:\d\d\+02:00$", root.GetProperty("sunrise").GetString());
        Assert.Matches(@"^2026-07-14T21:3\d:\d\d\+02:00$", root.GetProperty("sunset").GetString());
        var group1 = root.GetProperty("groups")[0];
        Assert.Equal("full-night", group1.GetProperty("program").GetString());
        Assert.Equal([0.0, 100, 0], group1.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("levelPercent").GetDouble()));
        Assert.Equal(root.GetProperty("sunset").GetString(), group1.GetProperty("steps")[1].GetProperty("at").GetString());
    }

    [Fact]
    public async Task An_edge_with_neither_site_nor_set_is_no_error()
    {
        await using var edge = await LightingEdge.StartAsync(dijon: false);

        var (exit, text, stderr) = await edge.RunAsync("lighting");
        Assert.True(exit == 0, stderr);
        Assert.Contains("\nsite      NONE: no Edge:Site configured", text, StringComparison.Ordinal);
        Assert.Contains("\nset       NONE: no lighting set applied yet", text, StringComparison.Ordinal);

        (exit, var json, stderr) = await edge.RunAsync("lighting", "--json", "--date", "2026-07-14");
        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("2026-07-14", root.GetProperty("date").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("latitude").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("sunset").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lightingVersion").ValueKind);
        Assert.Equal(0, root.GetProperty("groups").GetArrayLength());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class FixedMasterFactory(City.Protocols.Dali.IDaliMaster master) : IDaliMasterFactory
    {
        public City.Protocols.Dali.IDaliMaster Open(DaliLineDefinition line) => master;
    }
}
