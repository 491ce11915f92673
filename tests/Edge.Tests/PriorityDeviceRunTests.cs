using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Edge.Priority;
using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>A priority device's run against a scripted controller on a fake clock: the steps, their events and the edge's own cancel.</summary>
public sealed class PriorityDeviceRunTests
{
    private static readonly PrioritySettings Settings = new(
        new City.Edge.Snmp.SnmpEndpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 161), City.Protocols.Snmp.SnmpVersion.V2c, "private", null,
            City.Protocols.Snmp.SnmpSecurityLevel.NoAuthNoPriv, TimeSpan.FromSeconds(1), 0),
        null, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));

    private sealed class ScriptedController : IPriorityController
    {
        public Dictionary<byte, PriorityRequestStatus> Statuses { get; } = [];

        public System.Collections.Concurrent.ConcurrentQueue<string> Calls { get; } = new();

        public bool Refuse { get; set; }

        public Task RequestAsync(PriorityRequestMessage request, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"request {request.Key.RequestId} {request.Key.VehicleId} strategy {request.Key.Strategy}");
            if (Refuse)
            {
                throw new SnmpErrorStatusException(SnmpErrorStatus.ResourceUnavailable, 1, null);
            }

            Statuses[request.Key.RequestId] = PriorityRequestStatus.ActiveProcessing;
            return Task.CompletedTask;
        }

        public Task UpdateAsync(PriorityRequestMessage request, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"update {request.Key.RequestId}");
            return Task.CompletedTask;
        }

        public Task CancelAsync(PriorityRequestKey key, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"cancel {key.RequestId}");
            Statuses[key.RequestId] = Statuses[key.RequestId] == PriorityRequestStatus.ActiveProcessing
                ? PriorityRequestStatus.ClosedCompleted
                : PriorityRequestStatus.ClosedCanceled;
            return Task.CompletedTask;
        }

        public Task ClearAsync(PriorityRequestKey key, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"clear {key.RequestId}");
            return Task.CompletedTask;
        }

        public Task<PriorityRequestStatus> StatusAsync(PriorityRequestKey key, CancellationToken cancellationToken) =>
            Task.FromResult(Statuses.GetValueOrDefault(key.RequestId, PriorityRequestStatus.IdleNotValid));
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Rig(ScriptedController controller)
        {
            var device = new DeviceDefinition("j1", PriorityDeviceConfig.Protocol, "udp://127.0.0.1:161",
                PriorityDeviceConfig.Points("j1", 1000).Select((p, i) => p with { Alias = (uint)(i + 1) }).ToList()) { Settings = Settings };
            Readings = Channel.CreateUnbounded<Reading>();
            State = new EdgeState("gw-1", Time.GetUtcNow(), [device]);
            Events = device.Points.Single(p => p.IsEvent).Alias;
            var context = new DeviceRunContext(0, 1, Readings.Writer, State, NullLogger.Instance);
            _run = new PriorityDeviceRun(device, Settings, controller, context, Time, Board.For("j1")).RunAsync(Inbox.Reader, _stop.Token);
        }

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        public Channel<PriorityInput> Inbox { get; } = Channel.CreateUnbounded<PriorityInput>();

        public Channel<Reading> Readings { get; }

        public EdgeState State { get; }

        public PriorityBoard Board { get; } = new();

        public uint Events { get; }

        public List<string> EventTexts { get; } = [];

        public void Send(ObuMessage message) => Inbox.Writer.TryWrite(new PriorityInput(message, Time.GetUtcNow(), Time.GetTimestamp(), "test"));

        public async Task<string> NextEventAsync(string startsWith)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var reading = await Readings.Reader.ReadAsync(timeout.Token);
                if (reading.Alias == Events && reading.Value.Text is { } text)
                {
                    EventTexts.Add(text);
                    if (text.StartsWith(startsWith, StringComparison.Ordinal))
                    {
                        return text;
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }
    }

    private static ObuMessage CheckIn(string vehicle) => new(ObuMessageKind.CheckIn, vehicle, "L5", 2, 3, 1, 10, 20);

    [Fact]
    public async Task CheckIn_IsRequestedAndGrantedAtOnce_CheckOutServesAndClears()
    {
        var controller = new ScriptedController();
        await using var rig = new Rig(controller);
        rig.Send(CheckIn("BUS-1"));
        Assert.StartsWith("requested BUS-1 (request 1): route L5 approach 2 class 3/1", await rig.NextEventAsync("requested"), StringComparison.Ordinal);
        Assert.Equal("granted BUS-1 (request 1): activeProcessing", await rig.NextEventAsync("granted"));

        rig.Send(new ObuMessage(ObuMessageKind.CheckOut, "BUS-1", "", 0, 0, 0, 0, 0));
        Assert.Equal("served BUS-1 (request 1): closedCompleted, checked out", await rig.NextEventAsync("served"));
        await rig.NextEventAsync("cleared BUS-1");
        Assert.Equal(["request 1 BUS-1 strategy 2", "cancel 1", "clear 1"], controller.Calls);
        var (open, recent, counters, ack, _, _) = rig.Board.For("j1").Snapshot();
        Assert.Empty(open);
        Assert.Equal("served", recent.Single().State);
        Assert.Equal((1, 1, 1), (counters["requested"], counters["granted"], counters["served"]));
        Assert.Equal(1, ack.Count);
    }

    [Fact]
    public async Task ARefusedRequest_IsRejected_AndARepeatedCheckIn_IsAnUpdate()
    {
        var controller = new ScriptedController { Refuse = true };
        await using var rig = new Rig(controller);
        rig.Send(CheckIn("BUS-2"));
        Assert.StartsWith("rejected BUS-2 route L5 approach 2: the controller answered", await rig.NextEventAsync("rejected"), StringComparison.Ordinal);

        controller.Refuse = false;
        rig.Send(CheckIn("BUS-2"));
        await rig.NextEventAsync("granted BUS-2 (request 2)");
        rig.Send(CheckIn("BUS-2"));
        Assert.StartsWith("updated BUS-2 (request 2)", await rig.NextEventAsync("updated"), StringComparison.Ordinal);
        Assert.Equal(1, rig.Board.For("j1").Snapshot().Counters["rejected"]);
    }

    [Fact]
    public async Task ABusThatNeverChecksOut_IsCancelledByTheEdgeAfterItsDepartureAndTheExpiry()
    {
        var controller = new ScriptedController();
        await using var rig = new Rig(controller);
        rig.Send(CheckIn("BUS-3"));
        await rig.NextEventAsync("granted BUS-3");

        // Departure in 20 s, expiry 10 s: nothing before 30 s, the edge's cancel after.
        rig.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.DoesNotContain("cancel 1", controller.Calls);
        rig.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("served BUS-3 (request 1): closedCompleted, expired (no check-out)", await rig.NextEventAsync("served"));
        await rig.NextEventAsync("cleared BUS-3");
    }

    [Theory]
    [InlineData("", ObuMessageKind.CheckIn)]
    [InlineData("update", ObuMessageKind.Update)]
    [InlineData("check-out", ObuMessageKind.CheckOut)]
    [InlineData("cancel", ObuMessageKind.Cancel)]
    public void ACommand_IsTheOnBoardUnitsMessage(string kind, ObuMessageKind expected)
    {
        var action = new PriorityRequestAction { Device = "j1", VehicleId = "BUS-9", Approach = 4, VehicleClass = 2, EtaSeconds = 30, Kind = kind };
        Assert.Null(PriorityRuntime.ToMessage(action, out var message));
        Assert.Equal(expected, message!.Kind);
        Assert.Equal(("BUS-9", (byte)4, (ushort)30), (message.VehicleId, message.Approach, message.ArrivalSeconds));
        Assert.NotNull(PriorityRuntime.ToMessage(new PriorityRequestAction { Device = "j1", VehicleId = "BUS-9", Kind = "arrive" }, out _));
        Assert.NotNull(PriorityRuntime.ToMessage(new PriorityRequestAction { Device = "j1", VehicleId = "BUS 9", Approach = 1, VehicleClass = 1 }, out _));
    }
}
