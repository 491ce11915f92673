using City.Sim.Snmp;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

public class SnmpControllerTests
{
    [Fact]
    public void Phases_cycle_through_green_yellow_and_all_red_stage_by_stage()
    {
        var time = new FakeTimeProvider();
        var controller = new NtcipController(time, seed: 1);

        Assert.Equal((0xEE, 0, 0x11), controller.PhaseStatus);
        time.Advance(TimeSpan.FromSeconds(NtcipController.GreenSeconds));
        Assert.Equal((0xEE, 0x11, 0), controller.PhaseStatus);
        time.Advance(TimeSpan.FromSeconds(NtcipController.YellowSeconds));
        Assert.Equal((0xFF, 0, 0), controller.PhaseStatus);
        time.Advance(TimeSpan.FromSeconds(NtcipController.AllRedSeconds));
        Assert.Equal((0xDD, 0, 0x22), controller.PhaseStatus);
        time.Advance(TimeSpan.FromSeconds(3 * NtcipController.StageSeconds));
        Assert.Equal((0xEE, 0, 0x11), controller.PhaseStatus);
    }

    [Fact]
    public void Detector_volume_and_occupancy_are_published_every_period_and_move()
    {
        var time = new FakeTimeProvider();
        var controller = new NtcipController(time, seed: 1);
        Assert.Equal(0, controller.VolumeOccupancySequence);

        var volumes = new HashSet<int>();
        for (var period = 1; period <= 20; period++)
        {
            time.Advance(TimeSpan.FromSeconds(NtcipController.VolumeOccupancyPeriodSeconds));
            Assert.Equal(period, controller.VolumeOccupancySequence);
            for (var detector = 1; detector <= NtcipController.Detectors; detector++)
            {
                var (volume, occupancy) = controller.Detector(detector);
                Assert.InRange(volume, 0, NtcipController.VolumeOccupancyPeriodSeconds);
                Assert.InRange(occupancy, 0, 200);
                volumes.Add(volume);
            }
        }

        Assert.True(volumes.Count > 2, "detector volumes never changed");
    }

    [Fact]
    public void A_critical_alarm_puts_the_unit_in_fault_monitor_flash_and_is_reported_once_per_change()
    {
        var time = new FakeTimeProvider();
        var controller = new NtcipController(time, seed: 1);
        var changes = new List<NtcipAlarms>();
        controller.AlarmsChanged += changes.Add;

        controller.SetAlarms(a => a with { ShortAlarmStatus = 1 << NtcipController.CriticalAlarmBit });
        controller.SetAlarms(a => a with { ShortAlarmStatus = 1 << NtcipController.CriticalAlarmBit });

        Assert.Equal(NtcipController.FlashStatusFaultMonitor, controller.UnitFlashStatus);
        var (reds, _, greens) = controller.PhaseStatus;
        Assert.Equal((0, 0), (reds, greens));

        controller.SetAlarms(a => a with { ShortAlarmStatus = 0 });
        Assert.Equal(NtcipController.FlashStatusNotFlash, controller.UnitFlashStatus);
        Assert.Equal([new NtcipAlarms(128, 0, 0), new NtcipAlarms(0, 0, 0)], changes);
    }
}
