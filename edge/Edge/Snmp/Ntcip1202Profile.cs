using City.Edge.Configuration;

namespace City.Edge.Snmp;

/// <summary>
/// The built-in <c>ntcip1202</c> profile: a traffic controller in the shape of NTCIP 1202 (ASC), objects under
/// 1.3.6.1.4.1.1206.4.2.1. Unit status and alarm words with their bits as named alarm points, the phase status group 1
/// bitmaps (phases 1-8) and the detector volume/occupancy table (8 detectors).
/// </summary>
internal static class Ntcip1202Profile
{
    public const string Name = "ntcip1202";
    public const string Asc = "1.3.6.1.4.1.1206.4.2.1";
    public const string UnitControlStatus = Asc + ".3.5.0";
    public const string UnitFlashStatus = Asc + ".3.6.0";
    public const string UnitAlarmStatus2 = Asc + ".3.7.0";
    public const string UnitAlarmStatus1 = Asc + ".3.8.0";
    public const string ShortAlarmStatus = Asc + ".3.9.0";

    /// <summary>phaseStatusGroupTable entry: column 2 reds, 3 yellows, 4 greens; the row is the group (1 = phases 1-8).</summary>
    public const string PhaseStatusGroupEntry = Asc + ".1.4.1";

    /// <summary>volumeOccupancyTable entry: column 1 detectorVolume, 2 detectorOccupancy; the row is the detector.</summary>
    public const string VolumeOccupancyEntry = Asc + ".2.5.4.1";

    public const int Detectors = 8;

    private static readonly string[] ShortAlarmBits =
        ["preempt", "tf-flash", "local-cycle-zero", "local-override", "coordination", "detector-fault", "non-critical", "critical"];

    private static readonly string[] UnitAlarm1Bits =
        ["cycle-fault", "coord-fault", "coord-fail", "cycle-fail", "mmu-flash", "local-flash", "local-free", "coord-active"];

    public static IReadOnlyList<SnmpPointOptions> Points()
    {
        var points = new List<SnmpPointOptions>
        {
            Scalar("unit-control-status", UnitControlStatus, "unitControlStatus: 1 other, 2 systemControl, 3 systemStandby, 4 backupMode, 5 manual, 6 timebase, 7 interconnect, 8 interconnectBackup"),
            Scalar("unit-flash-status", UnitFlashStatus, "unitFlashStatus: 1 other, 2 notFlash, 3 automatic, 4 localManual, 5 faultMonitor, 6 mmu, 7 startup, 8 preempt"),
            Scalar("unit-alarm-status-1", UnitAlarmStatus1, "unitAlarmStatus1 bitmap"),
            Scalar("unit-alarm-status-2", UnitAlarmStatus2, "unitAlarmStatus2 bitmap"),
            Scalar("short-alarm-status", ShortAlarmStatus, "shortAlarmStatus bitmap"),
        };
        for (var bit = 0; bit < ShortAlarmBits.Length; bit++)
        {
            points.Add(AlarmBit($"alarm-{ShortAlarmBits[bit]}", ShortAlarmStatus, bit, $"shortAlarmStatus bit {bit}"));
        }

        for (var bit = 0; bit < UnitAlarm1Bits.Length; bit++)
        {
            points.Add(AlarmBit($"alarm-{UnitAlarm1Bits[bit]}", UnitAlarmStatus1, bit, $"unitAlarmStatus1 bit {bit}"));
        }

        points.Add(Scalar("phase-reds", PhaseStatusGroupEntry + ".2.1", "phaseStatusGroupReds, group 1: bit n-1 = phase n red"));
        points.Add(Scalar("phase-yellows", PhaseStatusGroupEntry + ".3.1", "phaseStatusGroupYellows, group 1"));
        points.Add(Scalar("phase-greens", PhaseStatusGroupEntry + ".4.1", "phaseStatusGroupGreens, group 1"));
        points.Add(new SnmpPointOptions { Name = "detector-volume", Oid = VolumeOccupancyEntry + ".1", Rows = Detectors, Unit = "vehicles", PeriodMs = 10_000, Description = "detectorVolume of the last collection period" });
        points.Add(new SnmpPointOptions { Name = "detector-occupancy", Oid = VolumeOccupancyEntry + ".2", Rows = Detectors, PeriodMs = 10_000, Description = "detectorOccupancy (0-200: 0.5 % steps; 210-255 detector faults)" });
        return points;
    }

    private static SnmpPointOptions Scalar(string name, string oid, string description) =>
        new() { Name = name, Oid = oid, PeriodMs = 1000, Description = description };

    private static SnmpPointOptions AlarmBit(string name, string oid, int bit, string description) =>
        new() { Name = name, Oid = oid, Bit = bit, Alarm = true, PeriodMs = 1000, Description = description };
}
