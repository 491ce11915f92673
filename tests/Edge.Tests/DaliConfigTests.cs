using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;

namespace City.Edge.Tests;

public class DaliConfigTests
{
    private static Dictionary<string, string?> WithLine()
    {
        var values = TestConfig.Valid();
        values["Edge:DaliLines:0:Name"] = "lights-a";
        values["Edge:DaliLines:0:Port"] = "/dev/ttyUSB1";
        values["Edge:DaliLines:0:StatusPeriodMs"] = "5000";
        values["Edge:DaliLines:0:Gear:0:Address"] = "0";
        values["Edge:DaliLines:0:Gear:0:Groups:0"] = "1";
        values["Edge:DaliLines:0:Gear:0:Groups:1"] = "3";
        values["Edge:DaliLines:0:Gear:0:Location"] = "pole-17";
        values["Edge:DaliLines:0:Gear:0:RatedPowerW"] = "60";
        values["Edge:DaliLines:0:Gear:1:Address"] = "5";
        return values;
    }

    [Fact]
    public void ValidLine_IsLoadedWithItsGearAndPoints()
    {
        var (ok, settings, errors) = TestConfig.Load(WithLine());
        Assert.True(ok, string.Join("\n", errors));
        var line = Assert.Single(settings.DaliLines);
        Assert.Equal("lights-a", line.Name);
        Assert.Equal(TimeSpan.FromSeconds(5), line.StatusPeriod);
        Assert.Equal([0, 5], line.Gear.Select(g => g.Address));
        Assert.Equal((ushort)0b1010, line.Gear[0].Groups);
        Assert.Equal("pole-17", line.Gear[0].Location);
        Assert.True(line.ProgramGroups);
        var ids = line.Catalogue().Select(p => p.Id).ToList();
        Assert.Contains("lights-a/events", ids);
        Assert.Contains("lights-a/g0.level", ids);
        Assert.Contains("lights-a/g5.energy", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void D4iPoints_AreInTheCatalogue_AndReadAtTheDiagnosticsPeriod_AnHourByDefault()
    {
        var (_, defaults, _) = TestConfig.Load(WithLine());
        Assert.Equal(TimeSpan.FromHours(1), Assert.Single(defaults.DaliLines).DiagnosticsPeriod);

        var values = WithLine();
        values["Edge:DaliLines:0:DiagnosticsPeriodMs"] = "600000";
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        var line = Assert.Single(settings.DaliLines);
        Assert.Equal(TimeSpan.FromMinutes(10), line.DiagnosticsPeriod);
        var points = DaliDriver.ToDevice(line).Points.ToDictionary(p => p.Id);
        foreach (var (quantity, unit) in new[] { ("gtin", ""), ("serial", ""), ("operating-hours", "h"), ("lamp-on-hours", "h"), ("start-count", "starts"), ("rated-life-hours", "h") })
        {
            var point = points[$"lights-a/g5.{quantity}"];
            Assert.Equal(unit, point.Unit);
            Assert.Equal(600_000, point.PeriodMs);
        }

        Assert.Equal(City.Contract.Wire.PointType.Text, points["lights-a/g0.gtin"].PointType);
        Assert.Equal(City.Contract.Wire.PointType.Number, points["lights-a/g0.operating-hours"].PointType);
    }

    [Fact]
    public void ProgramGroups_CanBeTurnedOffPerLine()
    {
        var values = WithLine();
        values["Edge:DaliLines:0:ProgramGroups"] = "false";
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        Assert.False(Assert.Single(settings.DaliLines).ProgramGroups);
    }

    [Theory]
    [InlineData("Edge:DaliLines:0:Gear:1:Address", "64", "Edge:DaliLines:0:Gear:1:Address: must be a short address 0-63")]
    [InlineData("Edge:DaliLines:0:Gear:1:Address", "0", "Edge:DaliLines:0:Gear:1:Address: 0 is used by another gear")]
    [InlineData("Edge:DaliLines:0:Gear:0:Groups:1", "16", "Edge:DaliLines:0:Gear:0:Groups:1: must be a DALI group 0-15")]
    [InlineData("Edge:DaliLines:0:Port", "", "Edge:DaliLines:0:Port: must not be empty")]
    [InlineData("Edge:DaliLines:0:Name", "meter1", "Edge:DaliLines:0:Name: 'meter1' is also the name of a device")]
    [InlineData("Edge:DaliLines:0:StatusPeriodMs", "10", "Edge:DaliLines:0:StatusPeriodMs: must be 100-")]
    [InlineData("Edge:DaliLines:0:DiagnosticsPeriodMs", "999", "Edge:DaliLines:0:DiagnosticsPeriodMs: must be 1000-")]
    [InlineData("Edge:DaliLines:0:Gear:0:RatedPowerW", "-1", "Edge:DaliLines:0:Gear:0:RatedPowerW: must be 0-10000 W")]
    [InlineData("Edge:DaliLines:0:Gear:0:Colour", "red", "Edge:DaliLines:0:Gear:0:Colour: unknown setting")]
    [InlineData("Edge:DaliLines:0:Baud", "9600", "Edge:DaliLines:0:Baud: unknown setting")]
    public void InvalidLine_ErrorNamesTheKey(string key, string value, string expected)
    {
        var values = WithLine();
        values[key] = value;
        var (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TwoLinesOnOnePort_AreRefused()
    {
        var values = WithLine();
        values["Edge:DaliLines:1:Name"] = "lights-b";
        values["Edge:DaliLines:1:Port"] = "/dev/ttyUSB1";
        var (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:DaliLines:1:Port: '/dev/ttyUSB1' is used by another", StringComparison.Ordinal));
    }
}
