using System.Diagnostics;
using System.Text;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// The edge daemon on a simulated DALI line (citysim on a socat pty pair): scan, commission and set through the daemon while
/// it polls. A class of its own so that it runs beside <see cref="DaliCitySimTests"/> (both wait on the wire, not the CPU).
/// </summary>
public sealed class DaliDaemonCitySimTests
{
    [Fact]
    public async Task ThroughTheDaemon_ScanCommissionAndSetWork_WhileTheLineIsPolled()
    {
        const int fullLine = DaliCitySimTests.FullLine;
        await using var sim = await CitySimOnPty.StartAsync("dali", "dali line serving", "--gear", fullLine.ToString(System.Globalization.CultureInfo.InvariantCulture), "--unaddressed", "3");
        string dir = Path.Combine(Path.GetTempPath(), "edgectl-dali-edge-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-dali",
            ["Edge:Central:Port"] = "1",
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(dir, "api.sock"),
            ["Edge:DaliLines:0:Name"] = "lights",
            ["Edge:DaliLines:0:Port"] = sim.HostPort,
            ["Edge:DaliLines:0:StatusPeriodMs"] = "300",
            ["Edge:DaliLines:0:AnswerWindowMs"] = "300",
        };
        for (int i = 0; i < 5; i++)
        {
            values[$"Edge:DaliLines:0:Gear:{i}:Address"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // The simulated gear start in no group: the edge must program these.
        values["Edge:DaliLines:0:Gear:0:Groups:0"] = "1";
        values["Edge:DaliLines:0:Gear:2:Groups:0"] = "1";
        values["Edge:DaliLines:0:Gear:4:Groups:0"] = "2";

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        using var buffer = City.Edge.Buffer.BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { Args = [], ContentRootPath = dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var app = City.Edge.Program.Build(builder, City.Edge.Program.WithAliases(settings, buffer), buffer, TimeProvider.System, out var socket);
        await app.StartAsync();
        try
        {
            var (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "scan", "lights", "--json", "--socket", socket);
            Assert.True(exit == 0, stderr);
            Assert.Equal(Enumerable.Range(0, fullLine - 3), JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(g => g.GetProperty("address").GetInt32()));

            (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "commission", "lights", "--socket", socket);
            Assert.True(exit == 0, stderr);
            Assert.Contains("3 gear given a short address", stdout, StringComparison.Ordinal);
            // Steps only the daemon's streamed progress carries (the plain answer comes once, at the end).
            Assert.Contains(" -> A", stderr, StringComparison.Ordinal);

            (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "set", "lights", "broadcast", "100", "--socket", socket);
            Assert.True(exit == 0, stderr);
            (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "scan", "lights", "--json", "--socket", socket);
            Assert.True(exit == 0, stderr);
            var gear = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
            Assert.Equal(Enumerable.Range(0, fullLine), gear.Select(g => g.GetProperty("address").GetInt32()));
            Assert.All(gear, g => Assert.Equal(100, g.GetProperty("level").GetInt32()));

            using (var api = new LocalApiClient(socket))
            {
                var deadline = DateTime.UtcNow + DaliCitySimTests.Deadline;
                List<string> events = [];
                while (DateTime.UtcNow < deadline && !(events.Any(e => e.EndsWith("groups-programmed: gear 2 groups 1 (was none)", StringComparison.Ordinal))
                    && events.Any(e => e.EndsWith("groups-programmed: gear 4 groups 2 (was none)", StringComparison.Ordinal))))
                {
                    await Task.Delay(100);
                    using var lines = await api.GetAsync("/v1/dali", CancellationToken.None);
                    events = lines.RootElement[0].GetProperty("recentEvents").EnumerateArray().Select(e => e.GetString()!).ToList();
                }

                Assert.Contains(events, e => e.EndsWith("groups-programmed: gear 0 groups 1 (was none)", StringComparison.Ordinal));
                Assert.Contains(events, e => e.EndsWith("groups-programmed: gear 2 groups 1 (was none)", StringComparison.Ordinal));
                Assert.Contains(events, e => e.EndsWith("groups-programmed: gear 4 groups 2 (was none)", StringComparison.Ordinal));
            }

            (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "set", "lights", "group:1", "off", "--socket", socket);
            Assert.True(exit == 0, stderr);
            (exit, stdout, stderr) = await DaliCitySimTests.RunAsync("dali", "scan", "lights", "--json", "--socket", socket);
            Assert.True(exit == 0, stderr);
            var levels = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(g => g.GetProperty("address").GetInt32(), g => g.GetProperty("level").GetInt32());
            Assert.Equal(Enumerable.Range(0, fullLine).Select(a => a is 0 or 2 ? 0 : 100), Enumerable.Range(0, fullLine).Select(a => levels[a]));

            (exit, _, stderr) = await DaliCitySimTests.RunAsync("dali", "set", "nope", "broadcast", "1", "--socket", socket);
            Assert.Equal(1, exit);
            Assert.Contains("no DALI line named 'nope'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp directory.
            }
        }
    }
}
