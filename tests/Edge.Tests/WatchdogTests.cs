using System.Net.Sockets;
using System.Text;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>
/// The systemd watchdog: the edge sends READY=1, then WATCHDOG=1 only while every loop beats, and STOPPING=1, to a
/// NOTIFY_SOCKET that is a datagram socket of this test. The stall is injected through a protocol driver of this test
/// whose device loop stops recording polls (nothing in the shipped configuration can do that).
/// </summary>
public sealed class WatchdogTests
{
    [Fact]
    public async Task WatchdogPings_StopWhileAPollerIsStalled_AndResumeWhenItRecovers()
    {
        using var dir = new TempDir();
        var notifyPath = dir.File("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));

        // As systemd would pass them: WatchdogSec=0.2 s (pings due every 0.1 s), the watchdog meant for this process.
        var environment = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = notifyPath,
            ["WATCHDOG_USEC"] = "200000",
            ["WATCHDOG_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var target = SystemdNotifyTarget.From(name => environment.GetValueOrDefault(name), Environment.ProcessId);
        var stallable = new StallableDriver();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Edge:GatewayId"] = "gw-watchdog",
            ["Edge:Central:Port"] = "1",
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Devices:0:Name"] = "ticker",
            ["Edge:Devices:0:Protocol"] = "stallable",
            ["Edge:Devices:0:Points:0:Name"] = "count",
        };

        var edge = await InProcessEdge.StartAsync(values, [.. EdgeProtocols.All, stallable], services: services =>
        {
            services.AddSingleton(target);
            services.AddSingleton(new LoopLiveness(TimeProvider.System, TimeSpan.FromSeconds(1)));
        });
        var received = new List<string>();
        try
        {
            var watchdog = edge.Services.GetRequiredService<WatchdogNotifier>();
            var liveness = edge.Services.GetRequiredService<LoopLiveness>();
            await Until.TrueAsync(() => liveness.Loops.Order().SequenceEqual(["buffer writer", "forwarder", "poller ticker"]), "the three loops registered");

            await Until.TrueAsync(() => Drain(notify, received) && received.Count(m => m == "WATCHDOG=1") >= 3, "READY=1 and three watchdog pings");
            Assert.StartsWith("READY=1", received[0], StringComparison.Ordinal);

            // Stall the poller: its device records no more polls; once quiet past its allowance, the pings are withheld.
            stallable.Stalled = true;
            await Until.TrueAsync(() => watchdog.StalledLoops == "poller ticker", "the stalled poller is named");
            Drain(notify, received);
            Assert.Contains(received, m => m.StartsWith("STATUS=watchdog withheld: stalled poller ticker", StringComparison.Ordinal));
            received.Clear();
            var withheld = watchdog.PingsWithheld;
            await Until.TrueAsync(() => watchdog.PingsWithheld >= withheld + 5, "five pings withheld");
            Drain(notify, received);
            Assert.DoesNotContain("WATCHDOG=1", received);
            Assert.Equal("poller ticker", watchdog.StalledLoops);

            // It recovers: the pings resume.
            stallable.Stalled = false;
            await Until.TrueAsync(() => Drain(notify, received) && received.Contains("WATCHDOG=1"), "pings resume");
            Assert.Equal(string.Empty, watchdog.StalledLoops);
        }
        finally
        {
            await edge.DisposeAsync();
        }

        Drain(notify, received);
        Assert.Contains("STOPPING=1", received);
    }

    [Fact]
    public void Liveness_NamesALoopQuietPastItsPeriodAndGrace_AndForgetsItOnceUnregistered()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var liveness = new LoopLiveness(time, TimeSpan.FromSeconds(10));
        using var fast = liveness.Register("fast", TimeSpan.FromSeconds(1));
        var slow = liveness.Register("slow", TimeSpan.FromSeconds(60));

        time.Advance(TimeSpan.FromSeconds(12));
        Assert.Equal(["fast"], liveness.Stalled().Select(s => s.Name));
        fast.Beat();
        Assert.Empty(liveness.Stalled());

        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(["fast", "slow"], liveness.Stalled().Select(s => s.Name).Order());
        slow.Dispose();
        var stalled = Assert.Single(liveness.Stalled());
        Assert.Equal(("fast", TimeSpan.FromSeconds(60)), stalled);
        Assert.Equal(["fast"], liveness.Loops);
    }

    [Theory]
    [InlineData("/run/systemd/notify", "30000000", null, "/run/systemd/notify", 30_000)]
    [InlineData("@/org/systemd/notify", "30000000", "4242", "@/org/systemd/notify", 30_000)]
    [InlineData("/run/systemd/notify", "30000000", "999", "/run/systemd/notify", null)] // the watchdog of another process
    [InlineData("/run/systemd/notify", null, null, "/run/systemd/notify", null)] // no WatchdogSec=
    [InlineData("/run/systemd/notify", "thirty", null, "/run/systemd/notify", null)]
    [InlineData(null, "30000000", null, null, null)] // not started by systemd: nothing to tell
    public void NotifyTarget_IsReadFromTheEnvironmentAsSystemdSetsIt(string? socket, string? usec, string? pid, string? expectedSocket, int? expectedWatchdogMs)
    {
        var environment = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = socket, ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid };
        var target = SystemdNotifyTarget.From(name => environment.GetValueOrDefault(name), processId: 4242);
        Assert.Equal(expectedSocket, target.Socket);
        Assert.Equal(expectedWatchdogMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, target.Watchdog);
        Assert.Equal(expectedWatchdogMs is { } half ? TimeSpan.FromMilliseconds(half / 2.0) : null, target.PingPeriod);
    }

    /// <summary>Reads every datagram waiting on <paramref name="socket"/> into <paramref name="into"/>; true (for use in conditions).</summary>
    private static bool Drain(Socket socket, List<string> into)
    {
        var buffer = new byte[4096];
        while (socket.Available > 0)
        {
            var length = socket.Receive(buffer);
            into.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }

        return true;
    }

    private sealed record CountPoint(string Device, string Name) : DevicePoint(Device, Name, "", 20, "a count")
    {
        public override PointType PointType => PointType.Number;
    }

    private sealed record StallableSettings;

    /// <summary>A protocol of this test: its one device counts every 20 ms, or, while <see cref="Stalled"/>, hangs without recording a poll.</summary>
    private sealed class StallableDriver : IProtocolDriver, IDeviceRunner
    {
        private volatile bool _stalled;

        public bool Stalled
        {
            get => _stalled;
            set => _stalled = value;
        }

        public string Name => "stallable";

        public IReadOnlyList<string> DeviceProtocols { get; } = ["stallable"];

        public ProtocolConfigKeys ConfigKeys { get; } = new([], [], []);

        public bool Handles(DeviceDefinition device) => device.Settings is StallableSettings;

        public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors) =>
            devices.Select(entry => new DeviceDefinition(entry.Section["Name"]!, "stallable", "stallable://",
                [new CountPoint(entry.Section["Name"]!, entry.Section["Points:0:Name"]!)]) { Settings = new StallableSettings() }).ToList();

        public object DescribePlan(DeviceDefinition device) => new { device = device.Name };

        public void AddServices(IServiceCollection services, EdgeSettings settings) => services.AddSingleton<IDeviceRunner>(this);

        public void MapEndpoints(IEndpointRouteBuilder endpoints)
        {
        }

        public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
        {
            var state = context.State.Device(device.Name);
            for (var cycle = 0; ; cycle++)
            {
                await Task.Delay(20, cancellationToken);
                if (_stalled)
                {
                    continue;
                }

                var now = TimeProvider.System.GetUtcNow();
                await context.ReportAsync(device.Points[0], PointValue.FromNumber(cycle), Quality.Good, now, cancellationToken);
                state.RecordPoll(now, ok: true, error: null);
            }
        }

        public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken) =>
            Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, "read-only", value.ToString()));
    }
}
