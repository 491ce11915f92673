using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Lighting;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Tests;

/// <summary>Edge:Site, Edge:Clock and the DALI gear's asset keys: checked with named errors, and carried in the Birth.</summary>
public sealed class LightingConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> WithLine()
    {
        var values = TestConfig.Valid();
        values["Edge:DaliLines:0:Name"] = "lights-a";
        values["Edge:DaliLines:0:Port"] = "/dev/ttyUSB1";
        values["Edge:DaliLines:0:Gear:0:Address"] = "3";
        values["Edge:DaliLines:0:Gear:0:Groups:0"] = "1";
        values["Edge:DaliLines:0:Gear:0:Groups:1"] = "4";
        values["Edge:DaliLines:0:Gear:0:Location"] = "rue-17";
        values["Edge:DaliLines:0:Gear:0:RatedPowerW"] = "40";
        return values;
    }

    [Fact]
    public void A_full_site_clock_and_asset_configuration_loads()
    {
        var values = WithLine();
        values["Edge:Site:Town"] = "Dijon";
        values["Edge:Site:District"] = "Centre";
        values["Edge:Site:Latitude"] = "47.32";
        values["Edge:Site:Longitude"] = "5.04";
        values["Edge:Site:TimeZone"] = "Europe/Paris";
        values["Edge:Clock:SimulatedStart"] = "2026-07-14T21:00:00+02:00";
        values["Edge:Clock:Speed"] = "60";
        values["Edge:DaliLines:0:Gear:0:PoleId"] = "P-0017";
        values["Edge:DaliLines:0:Gear:0:Latitude"] = "47.3215";
        values["Edge:DaliLines:0:Gear:0:Longitude"] = "5.0412";
        values["Edge:DaliLines:0:Gear:0:LuminaireModel"] = "Example LED 40";
        values["Edge:DaliLines:0:Gear:0:ReplacedPowerW"] = "150";
        values["Edge:DaliLines:0:Gear:0:InstalledOn"] = "2025-03-01";
        values["Edge:DaliLines:0:Gear:0:RatedLifeHours"] = "100000";

        var (ok, settings, errors) = TestConfig.Load(values);

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal("Dijon", settings.Site!.Town);
        Assert.Equal("Europe/Paris", settings.Site.TimeZone.Id);
        Assert.Equal(60, settings.Clock!.Speed);
        Assert.Equal(new DateTimeOffset(2026, 7, 14, 19, 0, 0, TimeSpan.Zero), settings.Clock.SimulatedStart);
    }

    [Theory]
    [InlineData("Edge:Site:Latitude", "91", "Edge:Site:Latitude: must be -90 to 90")]
    [InlineData("Edge:Site:Longitude", "-181", "Edge:Site:Longitude: must be -180 to 180")]
    [InlineData("Edge:Site:TimeZone", "Europe/Dijon", "Edge:Site:TimeZone: 'Europe/Dijon' is not a time zone")]
    [InlineData("Edge:Site:Town", "", "Edge:Site:Town: must be 1-64 characters")]
    [InlineData("Edge:Clock:SimulatedStart", "2026-07-14T21:00:00", "Edge:Clock:SimulatedStart: must be an ISO-8601 instant with an offset")]
    [InlineData("Edge:Clock:RealStart", "yesterday", "Edge:Clock:RealStart: must be an ISO-8601 instant with an offset")]
    [InlineData("Edge:Clock:Speed", "0", "Edge:Clock:Speed: must be above 0")]
    [InlineData("Edge:DaliLines:0:Gear:0:Latitude", "100", "Edge:DaliLines:0:Gear:0:Latitude: must be -90 to 90")]
    [InlineData("Edge:DaliLines:0:Gear:0:ReplacedPowerW", "-5", "Edge:DaliLines:0:Gear:0:ReplacedPowerW: must be 0-10000 W")]
    [InlineData("Edge:DaliLines:0:Gear:0:InstalledOn", "01/03/2025", "Edge:DaliLines:0:Gear:0:InstalledOn: must be a date yyyy-mm-dd")]
    [InlineData("Edge:DaliLines:0:Gear:0:RatedLifeHours", "-1", "Edge:DaliLines:0:Gear:0:RatedLifeHours: must be 0-")]
    [InlineData("Edge:DaliLines:0:Gear:0:PoleId", "P-00000000000000000000000000000000000000000000000000000000000000000", "Edge:DaliLines:0:Gear:0:PoleId: at most 64 characters")]
    public void A_bad_value_is_refused_naming_its_key(string key, string value, string expected)
    {
        var values = WithLine();
        values["Edge:Site:Town"] = "Dijon";
        values["Edge:Site:Latitude"] = "47.32";
        values["Edge:Site:Longitude"] = "5.04";
        values["Edge:Site:TimeZone"] = "Europe/Paris";
        if (key.StartsWith("Edge:DaliLines:0:Gear:0:L", StringComparison.Ordinal))
        {
            values["Edge:DaliLines:0:Gear:0:Latitude"] = "47.3";
            values["Edge:DaliLines:0:Gear:0:Longitude"] = "5.0";
        }

        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_site_without_coordinates_or_zone_names_each_missing_key()
    {
        var values = WithLine();
        values["Edge:Site:Town"] = "Dijon";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:Site:Latitude:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Edge:Site:Longitude:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Edge:Site:TimeZone: missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_number_key_given_text_is_a_type_error()
    {
        var values = WithLine();
        values["Edge:Site:Latitude"] = "north";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:Site:Latitude: must be a number", StringComparison.Ordinal));
    }

    [Fact]
    public void The_birth_carries_the_site_one_asset_per_gear_and_the_lighting_version()
    {
        var values = WithLine();
        values["Edge:Site:Town"] = "Dijon";
        values["Edge:Site:District"] = "Centre";
        values["Edge:Site:Latitude"] = "47.32";
        values["Edge:Site:Longitude"] = "5.04";
        values["Edge:Site:TimeZone"] = "Europe/Paris";
        values["Edge:DaliLines:0:Gear:0:PoleId"] = "P-0017";
        values["Edge:DaliLines:0:Gear:0:LuminaireModel"] = "Example LED 40";
        values["Edge:DaliLines:0:Gear:0:ReplacedPowerW"] = "150";
        values["Edge:DaliLines:0:Gear:0:InstalledOn"] = "2025-03-01";
        values["Edge:DaliLines:0:Gear:0:RatedLifeHours"] = "100000";
        values["Edge:DaliLines:0:Gear:1:Address"] = "4";
        values["Edge:DaliLines:0:Gear:1:Location"] = "rue-18";
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        var store = new LightingStore(_dir.Path, TimeProvider.System);
        store.SaveSet(Parse(LightingSets.Set("abc123", "2026-07-01T08:00:00+00:00", assignments: """[{"line":"lights-a","group":1,"calendar":"town"}]""")));
        var runtime = new LightingRuntime(settings, new FieldClock(TimeProvider.System), store, NullLogger<LightingRuntime>.Instance);
        var birth = new Birth();

        new LightingBirth(settings, runtime).AddTo(birth);

        Assert.Equal(new Site { Town = "Dijon", District = "Centre", Latitude = 47.32, Longitude = 5.04, TimeZone = "Europe/Paris" }, birth.Site);
        Assert.Equal("abc123", birth.LightingVersion);
        Assert.Equal(2, birth.Assets.Count);
        var first = birth.Assets[0];
        Assert.Equal(("lights-a/g3", "lights-a", 3u, "P-0017", "Example LED 40"), (first.LampId, first.Line, first.Address, first.PoleId, first.LuminaireModel));
        Assert.Equal((40.0, 150.0, "2025-03-01", 100000.0, (1u << 1) | (1u << 4)), (first.RatedPowerW, first.ReplacedPowerW, first.InstalledOn, first.RatedLifeHours, first.Groups));
        Assert.True(double.IsNaN(first.Latitude) && double.IsNaN(first.Longitude));
        var second = birth.Assets[1];
        Assert.Equal(("lights-a/g4", "rue-18", "", 0.0), (second.LampId, second.PoleId, second.InstalledOn, second.ReplacedPowerW));
    }

    [Fact]
    public void Without_a_site_the_birth_has_none_and_no_version()
    {
        var (ok, settings, errors) = TestConfig.Load(WithLine());
        Assert.True(ok, string.Join("\n", errors));
        var runtime = new LightingRuntime(settings, new FieldClock(TimeProvider.System), new LightingStore(_dir.Path, TimeProvider.System), NullLogger<LightingRuntime>.Instance);
        var birth = new Birth();

        new LightingBirth(settings, runtime).AddTo(birth);

        Assert.Null(birth.Site);
        Assert.Equal(string.Empty, birth.LightingVersion);
        Assert.Single(birth.Assets);
    }

    [Fact]
    public void The_scaled_clock_runs_from_its_simulated_start_at_its_speed()
    {
        var real = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));
        var clock = new EdgeClock(new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.FromHours(2)), null, 60).Create(real);
        var fired = false;
        using var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);

        real.Advance(TimeSpan.FromSeconds(9));
        Assert.False(fired);
        real.Advance(TimeSpan.FromSeconds(1));

        Assert.True(fired);
        Assert.Equal(new DateTimeOffset(2026, 7, 14, 21, 10, 0, TimeSpan.FromHours(2)), clock.GetUtcNow());
        var before = clock.GetTimestamp();
        real.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMinutes(1), clock.GetElapsedTime(before));
    }

    [Fact]
    public void With_a_scaled_clock_the_clock_guard_judges_the_real_clock_only()
    {
        var real = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));
        var july = new City.Contract.Reading(1, new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), City.Contract.PointValue.FromNumber(229));

        Assert.Equal(Quality.ClockUnsynced, new City.Edge.Buffer.ClockGuard(real).Mark(july).Quality);
        Assert.Equal(Quality.Good, new City.Edge.Buffer.ClockGuard(real, judgeTimestamps: false).Mark(july).Quality);
    }

    internal static City.Protocols.Talq.LightingSet Parse(string json)
    {
        Assert.True(City.Protocols.Talq.TalqJson.TryParseSet(json, out var set, out var errors), string.Join("; ", errors));
        return set!;
    }
}
