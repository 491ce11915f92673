using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>
/// A protocol that exists only in this test plugs into the edge's core (configuration, polling, buffer, writes, status, plan,
/// local API) through <see cref="IProtocolDriver"/> and <see cref="IDeviceRunner"/>, without any change to the core.
/// </summary>
public sealed partial class FakeProtocolTests
{
    [Fact]
    public async Task AFakeProtocol_IsPolledWrittenAndReported_ThroughTheCore()
    {
        var fake = new FakeDriver();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Edge:GatewayId"] = "gw-fake",
            ["Edge:Central:Port"] = "1",
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Devices:0:Name"] = "gadget",
            ["Edge:Devices:0:Protocol"] = "fake",
            ["Edge:Devices:0:Address"] = "bench-7", // keys of the fake protocol's own, unknown to the core and the other protocols
            ["Edge:Devices:0:Points:0:Channel"] = "3",
            ["Edge:Devices:0:Points:0:Name"] = "level",
            ["Edge:Devices:0:Points:0:Unit"] = "%",
            ["Edge:Devices:0:Points:0:Writable"] = "true",
            ["Edge:Devices:0:Points:1:Name"] = "temperature",
            ["Edge:Devices:0:Points:1:Unit"] = "C",
        };
        await using var edge = await InProcessEdge.StartAsync(values, [.. EdgeProtocols.All, fake]);

        // Status: the device, its protocol and its polls, recorded by the fake runner in the core's device state.
        var device = default(System.Text.Json.JsonElement);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var (_, status) = await edge.GetAsync("/v1/status");
            device = status.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "gadget").Clone();
            if (device.GetProperty("pollsOk").GetInt64() >= 3 && edge.Buffer.GetStats().ReadingsBuffered >= 2)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Equal("fake", device.GetProperty("protocol").GetString());
        Assert.Equal("fake://bench-7", device.GetProperty("endpoint").GetString());
        Assert.Equal(2, device.GetProperty("points").GetInt32());
        Assert.True(device.GetProperty("lastPollOk").GetBoolean());
        Assert.True(device.GetProperty("pollsOk").GetInt64() >= 3);

        // Readings: through the core's sink into the local view and the buffer, under the aliases the core assigned.
        Assert.True(edge.Buffer.GetStats().ReadingsBuffered >= 2, "the fake readings reach the buffer");
        var (_, points) = await edge.GetAsync("/v1/points");
        var level = points.RootElement.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "gadget/level");
        Assert.Equal("%", level.GetProperty("unit").GetString());
        Assert.Equal("good", level.GetProperty("quality").GetString());
        Assert.NotEqual(0u, level.GetProperty("alias").GetUInt32());

        // A write goes to the fake runner with its typed result; the core refuses a write of an unknown point itself.
        var (written, result) = await edge.PostAsync("/v1/points/gadget/level", "{\"value\": 42.5}");
        Assert.Equal(200, written);
        Assert.Equal("ok", result.RootElement.GetProperty("status").GetString());
        Assert.Equal(("gadget/level", 42.5), Assert.Single(fake.Runner.Writes));
        var (missing, _) = await edge.PostAsync("/v1/points/gadget/nothing", "{\"value\": 1}");
        Assert.Equal(404, missing);

        // The plan is the driver's own document; the driver's own endpoint is mapped.
        var (planStatus, plan) = await edge.GetAsync("/v1/devices/gadget/plan");
        Assert.Equal(200, planStatus);
        Assert.Equal("every 20 ms: level, temperature", plan.RootElement.GetProperty("requests").GetString());
        var (pingStatus, ping) = await edge.GetAsync("/v1/fake/ping");
        Assert.Equal(200, pingStatus);
        Assert.Equal("pong", ping.RootElement.GetProperty("answer").GetString());
    }

    private sealed record FakePoint(string Device, string Name, string Unit) : DevicePoint(Device, Name, Unit, 20, "fake point")
    {
        public override PointType PointType => PointType.Number;
    }

    private sealed record FakeSettings(string Address);

    private sealed class FakeDeviceOptions
    {
        public string Name { get; set; } = string.Empty;

        public bool Enabled { get; set; } = true;

        public string Address { get; set; } = string.Empty;

        public List<FakePointOptions> Points { get; set; } = [];
    }

    private sealed class FakePointOptions
    {
        public string Name { get; set; } = string.Empty;

        public string Unit { get; set; } = string.Empty;

        public bool Writable { get; set; }

        public int Channel { get; set; }
    }

    internal sealed record FakePlan(string Device, string Requests);

    internal sealed record FakePing(string Answer);

    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(FakePlan))]
    [JsonSerializable(typeof(FakePing))]
    internal sealed partial class FakeJsonContext : JsonSerializerContext;

    private sealed class FakeDriver : IProtocolDriver
    {
        public FakeRunner Runner { get; } = new();

        public string Name => "fake";

        public IReadOnlyList<string> DeviceProtocols { get; } = ["fake"];

        public bool Handles(DeviceDefinition device) => device.Settings is FakeSettings;

        public ProtocolConfigKeys ConfigKeys { get; } = new([], [ConfigSchema.Text("Address")], [ConfigSchema.Integer("Channel", 0, 15)]);

        public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors) =>
            devices.Select(entry => entry.Section.Get<FakeDeviceOptions>()!).Select(o => new DeviceDefinition(o.Name, "fake", $"fake://{o.Address}",
                o.Points.Select(p => (DevicePoint)new FakePoint(o.Name, p.Name, p.Unit) { Writable = p.Writable }).ToList(),
                o.Enabled) { Settings = new FakeSettings(o.Address) }).ToList();

        public object DescribePlan(DeviceDefinition device) => new FakePlan(device.Name, $"every 20 ms: {string.Join(", ", device.Points.Select(p => p.Name))}");

        // The local API writes JSON only through source-generated contexts: a driver brings its own.
        public IJsonTypeInfoResolver JsonTypes => FakeJsonContext.Default;

        public void AddServices(IServiceCollection services, EdgeSettings settings) => services.AddSingleton<IDeviceRunner>(Runner);

        public void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.MapGet("/v1/fake/ping", () => Results.Ok(new FakePing("pong")));
    }

    private sealed class FakeRunner : IDeviceRunner
    {
        public ConcurrentQueue<(string Point, double Value)> Writes { get; } = new();

        public bool Handles(DeviceDefinition device) => device.Settings is FakeSettings;

        public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
        {
            var state = context.State.Device(device.Name);
            for (var cycle = 0; ; cycle++)
            {
                var now = TimeProvider.System.GetUtcNow();
                foreach (var point in device.Points)
                {
                    await context.ReportAsync(point, PointValue.FromNumber(cycle), Quality.Good, now, cancellationToken);
                }

                state.RecordPoll(now, ok: true, error: null);
                await Task.Delay(20, cancellationToken);
            }
        }

        public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken)
        {
            if (!point.Writable)
            {
                return Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, $"{point.Id}: not Writable", value.ToString()));
            }

            Writes.Enqueue((point.Id, value.Number));
            return Task.FromResult(new WriteResult(point.Id, WriteStatus.Ok, $"wrote {value} to {point.Id}", value.ToString()));
        }
    }
}
