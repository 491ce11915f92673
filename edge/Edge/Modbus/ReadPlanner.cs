using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>One Modbus read request and the points it serves. Start and Count are registers, or bits for coils and discrete inputs.</summary>
internal sealed record ReadRequest(ModbusTable Table, ushort Start, ushort Count, IReadOnlyList<PointDefinition> Points)
{
    public int End => Start + Count;

    public ModbusFunctionCode Function => Table.ReadFunction();

    /// <summary>Registers (or bits) read only to bridge holes between points: Count minus the ones some point uses.</summary>
    public int Fill
    {
        get
        {
            var used = 0;
            var coveredUpTo = (int)Start;
            foreach (var point in Points.OrderBy(p => p.Register))
            {
                var from = Math.Max(coveredUpTo, point.Register);
                var to = point.Register + point.Width;
                if (to > from)
                {
                    used += to - from;
                    coveredUpTo = to;
                }
            }

            return Count - used;
        }
    }
}

/// <summary>A device's request limits: registers and bits per request, and the fill allowed across holes.</summary>
internal sealed record PlanLimits(int MaxRegistersPerRequest = PlanLimits.DefaultMaxRegisters, int MaxBitsPerRequest = PlanLimits.DefaultMaxBits, int MaxInsert = PlanLimits.DefaultMaxInsert)
{
    public const int DefaultMaxRegisters = ModbusPdu.MaxReadRegisters;
    public const int DefaultMaxBits = ModbusPdu.MaxReadBits;
    public const int DefaultMaxInsert = 50;

    /// <summary>Holes in a bit table are bridged up to this many bits: the same bytes on the wire as MaxInsert registers.</summary>
    public int MaxInsertBits => MaxInsert * 16;

    public static PlanLimits Default { get; } = new();
}

/// <summary>
/// Merges the reads of a set of points into as few requests as the limits allow: points of the same table whose registers are
/// near each other (a hole of at most MaxInsert registers, or MaxInsert x 16 bits in the coil and discrete tables) share a
/// request of at most MaxRegistersPerRequest registers (MaxBitsPerRequest bits). A point is never split across requests.
/// Reading a few unused registers is far cheaper than a round trip. Scanning the points by address and closing a request
/// only when the next point cannot join it gives the fewest requests for these two constraints.
/// </summary>
internal static class ReadPlanner
{
    public const int DefaultMaxGap = PlanLimits.DefaultMaxInsert;
    public const int DefaultMaxCount = PlanLimits.DefaultMaxRegisters;

    public static IReadOnlyList<ReadRequest> Plan(IEnumerable<PointDefinition> points, int maxGap = DefaultMaxGap, int maxCount = DefaultMaxCount) =>
        Plan(points, new PlanLimits(maxCount, PlanLimits.DefaultMaxBits, maxGap));

    public static IReadOnlyList<ReadRequest> Plan(IEnumerable<PointDefinition> points, PlanLimits limits)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxInsert, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxRegistersPerRequest, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxBitsPerRequest, 1);
        var requests = new List<ReadRequest>();
        foreach (var table in points.GroupBy(p => p.Table).OrderBy(g => g.Key))
        {
            var bits = table.Key.IsBitTable();
            var maxCount = bits ? limits.MaxBitsPerRequest : limits.MaxRegistersPerRequest;
            var maxGap = bits ? limits.MaxInsertBits : limits.MaxInsert;
            var sorted = table.OrderBy(p => p.Register).ThenByDescending(p => p.Width).ToList();
            var start = -1;
            var end = -1;
            var members = new List<PointDefinition>();
            foreach (var point in sorted)
            {
                if (point.Width > maxCount)
                {
                    throw new ArgumentException($"Point {point.Id} spans {point.Width} registers, more than the {maxCount} a request may read.", nameof(points));
                }

                var pointEnd = point.Register + point.Width;
                if (members.Count > 0 && point.Register - end <= maxGap && Math.Max(end, pointEnd) - start <= maxCount)
                {
                    end = Math.Max(end, pointEnd);
                    members.Add(point);
                    continue;
                }

                if (members.Count > 0)
                {
                    requests.Add(new ReadRequest(table.Key, (ushort)start, (ushort)(end - start), members));
                }

                start = point.Register;
                end = pointEnd;
                members = [point];
            }

            if (members.Count > 0)
            {
                requests.Add(new ReadRequest(table.Key, (ushort)start, (ushort)(end - start), members));
            }
        }

        return requests;
    }
}

/// <summary>The requests of one period group: every point polled at the same period.</summary>
internal sealed record PollGroupPlan(int PeriodMs, IReadOnlyList<ReadRequest> Requests);

internal static class DevicePlanner
{
    /// <summary>The device's points grouped by period (shortest first), each group planned within the device's limits.</summary>
    public static IReadOnlyList<PollGroupPlan> Plan(IEnumerable<PointDefinition> points, PlanLimits limits) =>
        points.GroupBy(p => p.PeriodMs)
            .OrderBy(g => g.Key)
            .Select(g => new PollGroupPlan(g.Key, ReadPlanner.Plan(g, limits)))
            .ToList();
}
