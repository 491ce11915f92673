using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

public class PlanningTests
{
    private static PointDefinition Point(string name, ushort register, RegisterDataType type = RegisterDataType.UInt16, ModbusTable table = ModbusTable.Holding) =>
        new("dev", name, table, register, type, WordOrder.Abcd, 1.0, "", 1000, "");

    [Fact]
    public void NeighbouringRegisters_AreReadInOneRequest()
    {
        var plan = ReadPlanner.Plan([Point("v", 0, RegisterDataType.Float32), Point("i", 2, RegisterDataType.Float32), Point("e", 6, RegisterDataType.UInt64)]);

        var request = Assert.Single(plan);
        Assert.Equal((0, 10), (request.Start, request.Count));
        Assert.Equal(3, request.Points.Count);
    }

    [Fact]
    public void HoleUpToMaxGap_IsBridged_LargerHoleSplits()
    {
        var bridged = ReadPlanner.Plan([Point("a", 0), Point("b", 51)]);
        var split = ReadPlanner.Plan([Point("a", 0), Point("b", 52)]);

        Assert.Equal((0, 52), (Assert.Single(bridged).Start, bridged[0].Count));
        Assert.Equal([(0, 1), (52, 1)], split.Select(r => ((int)r.Start, (int)r.Count)));
    }

    [Fact]
    public void RequestNeverExceeds125Registers()
    {
        var points = Enumerable.Range(0, 300).Select(i => Point("p" + i, (ushort)(i * 2), RegisterDataType.Float32)).ToList();

        var plan = ReadPlanner.Plan(points);

        Assert.All(plan, r => Assert.InRange(r.Count, 1, 125));
        Assert.Equal(300, plan.Sum(r => r.Points.Count));
        Assert.All(plan, r => Assert.All(r.Points, p => Assert.InRange(p.Register + p.Width, r.Start + 1, r.End)));
        Assert.Equal(5, plan.Count); // 600 registers, 124 per request (62 float32)
    }

    [Fact]
    public void Tables_AreNeverMixed()
    {
        var plan = ReadPlanner.Plan([Point("a", 0, table: ModbusTable.Input), Point("b", 1, table: ModbusTable.Holding), Point("c", 2, table: ModbusTable.Input)]);

        Assert.Equal(2, plan.Count);
        Assert.Equal(ModbusTable.Input, plan[0].Table);
        Assert.Equal((0, 3), (plan[0].Start, plan[0].Count));
        Assert.Equal(ModbusTable.Holding, plan[1].Table);
    }

    [Fact]
    public void OverlappingPoints_ShareTheRequest()
    {
        var plan = ReadPlanner.Plan([Point("wide", 10, RegisterDataType.UInt32), Point("low", 11)]);

        Assert.Equal((10, 2), (Assert.Single(plan).Start, plan[0].Count));
    }

    [Fact]
    public void NextDue_SkipsMissedSlots_AndKeepsTheGrid()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var period = TimeSpan.FromSeconds(1);

        Assert.Equal(t0.AddSeconds(1), PollSchedule.NextDue(t0, period, t0.AddMilliseconds(20)));
        Assert.Equal(t0.AddSeconds(4), PollSchedule.NextDue(t0, period, t0.AddMilliseconds(3500)));
    }
}

public class DecodingTests
{
    [Fact]
    public void Float32_BecomesItsShortestDecimal()
    {
        Span<ushort> regs = stackalloc ushort[2];
        ModbusRegisterValue.TryWriteFloat32(230.47f, WordOrder.Abcd, regs);

        Assert.Equal(230.47, RegisterDecoding.Decode(regs, RegisterDataType.Float32, WordOrder.Abcd, 1.0));
    }

    [Theory]
    [InlineData(WordOrder.Abcd)]
    [InlineData(WordOrder.Cdab)]
    [InlineData(WordOrder.Badc)]
    [InlineData(WordOrder.Dcba)]
    public void WordOrders_RoundTrip(WordOrder order)
    {
        Span<ushort> regs = stackalloc ushort[4];
        ModbusRegisterValue.TryWriteUInt64(123_456_789_012, order, regs);
        Assert.Equal(123_456_789_012d, RegisterDecoding.Decode(regs, RegisterDataType.UInt64, order, 1.0));

        ModbusRegisterValue.TryWriteInt32(-42, order, regs);
        Assert.Equal(-42d, RegisterDecoding.Decode(regs, RegisterDataType.Int32, order, 1.0));
    }

    [Fact]
    public void Scale_IsExactInDecimal()
    {
        ushort[] regs = [2304];

        Assert.Equal(230.4, RegisterDecoding.Decode(regs, RegisterDataType.UInt16, WordOrder.Abcd, 0.1));
        Assert.Equal(1d, RegisterDecoding.Decode([7], RegisterDataType.Bool, WordOrder.Abcd, 1.0));
        Assert.Equal(-1d, RegisterDecoding.Decode([0xFFFF], RegisterDataType.Int16, WordOrder.Abcd, 1.0));
    }
}
