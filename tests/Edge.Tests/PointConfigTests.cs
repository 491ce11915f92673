using System.Collections;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using Microsoft.Extensions.Configuration;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>The point map and device limit keys: accepted forms, and an error naming the key for each mistake.</summary>
public sealed class PointConfigTests
{
    private static (bool Ok, EdgeSettings Settings, List<string> Errors) LoadWith(params (string Key, string Value)[] changes)
    {
        var values = TestConfig.Valid();
        foreach (var (key, value) in changes)
        {
            values[key] = value;
        }

        return TestConfig.Load(values);
    }

    [Fact]
    public void NewPointKinds_Load()
    {
        const string p = "Edge:Devices:0:Points";
        var (ok, settings, errors) = LoadWith(
            ($"{p}:3:Name", "serial"), ($"{p}:3:Register", "20"), ($"{p}:3:DataType", "string"), ($"{p}:3:Length", "5"),
            ($"{p}:4:Name", "temperature"), ($"{p}:4:Register", "30"), ($"{p}:4:DataType", "int16"), ($"{p}:4:Scale", "0.1"), ($"{p}:4:Offset", "-40"),
            ($"{p}:5:Name", "alarm-3"), ($"{p}:5:Register", "31"), ($"{p}:5:DataType", "uint32"), ($"{p}:5:Bit", "31"),
            ($"{p}:6:Name", "relay"), ($"{p}:6:Register", "0"), ($"{p}:6:Table", "coil"), ($"{p}:6:Writable", "true"),
            ($"{p}:7:Name", "door"), ($"{p}:7:Register", "0"), ($"{p}:7:Table", "discrete"),
            ("Edge:Devices:0:MaxRegistersPerRequest", "60"), ("Edge:Devices:0:MaxBitsPerRequest", "16"), ("Edge:Devices:0:MaxInsert", "0"),
            ("Edge:Devices:0:PauseAfterConnectMs", "200"), ("Edge:Devices:0:PauseBetweenRequestsMs", "20"), ("Edge:Devices:0:Retries", "2"));

        Assert.True(ok, string.Join("\n", errors));
        var device = settings.Devices.Single();
        var points = device.ModbusPoints.ToDictionary(x => x.Name);
        Assert.Equal((RegisterDataType.String, 5, 5), (points["serial"].DataType, points["serial"].Length, points["serial"].Width));
        Assert.Equal((0.1, -40.0), (points["temperature"].Scale, points["temperature"].Offset));
        Assert.Equal(31, points["alarm-3"].Bit);
        Assert.Equal((ModbusTable.Coil, RegisterDataType.Bool, true), (points["relay"].Table, points["relay"].DataType, points["relay"].Writable));
        Assert.Equal((ModbusTable.Discrete, false), (points["door"].Table, points["door"].Writable));
        Assert.Equal(new PlanLimits(60, 16, 0), device.Limits);
        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20), 2), (device.PauseAfterConnect, device.PauseBetweenRequests, device.Retries));
    }

    [Theory]
    [InlineData("Edge:Devices:0:Points:0:DataType", "string", "Edge:Devices:0:Points:0:Length: a string point needs its Length in registers (two characters each)")]
    [InlineData("Edge:Devices:0:Points:0:Length", "2", "Edge:Devices:0:Points:0:Length: only a string point has a Length (this one is float32)")]
    [InlineData("Edge:Devices:0:Points:0:Bit", "3", "Edge:Devices:0:Points:0:Bit: applies to an integer register value (uint16, int16, uint32, int32, uint64, int64), not to a float32")]
    [InlineData("Edge:Devices:0:Points:2:Bit", "64", "Edge:Devices:0:Points:2:Bit: must be 0-63 for a uint64 (got 64)")]
    [InlineData("Edge:Devices:0:Points:2:Bit", "-1", "Edge:Devices:0:Points:2:Bit: must be 0-63 for a uint64 (got -1)")]
    [InlineData("Edge:Devices:0:Points:0:Writable", "true", "Edge:Devices:0:Points:0:Writable: the input table is read-only (only holding registers and coils can be written)")]
    [InlineData("Edge:Devices:0:Points:0:Offset", "NaN", "Edge:Devices:0:Points:0:Offset: must be a finite number")]
    [InlineData("Edge:Devices:0:Points:0:Table", "coil", "Edge:Devices:0:Points:0:DataType: a point in the coil table is a bool (got 'float32')")]
    [InlineData("Edge:Devices:0:MaxRegistersPerRequest", "126", "Edge:Devices:0:MaxRegistersPerRequest: must be 1-125 (got 126)")]
    [InlineData("Edge:Devices:0:MaxRegistersPerRequest", "3", "Edge:Devices:0:Points:2:DataType: a uint64 spans 4 registers, more than the device's MaxRegistersPerRequest (3)")]
    [InlineData("Edge:Devices:0:MaxBitsPerRequest", "0", "Edge:Devices:0:MaxBitsPerRequest: must be 1-2000 (got 0)")]
    [InlineData("Edge:Devices:0:MaxInsert", "-1", "Edge:Devices:0:MaxInsert: must be 0-65535 (got -1)")]
    [InlineData("Edge:Devices:0:PauseBetweenRequestsMs", "60001", "Edge:Devices:0:PauseBetweenRequestsMs: must be 0-60000 (got 60001)")]
    [InlineData("Edge:Devices:0:PauseAfterConnectMs", "-5", "Edge:Devices:0:PauseAfterConnectMs: must be 0-60000 (got -5)")]
    [InlineData("Edge:Devices:0:Retries", "11", "Edge:Devices:0:Retries: must be 0-10 (got 11)")]
    public void Mistake_IsReported_WithItsKey(string key, string value, string expected)
    {
        var (ok, _, errors) = LoadWith((key, value));

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Length", "126", "Edge:Devices:0:Points:3:Length: must be 1-125 registers (the device's MaxRegistersPerRequest; got 126)")]
    [InlineData("Length", "0", "Edge:Devices:0:Points:3:Length: must be 1-125 registers")]
    [InlineData("Scale", "2", "Edge:Devices:0:Points:3:Scale: applies to numbers only (this point is a string)")]
    [InlineData("Register", "65530", "Edge:Devices:0:Points:3:Register: a string of 8 registers at 65530 runs past register 65535")]
    public void StringMistakes_AreReported_WithTheirKey(string key, string value, string expected)
    {
        var (ok, _, errors) = LoadWith(
            ("Edge:Devices:0:Points:3:Name", "label"), ("Edge:Devices:0:Points:3:Register", "10"), ("Edge:Devices:0:Points:3:DataType", "string"),
            ("Edge:Devices:0:Points:3:Length", "8"), ($"Edge:Devices:0:Points:3:{key}", value));

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void WritableBitPoint_AndWritableLongString_AreRefused()
    {
        var (ok, _, errors) = LoadWith(
            ("Edge:Devices:0:Points:3:Name", "alarm"), ("Edge:Devices:0:Points:3:Register", "10"), ("Edge:Devices:0:Points:3:Table", "holding"),
            ("Edge:Devices:0:Points:3:Bit", "2"), ("Edge:Devices:0:Points:3:Writable", "true"),
            ("Edge:Devices:0:Points:4:Name", "label"), ("Edge:Devices:0:Points:4:Register", "20"), ("Edge:Devices:0:Points:4:Table", "holding"),
            ("Edge:Devices:0:Points:4:DataType", "string"), ("Edge:Devices:0:Points:4:Length", "124"), ("Edge:Devices:0:Points:4:Writable", "true"));

        Assert.False(ok);
        Assert.Contains("Edge:Devices:0:Points:3:Writable: a Bit point cannot be written (it is one bit of a wider register)", errors);
        Assert.Contains("Edge:Devices:0:Points:4:Length: a Writable string is at most 123 registers (one FC16 request; got 124)", errors);
    }

    [Fact]
    public void DefaultDataType_IsUInt16ForRegisters_BoolForBits()
    {
        var (ok, settings, errors) = LoadWith(
            ("Edge:Devices:0:Points:3:Name", "count"), ("Edge:Devices:0:Points:3:Register", "10"),
            ("Edge:Devices:0:Points:4:Name", "coil"), ("Edge:Devices:0:Points:4:Register", "10"), ("Edge:Devices:0:Points:4:Table", "coils"));

        Assert.True(ok, string.Join("\n", errors));
        var points = settings.Devices.Single().ModbusPoints;
        Assert.Equal(RegisterDataType.UInt16, points[3].DataType);
        Assert.Equal(RegisterDataType.Bool, points[4].DataType);
    }

    [Fact]
    public void ConfigFile_ReplacesDefaultSerialLines_InsteadOfMergingByIndex()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """
            { "Edge": { "SerialLines": [ { "Name": "bus1", "Port": "/dev/ttyUSB0", "BaudRate": 9600 }, { "Name": "bus2", "Port": "/dev/ttyUSB1" } ] } }
            """);
        File.WriteAllText(dir.File("site.json"), """
            { "Edge": { "SerialLines": [ { "Name": "rs485", "Port": "/dev/ttyS1" } ] } }
            """);
        var builder = new ConfigurationBuilder();

        EdgeConfigurationSources.Configure(builder, ["--config", dir.File("site.json")], dir.Path, new Hashtable());
        var config = builder.Build();

        Assert.Equal("rs485", config["Edge:SerialLines:0:Name"]);
        Assert.Null(config["Edge:SerialLines:0:BaudRate"]);
        Assert.Null(config["Edge:SerialLines:1:Name"]);
    }

    [Fact]
    public void ConfigFile_WithoutSerialLines_KeepsTheDefaultOnes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """
            { "Edge": { "SerialLines": [ { "Name": "bus1", "Port": "/dev/ttyUSB0" } ] } }
            """);
        File.WriteAllText(dir.File("site.json"), """{ "Edge": { "GatewayId": "gw-site" } }""");
        var builder = new ConfigurationBuilder();

        EdgeConfigurationSources.Configure(builder, ["--config", dir.File("site.json")], dir.Path, new Hashtable());

        Assert.Equal("bus1", builder.Build()["Edge:SerialLines:0:Name"]);
    }
}
