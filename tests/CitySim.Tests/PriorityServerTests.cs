using City.Protocols.Ntcip1211;
using City.Sim.Snmp;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>The simulated controller's NTCIP 1211 priority request server and its timing rules, on a fake clock.</summary>
public class PriorityServerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly NtcipController _controller;

    public PriorityServerTests() => _controller = new NtcipController(_time, seed: 1);

    private static PriorityRequestMessage Bus(byte id, byte strategy, ushort departure, string vehicle = "BUS-1", byte classType = 3) =>
        new(new PriorityRequestKey(id, vehicle, classType, 1, strategy), (ushort)Math.Max(0, departure - 5), departure);

    private void Request(PriorityRequestMessage message) => _controller.WithPriority((server, now) => server.Request(message, now));

    private void Cancel(PriorityRequestMessage message) => _controller.WithPriority((server, now) =>
    {
        server.Cancel(message.Key, now);
        return true;
    });

    private PriorityRequestStatus Status(PriorityRequestMessage message) => _controller.WithPriority((server, _) =>
    {
        server.SelectStatus(message.Key);
        return server.SelectedStatus()!.Status;
    });

    private void Seconds(int seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void A_bus_on_the_green_phase_gets_its_green_extended_then_served_at_check_out()
    {
        Seconds(15);
        var bus = Bus(1, strategy: 1, departure: 12);
        Request(bus);

        Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(bus));
        Assert.Equal((0, 15, 27), _controller.Timing);
        Seconds(10);
        Assert.Equal((0xEE, 0, 0x11), _controller.PhaseStatus); // still green at 25 s, past the normal 20 s
        Cancel(bus);
        Assert.Equal(PriorityRequestStatus.ClosedCompleted, Status(bus));
    }

    [Fact]
    public void A_bus_the_green_covers_anyway_needs_no_adjustment()
    {
        var bus = Bus(1, strategy: 5, departure: 10); // phase 5 runs with phase 1 in stage 0
        Request(bus);
        Assert.Equal(PriorityRequestStatus.ActiveAdjustNotNeeded, Status(bus));
        Assert.Equal((0, 0, SignalTiming.DefaultGreen), _controller.Timing);
    }

    [Fact]
    public void Extension_stops_at_the_maximum_green()
    {
        Seconds(5);
        Request(Bus(1, strategy: 1, departure: 200));
        Assert.Equal((0, 5, SignalTiming.MaxGreen), _controller.Timing);
    }

    [Fact]
    public void A_bus_on_a_red_phase_gets_its_green_early_with_the_greens_before_it_at_their_minimum()
    {
        Seconds(2);
        var bus = Bus(1, strategy: 3, departure: 40);
        Request(bus);
        Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(bus));

        // Stage 0 ends its green at 7 s, stage 1 runs 7 s of green: stage 2 (phases 3 and 7) is green at 7+4+7+4 = 22 s instead of 48 s.
        Seconds(19);
        Assert.NotEqual(0x44, _controller.PhaseStatus.Greens);
        Seconds(1);
        Assert.Equal(0x44, _controller.PhaseStatus.Greens);
    }

    [Fact]
    public void A_conflicting_request_waits_until_the_one_served_closes()
    {
        Seconds(10);
        var first = Bus(1, strategy: 1, departure: 15, vehicle: "BUS-1");
        var second = Bus(2, strategy: 2, departure: 40, vehicle: "BUS-2");
        Request(first);
        Request(second);
        Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(first));
        Assert.Equal(PriorityRequestStatus.ReadyQueued, Status(second));

        Cancel(first);
        Assert.Equal(PriorityRequestStatus.ClosedCompleted, Status(first));
        Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(second));
    }

    [Fact]
    public void After_two_cycles_changed_by_priority_a_third_waits_for_an_unchanged_cycle()
    {
        for (var cycle = 0; cycle < 2; cycle++)
        {
            Seconds(15);
            var bus = Bus((byte)(cycle + 1), strategy: 1, departure: 10, vehicle: $"BUS-{cycle}");
            Request(bus);
            Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(bus));
            Cancel(bus);
            do
            {
                Seconds(1); // to the next cycle's start
            }
            while (_controller.CycleSecond != 0);
        }

        Seconds(15);
        var third = Bus(3, strategy: 1, departure: 150, vehicle: "BUS-3");
        Request(third);
        Assert.Equal(PriorityRequestStatus.ReadyQueued, Status(third));

        // This cycle runs unchanged (96 s); at the next one the waiting request is served.
        Seconds(96);
        Assert.Equal(PriorityRequestStatus.ActiveProcessing, Status(third));
    }

    [Fact]
    public void A_served_request_closes_when_its_green_ends_after_the_departure_without_check_out()
    {
        Seconds(15);
        var bus = Bus(1, strategy: 1, departure: 8);
        Request(bus);
        Seconds(8);
        Assert.Equal(PriorityRequestStatus.ClosedCompleted, Status(bus));
    }

    [Fact]
    public void Unknown_strategy_flash_and_time_to_live_close_requests_with_their_errors()
    {
        var unknown = Bus(1, strategy: 9, departure: 10, vehicle: "BUS-9");
        Request(unknown);
        Assert.Equal(PriorityRequestStatus.ClosedStrategyError, Status(unknown));

        Seconds(10);
        var conflicting = Bus(2, strategy: 1, departure: 200, vehicle: "BUS-A");
        var waiting = Bus(3, strategy: 2, departure: 5, vehicle: "BUS-B");
        Request(conflicting);
        Request(waiting);
        Seconds(PriorityServer.TimeToLiveSeconds + 6);
        Assert.Equal(PriorityRequestStatus.ClosedTimeToLiveError, Status(waiting));

        var late = Bus(4, strategy: 1, departure: 30, vehicle: "BUS-C");
        Request(late);
        _controller.SetAlarms(a => a with { ShortAlarmStatus = 1 << NtcipController.CriticalAlarmBit });
        Seconds(1);
        Assert.Equal(PriorityRequestStatus.ClosedFlash, Status(late));
    }

    [Fact]
    public void Decisions_are_reported_once_each_with_why()
    {
        Seconds(15);
        var bus = Bus(7, strategy: 1, departure: 12, vehicle: "BUS-7");
        Request(bus);
        Cancel(bus);
        var decisions = _controller.WithPriority((server, _) => server.TakeDecisions());
        Assert.Equal(["activeProcessing", "closedCompleted"], decisions.Select(d => d.Status));
        Assert.Contains("green extended to 27 s", decisions[0].Why, StringComparison.Ordinal);
        Assert.Empty(_controller.WithPriority((server, _) => server.TakeDecisions()));
    }
}
