namespace City.Edge.Polling;

/// <summary>One Modbus read request and the points it serves.</summary>
public sealed record ReadRequest(ModbusTable Table, ushort Start, ushort Count, IReadOnlyList<PointDefinition> Points)
{
    public int End => Start + Count;
}

/// <summary>
/// Merges the reads of a set of points into as few requests as possible: points of the same table whose registers are
/// near each other (a hole of at most <c>maxGap</c> registers) share a request of at most <c>maxCount</c> registers.
/// Reading a few unused registers is far cheaper than a round trip.
/// </summary>
public static class ReadPlanner
{
    public const int DefaultMaxGap = 50;
    public const int DefaultMaxCount = 125;

    public static IReadOnlyList<ReadRequest> Plan(IEnumerable<PointDefinition> points, int maxGap = DefaultMaxGap, int maxCount = DefaultMaxCount)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGap, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 4);
        var requests = new List<ReadRequest>();
        foreach (var table in points.GroupBy(p => p.Table).OrderBy(g => g.Key))
        {
            var sorted = table.OrderBy(p => p.Register).ThenByDescending(p => p.Width).ToList();
            var start = -1;
            var end = -1;
            var members = new List<PointDefinition>();
            foreach (var point in sorted)
            {
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
