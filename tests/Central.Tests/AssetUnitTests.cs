using City.Central.Assets;
using City.Central.Model;
using City.Contract.Wire;

namespace City.Central.Tests;

public sealed class AssetUnitTests
{
    private static readonly (long At, bool Set)[] Readings = [(0, false), (60, true), (120, true), (600, true), (30, false)];

    [Fact]
    public void A_condition_starts_at_the_first_set_reading_after_the_last_clear_whatever_the_arrival_order()
    {
        var orders = new[] { new[] { 0, 1, 2, 3, 4 }, [3, 0, 1, 2, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1] };
        foreach (var order in orders)
        {
            var record = new ConditionRecord("gw", "lights-a/g1.lamp-failure", null, null, null, null);
            foreach (var i in order)
            {
                record = record.With(Readings[i].At, Readings[i].Set, null);
            }

            Assert.True(record.IsActive, string.Join(",", order));
            Assert.Equal(60, record.FirstSetMs);

            // The same readings again change nothing (a resent batch).
            foreach (var i in order)
            {
                Assert.Equal(record, record.With(Readings[i].At, Readings[i].Set, null));
            }
        }
    }

    [Fact]
    public void A_clear_ends_the_condition_and_a_later_set_starts_a_new_one()
    {
        var record = new ConditionRecord("gw", "k", null, null, null, null).With(10, true, null).With(20, false, null);
        Assert.False(record.IsActive);
        Assert.Null(record.FirstSetMs);
        record = record.With(50, true, "again").With(40, true, null);
        Assert.True(record.IsActive);
        Assert.Equal(40, record.FirstSetMs);
        Assert.Equal("again", record.Detail);
        Assert.False(record.With(15, false, null) != record, "a clear older than the last one changes nothing");
    }

    [Theory]
    [InlineData("lights-a/g0", true)]
    [InlineData("lights-a/g63", true)]
    [InlineData("north/line-2/g7", true)]
    [InlineData("lights-a/g64", false)]
    [InlineData("lights-a/g", false)]
    [InlineData("/g3", false)]
    [InlineData("lights a/g3", false)]
    [InlineData("lights-a/g003", false)]
    [InlineData("lights-a/x3", false)]
    public void Lamp_ids_are_line_slash_g_address(string lampId, bool valid) => Assert.Equal(valid, AssetImport.IsLampId(lampId));

    [Theory]
    [InlineData("lights-a/g3.lamp-failure", PointType.Boolean, "lamp-failure", "lights-a/g3")]
    [InlineData("lights-a/g3.gear-failure", PointType.Boolean, "gear-failure", "lights-a/g3")]
    [InlineData("lights-a/g3.answering", PointType.Boolean, "not-answering", "lights-a/g3")]
    [InlineData("lights-a/g3.lamp-on-hours", PointType.Number, "past-rated-life", "lights-a/g3")]
    [InlineData("lights-a/g3.operating-hours", PointType.Number, "past-rated-life", "lights-a/g3")]
    [InlineData("asc1/alarm-cabinet-door-open", PointType.Boolean, "alarm", null)]
    [InlineData("asc1/alarm-detector-fault/3", PointType.Boolean, "alarm", null)]
    [InlineData("tc1/alarm-lamp-failure", PointType.Boolean, "alarm", null)]
    [InlineData("tc1/alarms", PointType.Number, null, null)]
    [InlineData("alarm-x", PointType.Boolean, null, null)]
    [InlineData("lights-a/g3.level", PointType.Number, null, null)]
    [InlineData("lights-a/g3.lamp-failure", PointType.Number, null, null)]
    [InlineData("meter1/answering", PointType.Boolean, null, null)]
    public void Watched_points_are_recognised_by_id_and_type(string id, PointType type, string? kind, string? lamp)
    {
        var watched = WatchedPoint.Of(new CataloguePoint(7, id, string.Empty, type, "d", string.Empty));
        Assert.Equal(kind, watched?.Kind);
        Assert.Equal(lamp, watched?.LampId);
    }

    [Fact]
    public void Csv_reads_quoted_fields_blank_lines_a_bom_and_crlf()
    {
        var csv = "\uFEFFgateway,lamp_id,luminaire_model,town\r\n"
            + "gw-1,lights-a/g1,\"Model \"\"X\"\", 40 W\",Dijon\r\n"
            + "\r\n"
            + "gw-1,lights-a/g2,,\r\n";
        var lamps = AssetImport.ParseCsv(csv, 5, out var errors);
        Assert.Empty(errors);
        Assert.Equal(2, lamps.Count);
        Assert.Equal("Model \"X\", 40 W", lamps[0].LuminaireModel);
        Assert.Equal("Dijon", lamps[0].Town);
        Assert.Null(lamps[1].LuminaireModel);
        Assert.Null(lamps[1].Town);
        Assert.True(double.IsNaN(lamps[1].Latitude));
        Assert.Null(lamps[1].RatedPowerW);
        Assert.Equal(5, lamps[1].UpdatedUnixMs);
    }

    [Theory]
    [InlineData("gateway,lamp_id\ngw-1,\"lights-a/g1\n", "line 2: a quoted field is not closed.")]
    [InlineData("gateway,lamp_id\ngw-1,li\"ghts\n", "line 2: a quote inside an unquoted field, or text after a closing quote (quote the whole field and double its quotes).")]
    [InlineData("gateway,lamp_id\n", "no lamp: the import holds no row.")]
    [InlineData("", "line 1: the header is missing (expected gateway,lamp_id,pole_id,latitude,longitude,luminaire_model,rated_power_w,replaced_power_w,installed_on,rated_life_hours,town,district).")]
    [InlineData("gateway,lamp_id,gateway\ngw-1,lights-a/g1,gw-1\n", "line 1, column 3: 'gateway' appears twice.")]
    public void Bad_csv_is_named(string csv, string error)
    {
        AssetImport.ParseCsv(csv, 0, out var errors);
        Assert.Equal([error], errors);
    }

    [Theory]
    [InlineData("not json", "the body is not JSON")]
    [InlineData("{\"type\":\"Feature\"}", "type: a GeoJSON FeatureCollection is expected")]
    [InlineData("{\"type\":\"FeatureCollection\"}", "features: an array of Feature objects is required.")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[5,47]},\"properties\":{\"gateway\":\"g\",\"lamp_id\":\"l/g1\",\"latitude\":46}}]}",
        "features[0].properties.latitude: 46 disagrees with the geometry's 47.")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[5]},\"properties\":{\"gateway\":\"g\",\"lamp_id\":\"l/g1\"}}]}",
        "features[0].geometry.coordinates: [longitude, latitude] numbers are expected.")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":null}]}",
        "features[0].properties: an object is required (with at least gateway and lamp_id).")]
    public void Bad_geojson_is_named(string json, string error)
    {
        AssetImport.ParseGeoJson(json, 0, out var errors);
        Assert.Single(errors);
        Assert.StartsWith(error, errors[0], StringComparison.Ordinal);
    }
}
