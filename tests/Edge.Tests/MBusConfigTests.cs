using City.Edge.MBus;
using City.Protocols.MBus;

namespace City.Edge.Tests;

/// <summary>Edge:MBusLines and the mbus devices: what a valid configuration becomes, and every mistake named by its key.</summary>
public sealed class MBusConfigTests
{
    private static Dictionary<string, string?> Line()
    {
        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:MBusLines:0:Name"] = "mbus1";
        values["Edge:MBusLines:0:Port"] = "/dev/ttyUSB1";
        values["Edge:Devices:0:Name"] = "heat1";
        values["Edge:Devices:0:Protocol"] = "mbus";
        values["Edge:Devices:0:Line"] = "mbus1";
        values["Edge:Devices:0:PrimaryAddress"] = "1";
        values["Edge:Devices:0:Points:0:Name"] = "energy";
        values["Edge:Devices:0:Points:0:Quantity"] = "energy";
        values["Edge:Devices:0:Points:0:Unit"] = "kWh";
        values["Edge:Devices:0:Points:0:Scale"] = "0.001";
        values["Edge:Devices:0:Points:1:Name"] = "stored";
        values["Edge:Devices:0:Points:1:Quantity"] = "Volume";
        values["Edge:Devices:0:Points:1:Storage"] = "1";
        values["Edge:Devices:0:Points:1:Function"] = "maximum";
        values["Edge:Devices:1:Name"] = "water1";
        values["Edge:Devices:1:Protocol"] = "mbus";
        values["Edge:Devices:1:Line"] = "mbus1";
        values["Edge:Devices:1:SecondaryAddress"] = "16000001";
        values["Edge:Devices:1:Points:0:Name"] = "volume";
        values["Edge:Devices:1:Points:0:Quantity"] = "Volume";
        return values;
    }

    [Fact]
    public void A_valid_line_gives_meters_by_primary_and_secondary_address_with_their_points()
    {
        var (ok, settings, errors) = TestConfig.Load(Line());
        Assert.True(ok, string.Join("\n", errors));
        var heat = settings.Devices.Single(d => d.Name == "heat1");
        var meter = heat.SettingsOf<MBusMeterSettings>();
        Assert.Equal((byte?)1, meter.Primary);
        Assert.Equal(2400, meter.Line.Serial.BaudRate);
        Assert.Equal(System.IO.Ports.Parity.Even, meter.Line.Serial.Parity);
        var energy = heat.PointsOf<MBusPoint>().Single(p => p.Name == "energy");
        Assert.Equal(("Energy", "Wh", "kWh", 0.001), (energy.Quantity, energy.RecordUnit, energy.Unit, energy.Scale));
        var stored = heat.PointsOf<MBusPoint>().Single(p => p.Name == "stored");
        Assert.Equal((1L, MBusFunction.Maximum, "m3"), (stored.Storage, stored.Function, stored.Unit));
        var water = settings.Devices.Single(d => d.Name == "water1").SettingsOf<MBusMeterSettings>();
        Assert.Equal("16000001", water.Secondary!.Value.Identification);
    }

    [Theory]
    [InlineData("Edge:Devices:0:Line", "mbus9", "Edge:Devices:0:Line: an mbus device needs the name of an Edge:MBusLines entry (got 'mbus9'; configured: mbus1)")]
    [InlineData("Edge:Devices:0:SecondaryAddress", "12345678", "Edge:Devices:0:PrimaryAddress: an mbus device needs PrimaryAddress (0-250) or SecondaryAddress")]
    [InlineData("Edge:Devices:1:SecondaryAddress", "1234FFFF", "Edge:Devices:1:SecondaryAddress: must be the 8 identification digits or 16 hex digits")]
    [InlineData("Edge:Devices:0:Points:0:Quantity", "Energie", "Edge:Devices:0:Points:0:Quantity: unknown quantity 'Energie'")]
    [InlineData("Edge:Devices:0:Points:0:Scale", "1", "Edge:Devices:0:Points:0:Unit: the record's unit is 'Wh'; a point in 'kWh' needs the Scale that converts")]
    [InlineData("Edge:Devices:0:Points:1:Function", "average", "Edge:Devices:0:Points:1:Function: must be instantaneous, maximum, minimum or during-error (got 'average')")]
    [InlineData("Edge:MBusLines:0:Parity", "odd", "Edge:MBusLines:0:Parity: must be even (8E1, EN 13757-2) or none (got 'odd')")]
    [InlineData("Edge:Devices:0:UnitId", "3", "Edge:Devices:0:UnitId: an mbus device is reached through its Line and its PrimaryAddress or SecondaryAddress, not UnitId")]
    public void Every_mistake_is_named_by_its_key(string key, string value, string expected)
    {
        var values = Line();
        values[key] = value;
        var (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Values_out_of_range_are_named()
    {
        var values = Line();
        values["Edge:MBusLines:0:BaudRate"] = "115200";
        values["Edge:Devices:0:PrimaryAddress"] = "251";
        var (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains("Edge:MBusLines:0:BaudRate: must be 300-38400 (got 115200)", errors);
        Assert.Contains("Edge:Devices:0:PrimaryAddress: must be 0-250 (got 251)", errors);
    }
}
