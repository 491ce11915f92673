using City.Protocols.Snmp;

namespace City.Sim.Snmp;

/// <summary>The OIDs the simulated controller serves (NTCIP 1202 ASC, the same as the edge's ntcip1202 profile).</summary>
internal static class NtcipMib
{
    public static readonly Oid Asc = Oid.Parse("1.3.6.1.4.1.1206.4.2.1");
    public static readonly Oid MaxPhases = Asc.Append(1, 1);
    public static readonly Oid MaxPhaseGroups = Asc.Append(1, 3);
    public static readonly Oid PhaseStatusGroupEntry = Asc.Append(1, 4, 1);
    public static readonly Oid MaxVehicleDetectors = Asc.Append(2, 1);
    public static readonly Oid VolumeOccupancySequence = Asc.Append(2, 5, 1);
    public static readonly Oid VolumeOccupancyPeriod = Asc.Append(2, 5, 2);
    public static readonly Oid ActiveVolumeOccupancyDetectors = Asc.Append(2, 5, 3);
    public static readonly Oid VolumeOccupancyEntry = Asc.Append(2, 5, 4, 1);
    public static readonly Oid UnitControlStatus = Asc.Append(3, 5);
    public static readonly Oid UnitFlashStatus = Asc.Append(3, 6);
    public static readonly Oid UnitAlarmStatus2 = Asc.Append(3, 7);
    public static readonly Oid UnitAlarmStatus1 = Asc.Append(3, 8);
    public static readonly Oid ShortAlarmStatus = Asc.Append(3, 9);

    /// <summary>The notification the simulator sends when an alarm word changes (a simulator choice: NTCIP 1202 defines none).</summary>
    public static readonly Oid AlarmChangeTrap = Asc.Append(0, 1);

    public static readonly Oid NtcipAscObjectId = Oid.Parse("1.3.6.1.4.1.1206.4.2.1");

    public static void Register(MibTree mib, NtcipController controller, Func<uint> upTime)
    {
        Mib2System.Register(mib, upTime, "citysim NTCIP 1202 traffic signal controller (simulated)", NtcipAscObjectId,
            contact: "citysim", name: "citysim-tsc", location: "simulated cabinet");
        mib.AddScalar(MaxPhases, SnmpValue.Integer(NtcipController.Phases));
        mib.AddScalar(MaxPhaseGroups, SnmpValue.Integer(1));
        mib.Add(new PhaseStatusNode(PhaseStatusGroupEntry, controller));
        mib.AddScalar(MaxVehicleDetectors, SnmpValue.Integer(NtcipController.Detectors));
        mib.AddScalar(VolumeOccupancySequence, () => SnmpValue.Integer(controller.VolumeOccupancySequence));
        mib.AddScalar(VolumeOccupancyPeriod, SnmpValue.Integer(NtcipController.VolumeOccupancyPeriodSeconds));
        mib.AddScalar(ActiveVolumeOccupancyDetectors, SnmpValue.Integer(NtcipController.Detectors));
        mib.Add(new VolumeOccupancyNode(VolumeOccupancyEntry, controller));
        mib.AddScalar(UnitControlStatus, () => SnmpValue.Integer(controller.UnitControlStatus));
        mib.AddScalar(UnitFlashStatus, () => SnmpValue.Integer(controller.UnitFlashStatus));
        mib.AddScalar(UnitAlarmStatus2, () => SnmpValue.Integer(controller.Alarms.UnitAlarmStatus2),
            AlarmWrite(value => controller.SetAlarms(a => a with { UnitAlarmStatus2 = value })));
        mib.AddScalar(UnitAlarmStatus1, () => SnmpValue.Integer(controller.Alarms.UnitAlarmStatus1),
            AlarmWrite(value => controller.SetAlarms(a => a with { UnitAlarmStatus1 = value })));
        mib.AddScalar(ShortAlarmStatus, () => SnmpValue.Integer(controller.Alarms.ShortAlarmStatus),
            AlarmWrite(value => controller.SetAlarms(a => a with { ShortAlarmStatus = value })));
    }

    public static IReadOnlyList<VarBind> AlarmVarBinds(NtcipAlarms alarms) =>
    [
        new(ShortAlarmStatus.Append(0), SnmpValue.Integer(alarms.ShortAlarmStatus)),
        new(UnitAlarmStatus1.Append(0), SnmpValue.Integer(alarms.UnitAlarmStatus1)),
        new(UnitAlarmStatus2.Append(0), SnmpValue.Integer(alarms.UnitAlarmStatus2)),
    ];

    /// <summary>Alarm words are read-only on a real controller; the simulator lets a read-write community or user set them (0-255).</summary>
    private static MibWrite AlarmWrite(Action<int> commit) => new(
        SnmpValueType.Integer,
        value => commit(value.AsInt32()),
        value => value.AsInt32() is >= 0 and <= 255 ? SnmpErrorStatus.NoError : SnmpErrorStatus.WrongValue);

    /// <summary>A read-only table computed on demand: entry.column.row for rows 1..rowCount.</summary>
    private abstract class ComputedTable(Oid entry, uint[] columns, int rowCount) : MibNode(entry)
    {
        protected abstract SnmpValue Cell(uint column, int row);

        public override SnmpValue? Get(Oid oid)
        {
            if (oid.Length != Root.Length + 2 || !oid.StartsWith(Root) || !columns.Contains(oid[Root.Length]))
            {
                return null;
            }

            var row = oid[Root.Length + 1];
            return row >= 1 && row <= rowCount ? Cell(oid[Root.Length], (int)row) : null;
        }

        public override VarBind? GetNext(Oid oid)
        {
            foreach (var column in columns)
            {
                for (var row = 1; row <= rowCount; row++)
                {
                    var instance = Root.Append(column, (uint)row);
                    if (instance > oid)
                    {
                        return new VarBind(instance, Cell(column, row));
                    }
                }
            }

            return null;
        }
    }

    /// <summary>phaseStatusGroupEntry: 1 number, 2 reds, 3 yellows, 4 greens; one group (phases 1-8).</summary>
    private sealed class PhaseStatusNode(Oid entry, NtcipController controller) : ComputedTable(entry, [1, 2, 3, 4], 1)
    {
        protected override SnmpValue Cell(uint column, int row)
        {
            var (reds, yellows, greens) = controller.PhaseStatus;
            return SnmpValue.Integer(column switch { 1 => row, 2 => reds, 3 => yellows, _ => greens });
        }
    }

    /// <summary>volumeOccupancyEntry: 1 detectorVolume, 2 detectorOccupancy; rows are detectors 1-8.</summary>
    private sealed class VolumeOccupancyNode(Oid entry, NtcipController controller) : ComputedTable(entry, [1, 2], NtcipController.Detectors)
    {
        protected override SnmpValue Cell(uint column, int row)
        {
            var (volume, occupancy) = controller.Detector(row);
            return SnmpValue.Integer(column == 1 ? volume : occupancy);
        }
    }
}
