using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>
/// The planner as a table of cases: points written "table:register:type" (type u16, u32, f64, s{length} or bool), the device's
/// limits, and the expected requests "table start+count fill".
/// </summary>
public sealed class ReadPlannerTableTests
{
    private static PointDefinition Parse(string spec, int index)
    {
        var parts = spec.Split(':');
        RegisterDecoding.TryParseTable(parts[0], out var table);
        var register = ushort.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var type = parts.Length < 3 ? (table.IsBitTable() ? "bool" : "u16") : parts[2];
        var (dataType, length) = type switch
        {
            "u16" => (RegisterDataType.UInt16, 0),
            "u32" => (RegisterDataType.UInt32, 0),
            "f64" => (RegisterDataType.Float64, 0),
            "bool" => (RegisterDataType.Bool, 0),
            _ when type.StartsWith('s') => (RegisterDataType.String, int.Parse(type[1..], System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException(type),
        };
        return new PointDefinition("dev", $"p{index}", table, register, dataType, WordOrder.Abcd, 1, "", 1000, "") { Length = length };
    }

    [Theory]
    [InlineData("one point", "holding:7", 125, 2000, 50, "holding 7+1 fill 0")]
    [InlineData("contiguous registers merge", "input:0:u32 input:2:u32 input:4:f64", 125, 2000, 50, "input 0+8 fill 0")]
    [InlineData("hole of MaxInsert is bridged", "holding:0 holding:11", 125, 2000, 10, "holding 0+12 fill 10")]
    [InlineData("hole of MaxInsert+1 splits", "holding:0 holding:12", 125, 2000, 10, "holding 0+1 fill 0 | holding 12+1 fill 0")]
    [InlineData("MaxInsert 0 merges only touching points", "holding:0 holding:1 holding:3", 125, 2000, 0, "holding 0+2 fill 0 | holding 3+1 fill 0")]
    [InlineData("four registers in one request", "holding:0 holding:1 holding:2 holding:3", 125, 2000, 50, "holding 0+4 fill 0")]
    [InlineData("MaxRegistersPerRequest 2 splits", "holding:0 holding:1 holding:2 holding:3", 2, 2000, 50, "holding 0+2 fill 0 | holding 2+2 fill 0")]
    [InlineData("a point is never split", "holding:0 holding:1:u32 holding:3", 2, 2000, 50, "holding 0+1 fill 0 | holding 1+2 fill 0 | holding 3+1 fill 0")]
    [InlineData("MaxRegistersPerRequest 1 reads one register each", "holding:0 holding:1", 1, 2000, 50, "holding 0+1 fill 0 | holding 1+1 fill 0")]
    [InlineData("a string is one block", "holding:10:s8 holding:18", 125, 2000, 50, "holding 10+9 fill 0")]
    [InlineData("a string too wide to join starts its own request", "holding:0 holding:1:s8", 8, 2000, 50, "holding 0+1 fill 0 | holding 1+8 fill 0")]
    [InlineData("overlapping points share", "input:3:u32 input:3 input:4", 125, 2000, 50, "input 3+2 fill 0")]
    [InlineData("tables are never mixed", "input:0 holding:1 input:2", 125, 2000, 50, "input 0+3 fill 1 | holding 1+1 fill 0")]
    [InlineData("coils are planned in bits", "coil:0 coil:1 coil:7", 125, 2000, 50, "coil 0+8 fill 5")]
    [InlineData("bit holes bridge MaxInsert x 16 bits", "coil:0 coil:161", 125, 2000, 10, "coil 0+162 fill 160")]
    [InlineData("bit holes beyond it split", "coil:0 coil:162", 125, 2000, 10, "coil 0+1 fill 0 | coil 162+1 fill 0")]
    [InlineData("MaxBitsPerRequest splits bits", "discrete:0 discrete:5 discrete:10", 125, 8, 50, "discrete 0+6 fill 4 | discrete 10+1 fill 0")]
    [InlineData("register limits do not apply to bits", "coil:0 coil:1999", 2, 2000, 200, "coil 0+2000 fill 1998")]
    [InlineData("every table in its order", "discrete:0 coil:0 holding:0 input:0", 125, 2000, 50, "input 0+1 fill 0 | holding 0+1 fill 0 | coil 0+1 fill 0 | discrete 0+1 fill 0")]
    [InlineData("the top of the address space", "holding:65534 holding:65535", 125, 2000, 50, "holding 65534+2 fill 0")]
    public void Plan(string description, string points, int maxRegisters, int maxBits, int maxInsert, string expected)
    {
        var definitions = points.Split(' ').Select(Parse).ToList();

        var plan = ReadPlanner.Plan(definitions, new PlanLimits(maxRegisters, maxBits, maxInsert));

        Assert.True(expected == string.Join(" | ", plan.Select(r => $"{r.Table.ConfigName()} {r.Start}+{r.Count} fill {r.Fill}")),
            $"{description}: expected {expected}, got {string.Join(" | ", plan.Select(r => $"{r.Table.ConfigName()} {r.Start}+{r.Count} fill {r.Fill}"))}");
        Assert.Equal(definitions.Count, plan.Sum(r => r.Points.Count));
        Assert.All(plan, r => Assert.All(r.Points, p => Assert.InRange(p.Register + p.Width, r.Start + 1, r.End)));
        Assert.All(plan, r => Assert.InRange(r.Count, 1, r.Table.IsBitTable() ? maxBits : maxRegisters));
    }

    [Fact]
    public void RandomMaps_AlwaysCoverEveryPoint_WithinTheLimits_AndNeverMoreRequestsThanPoints()
    {
        var random = new Random(42);
        for (var round = 0; round < 500; round++)
        {
            var limits = new PlanLimits(random.Next(4, 126), random.Next(1, 2001), random.Next(0, 60));
            var points = Enumerable.Range(0, random.Next(1, 80)).Select(i =>
            {
                var table = (ModbusTable)random.Next(4);
                var type = table.IsBitTable() ? RegisterDataType.Bool : (RegisterDataType)random.Next(8);
                return new PointDefinition("dev", $"p{i}", table, (ushort)random.Next(0, 2000), type, WordOrder.Abcd, 1, "", 1000, "");
            }).ToList();

            var plan = ReadPlanner.Plan(points, limits);

            Assert.Equal(points.Count, plan.Sum(r => r.Points.Count));
            Assert.True(plan.Count <= points.Count);
            foreach (var request in plan)
            {
                Assert.InRange(request.Count, 1, request.Table.IsBitTable() ? limits.MaxBitsPerRequest : limits.MaxRegistersPerRequest);
                Assert.InRange(request.Fill, 0, request.Count - 1);
                Assert.All(request.Points, p => Assert.True(p.Table == request.Table && p.Register >= request.Start && p.Register + p.Width <= request.End));
            }
        }
    }

    [Fact]
    public void Functions_FollowTheTable()
    {
        Assert.Equal(ModbusFunctionCode.ReadCoils, ModbusTable.Coil.ReadFunction());
        Assert.Equal(ModbusFunctionCode.ReadDiscreteInputs, ModbusTable.Discrete.ReadFunction());
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, ModbusTable.Holding.ReadFunction());
        Assert.Equal(ModbusFunctionCode.ReadInputRegisters, ModbusTable.Input.ReadFunction());
    }
}
