using System.Globalization;
using System.Net;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>The built-in profiles: they validate, plan as expected, and decode a slave filled the way the real device is.</summary>
public sealed class ProfileTests
{
    private static Dictionary<string, string?> ProfileDevice(string profile, int port = 502, byte unit = 1)
    {
        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:Devices:0:Name"] = "dev1";
        values["Edge:Devices:0:Host"] = "127.0.0.1";
        values["Edge:Devices:0:Port"] = port.ToString(CultureInfo.InvariantCulture);
        values["Edge:Devices:0:UnitId"] = unit.ToString(CultureInfo.InvariantCulture);
        values["Edge:Devices:0:Profile"] = profile;
        return values;
    }

    private static DeviceDefinition Load(Dictionary<string, string?> values)
    {
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        var device = Assert.Single(settings.Devices);
        return device with { Points = device.Points.Select((p, i) => p with { Alias = (uint)i + 1 }).ToList() };
    }

    [Fact]
    public void Both_Profiles_Ship()
    {
        Assert.Equal(["sdm630", "traffic-controller"], DeviceProfiles.Names);
    }

    [Fact]
    public void Sdm630_HasTheEastronInputRegisterLayout_InThreeRequests()
    {
        var device = Load(ProfileDevice("sdm630"));

        var registers = device.ModbusPoints.ToDictionary(p => p.Name, p => (int)p.Register);
        Assert.Equal(0x0000, registers["voltage-l1"]);
        Assert.Equal(0x0004, registers["voltage-l3"]);
        Assert.Equal(0x0006, registers["current-l1"]);
        Assert.Equal(0x0010, registers["power-l3"]);
        Assert.Equal(0x001E, registers["power-factor-l1"]);
        Assert.Equal(0x0022, registers["power-factor-l3"]);
        Assert.Equal(0x0034, registers["total-power"]);
        Assert.Equal(0x0046, registers["frequency"]);
        Assert.Equal(0x0048, registers["import-energy"]);
        Assert.Equal(0x004A, registers["export-energy"]);
        Assert.Equal(0x0156, registers["total-energy"]);
        Assert.All(device.ModbusPoints, p => Assert.Equal((ModbusTable.Input, RegisterDataType.Float32, WordOrder.Abcd), (p.Table, p.DataType, p.WordOrder)));
        Assert.Equal("sdm630", device.Profile);

        // Instantaneous values every second in one FC04 across the holes; energies every 10 s (0x156 is too far to bridge).
        var plan = device.Plan();
        Assert.Equal(["1000: 0+72", "10000: 72+4 342+2"], plan.Select(g => $"{g.PeriodMs}: {string.Join(' ', g.Requests.Select(r => $"{r.Start}+{r.Count}"))}"));
    }

    [Fact]
    public void TrafficController_HasTheCitysimMap()
    {
        var device = Load(ProfileDevice("traffic-controller", unit: 2));
        var points = device.ModbusPoints.ToDictionary(p => p.Name);

        Assert.Equal((ModbusTable.Input, (ushort)0), (points["mode"].Table, points["mode"].Register));
        Assert.Equal((ModbusTable.Input, (ushort)3, RegisterDataType.UInt32), (points["alarms"].Table, points["alarms"].Register, points["alarms"].DataType));
        Assert.Equal([0, 1, 2, 3, 4, 5], points.Values.Where(p => p.Bit is not null).Select(p => p.Bit!.Value).Order());
        Assert.Equal(8, points.Values.Count(p => p.Name.StartsWith("detector-", StringComparison.Ordinal) && p.Name.EndsWith("-count", StringComparison.Ordinal)));
        Assert.Equal((ModbusTable.Input, (ushort)13), (points["bus-priority-requests"].Table, points["bus-priority-requests"].Register));
        Assert.Equal(4, points.Values.Count(p => p.Table == ModbusTable.Discrete));
        Assert.Equal(8, points.Values.Count(p => p.Table == ModbusTable.Coil));
        Assert.Equal((ModbusTable.Holding, (ushort)100, true), (points["requested-mode"].Table, points["requested-mode"].Register, points["requested-mode"].Writable));
        Assert.Single(points.Values, p => p.Writable);
        Assert.All(points.Values.Where(p => p.Bit is not null || p.Table.IsBitTable()), p => Assert.Equal(PointType.Boolean, p.PointType));
    }

    [Fact]
    public void OwnPoints_AreAddedNextToTheProfile()
    {
        var values = ProfileDevice("sdm630");
        values["Edge:Devices:0:Points:0:Name"] = "serial-number";
        values["Edge:Devices:0:Points:0:Table"] = "holding";
        values["Edge:Devices:0:Points:0:Register"] = "64512";
        values["Edge:Devices:0:Points:0:DataType"] = "uint32";

        var device = Load(values);

        Assert.Equal(18, device.Points.Count);
        Assert.Equal("serial-number", device.Points[^1].Name);
    }

    [Theory]
    [InlineData("Edge:Devices:0:Points:0:Name", "voltage-l1", "Edge:Devices:0:Points:0:Name: 'voltage-l1' is used by a point of its profile 'sdm630' of device 'dev1'")]
    [InlineData("Edge:Devices:0:Profile", "sdm120", "Edge:Devices:0:Profile: no profile named 'sdm120' (known: sdm630, traffic-controller)")]
    [InlineData("Edge:Devices:0:MaxRegistersPerRequest", "1", "Edge:Devices:0:Profile:sdm630:Points:0:DataType: a float32 spans 2 registers, more than the device's MaxRegistersPerRequest (1)")]
    public void ProfileErrors_NameTheKey(string key, string value, string expected)
    {
        var values = ProfileDevice("sdm630");
        if (key.EndsWith(":Name", StringComparison.Ordinal))
        {
            values["Edge:Devices:0:Points:0:Register"] = "100";
        }

        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(expected, errors);
    }

    [Fact]
    public async Task Sdm630_AgainstASlave_DecodesEveryValue()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, holdingRegisterCount: 0, inputRegisterCount: 400);
        var expected = new Dictionary<ushort, float>
        {
            [0x00] = 230.1f, [0x02] = 231.2f, [0x04] = 229.9f, [0x06] = 5.25f, [0x08] = 4.5f, [0x0A] = 6f,
            [0x0C] = 1200.5f, [0x0E] = 1000f, [0x10] = 1380.25f, [0x1E] = 0.98f, [0x20] = -0.95f, [0x22] = 1f,
            [0x34] = 3580.75f, [0x46] = 49.98f, [0x48] = 123456.7f, [0x4A] = 12.5f, [0x156] = 123469.2f,
        };
        foreach (var (register, value) in expected)
        {
            var regs = new ushort[2];
            ModbusRegisterValue.TryWriteFloat32(value, WordOrder.Abcd, regs);
            map.SetInputRegisters(1, register, regs);
        }

        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();
        var device = Load(ProfileDevice("sdm630", slave.LocalEndPoint.Port));

        var readings = await PollUntilAsync(device, r => r.Select(x => x.Alias).Distinct().Count() == device.Points.Count);

        foreach (var point in device.ModbusPoints)
        {
            var reading = readings.First(r => r.Alias == point.Alias);
            Assert.Equal(Quality.Good, reading.Quality);
            Assert.Equal(RegisterDecoding.ShortestDouble(expected[point.Register]), reading.Value.Number);
        }
    }

    [Fact]
    public async Task TrafficController_AgainstASlave_DecodesModeCountsAlarmBitsAndBits()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(2, holdingRegisterCount: 101, inputRegisterCount: 14, coilCount: 8, discreteInputCount: 4);
        // mode 3, stage 2, second 41, alarms 0x00000009 (lamp failure, door open), counts 100..107, 7 bus requests.
        map.SetInputRegisters(2, 0, [3, 2, 41, 0x0000, 0x0009, 100, 101, 102, 103, 104, 105, 106, 107, 7]);
        map.SetDiscreteInputs(2, 0, [true, true, false, false]);
        map.SetCoils(2, 0, [false, true, false, false, false, false, false, true]);
        map.SetHoldingRegisters(2, 100, [3]);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();
        var device = Load(ProfileDevice("traffic-controller", slave.LocalEndPoint.Port, 2));

        var readings = await PollUntilAsync(device, r => r.Select(x => x.Alias).Distinct().Count() == device.Points.Count);
        var latest = device.Points.ToDictionary(p => p.Name, p => readings.First(r => r.Alias == p.Alias));

        Assert.All(latest.Values, r => Assert.Equal(Quality.Good, r.Quality));
        Assert.Equal(3, latest["mode"].Value.Number);
        Assert.Equal(41, latest["cycle-second"].Value.Number);
        Assert.Equal(9, latest["alarms"].Value.Number);
        Assert.True(latest["alarm-lamp-failure"].Value.Boolean);
        Assert.False(latest["alarm-conflict"].Value.Boolean);
        Assert.True(latest["alarm-door-open"].Value.Boolean);
        Assert.False(latest["alarm-power-failure"].Value.Boolean);
        Assert.Equal(PointType.Boolean, latest["alarm-door-open"].Value.Type);
        Assert.Equal(107, latest["detector-8-count"].Value.Number);
        Assert.Equal(7, latest["bus-priority-requests"].Value.Number);
        Assert.True(latest["door-open"].Value.Boolean);
        Assert.False(latest["lamps-ok"].Value.Boolean);
        Assert.True(latest["detector-2-occupied"].Value.Boolean);
        Assert.False(latest["detector-3-occupied"].Value.Boolean);
        Assert.Equal(3, latest["requested-mode"].Value.Number);
    }

    private static async Task<List<Reading>> PollUntilAsync(DeviceDefinition device, Func<List<Reading>, bool> enough)
    {
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue(10_000);
        var poller = new DevicePoller(device, 0, 1, new ModbusDeviceClientFactory(TimeProvider.System), queue.Writer, state, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards a broken build only
        var run = poller.RunAsync(cts.Token);
        var readings = new List<Reading>();
        while (!enough(readings))
        {
            readings.Add(await queue.Reader.ReadAsync(guard.Token));
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        return readings;
    }
}
