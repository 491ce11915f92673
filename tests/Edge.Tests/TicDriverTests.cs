using City.Contract;
using City.Contract.Wire;
using City.Edge.Tic;
using City.Protocols.Tic;

namespace City.Edge.Tests;

/// <summary>A Linky meter's TIC output as a device of protocol tic: its keys, its points from the labels, values from a frame.</summary>
public sealed class TicDriverTests
{
    private static Dictionary<string, string?> WithMeter(params (string Key, string Value)[] settings)
    {
        var values = TestConfig.Valid();
        values["Edge:Devices:1:Name"] = "linky";
        values["Edge:Devices:1:Protocol"] = "tic";
        foreach (var (key, value) in settings)
        {
            values[$"Edge:Devices:1:{key}"] = value;
        }

        return values;
    }

    [Fact]
    public void A_standard_meter_gets_the_standard_labels_with_units_and_the_status_fields()
    {
        var (ok, settings, errors) = TestConfig.Load(WithMeter(("SerialPort", "/dev/ttyAMA0"), ("Mode", "standard"), ("PublishPeriodMs", "5000")));

        Assert.True(ok, string.Join("\n", errors));
        var meter = settings.Devices.Single(d => d.Name == "linky");
        Assert.Equal(("tic", "serial:///dev/ttyAMA0"), (meter.Protocol, meter.Endpoint));
        var points = meter.Points.ToDictionary(p => p.Name);
        Assert.Equal(("Wh", PointType.Number), (points["east"].Unit, points["east"].PointType));
        Assert.Equal("Wh", points["easf10"].Unit);
        Assert.Equal("VA", points["sinsts"].Unit);
        Assert.Equal("A", points["irms1"].Unit);
        Assert.Equal(PointType.Text, points["ltarf"].PointType);
        Assert.Equal(PointType.Text, points["date"].PointType);
        Assert.Equal(PointType.Boolean, points["clock-valid"].PointType);
        Assert.Equal(PointType.Boolean, points["stge.dry-contact-open"].PointType);
        Assert.Equal(PointType.Number, points["stge.supplier-tariff-index"].PointType);
        Assert.Equal(PointType.Text, points["stge.tempo-today"].PointType);
        Assert.Contains("njourf-next", points.Keys);
        Assert.Contains("bad-checksums", points.Keys);
        Assert.DoesNotContain("papp", points.Keys);
        Assert.All(meter.Points, p => Assert.Equal(5000, p.PeriodMs));
    }

    [Fact]
    public void A_meter_in_auto_mode_gets_the_labels_of_both_modes()
    {
        var (ok, settings, errors) = TestConfig.Load(WithMeter(("SerialPort", "/dev/ttyAMA0")));

        Assert.True(ok, string.Join("\n", errors));
        var names = settings.Devices.Single(d => d.Name == "linky").Points.Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "papp", "hchc", "ptec", "iinst", "east", "sinsts", "ntarf" }, names);
        Assert.Equal(names.Count, settings.Devices.Single(d => d.Name == "linky").Points.Count);
    }

    [Theory]
    [InlineData("Mode", "fast", "Edge:Devices:1:Mode: must be auto, historic or standard (got 'fast')")]
    [InlineData("PublishPeriodMs", "10", "Edge:Devices:1:PublishPeriodMs: must be 1000-")]
    [InlineData("Host", "10.0.0.1", "Edge:Devices:1:Host: not a setting of a tic device")]
    [InlineData("Port", "502", "Edge:Devices:1:Port: a tic device names its serial port in SerialPort")]
    [InlineData("Points:0:Name", "east", "Edge:Devices:1:Points: a tic device's points come from the labels of its mode")]
    public void Mistakes_are_named_with_their_key(string key, string value, string expected)
    {
        var (ok, _, errors) = TestConfig.Load(WithMeter(("SerialPort", "/dev/ttyAMA0"), (key, value)));

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_meter_needs_its_serial_port_and_two_meters_cannot_share_one()
    {
        var (ok, _, errors) = TestConfig.Load(WithMeter());
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:Devices:1:SerialPort: required", StringComparison.Ordinal));

        var values = WithMeter(("SerialPort", "/dev/ttyS1"));
        values["Edge:Devices:2:Name"] = "linky2";
        values["Edge:Devices:2:Protocol"] = "tic";
        values["Edge:Devices:2:SerialPort"] = "/dev/ttyS1";
        (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains(errors, e => e.Contains("share the serial port /dev/ttyS1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_frame_gives_numbers_texts_the_date_and_the_status_fields()
    {
        var settings = new TicDeviceSettings("/dev/null", TicMode.Standard, TimeSpan.FromSeconds(10));
        var values = new TicFrameValues(TicDeviceConfig.Points("linky", settings).Cast<TicPoint>());
        TicTimestamp.TryParse("e260705143000"u8, out var date);
        var frame = Assert.Single(new TicFrameDecoder().Feed(TicFrameEncoder.Encode(
        [
            new TicGroup("DATE", "", date),
            new TicGroup("EAST", "013669126"),
            new TicGroup("SINSTS", "01306"),
            new TicGroup("LTARF", "  HEURE  PLEINE  "),
            new TicGroup("STGE", "00024401"),
            new TicGroup("NJOURF+1", "00"),
            new TicGroup("ZZZZ", "unknown label"),
        ], TicMode.Standard)));

        var byName = values.Of(frame).ToDictionary(v => v.Point.Name, v => v.Value);

        Assert.Equal(PointValue.FromNumber(13669126), byName["east"]);
        Assert.Equal(PointValue.FromNumber(1306), byName["sinsts"]);
        Assert.Equal(PointValue.FromText("HEURE  PLEINE"), byName["ltarf"]);
        Assert.Equal(PointValue.FromText("2026-07-05T14:30:00+02:00"), byName["date"]);
        Assert.Equal(PointValue.FromBoolean(false), byName["clock-valid"]);
        Assert.Equal(PointValue.FromText("00024401"), byName["stge"]);
        Assert.Equal(PointValue.FromBoolean(true), byName["stge.dry-contact-open"]);
        Assert.Equal(PointValue.FromNumber(2), byName["stge.supplier-tariff-index"]);
        Assert.Equal(PointValue.FromText("closed"), byName["stge.cut-off"]);
        Assert.Equal(PointValue.FromNumber(0), byName["njourf-next"]);
        Assert.Equal(2 + 3 + 1 + 18 + 1, byName.Count); // DATE gives two points, STGE its text and 18 fields, ZZZZ nothing
    }
}
