using System.Globalization;
using System.Text.Json;
using City.Edge.Lighting;
using City.Protocols.Talq;
using Microsoft.Extensions.Time.Testing;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl lighting</c>'s table and its --date handling. The document is the edge's own (City.Edge.Lighting.LightingView
/// for the city example at Dijon on a fixed clock, serialized as the local API does), so the view reads what the edge writes.
/// </summary>
public sealed class LightingViewTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById(CityLightingExample.TimeZone);

    private sealed class Status : ILightingStatus
    {
        public LightingSite? Site { get; init; } = new(CityLightingExample.Latitude, CityLightingExample.Longitude, Paris);

        public LightingSet? Applied { get; init; }

        public IReadOnlyList<ActiveOverride> Overrides { get; init; } = [];

        // 23:00 in Dijon on 14 July.
        public TimeProvider Clock { get; } = new FakeTimeProvider(new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.Zero));

        public long AppliedCommands => 12;

        public long FailedCommands => 0;
    }

    private static LightingSet ExampleSet()
    {
        Assert.True(TalqJson.TryParseSet(CityLightingExample.SetJson(), out var set, out var errors), string.Join("\n", errors));
        set!.Version = set.ComputeVersion();
        return set;
    }

    private static string Print(ILightingStatus status, DateOnly? day = null, string? town = "Dijon")
    {
        var json = JsonSerializer.Serialize(City.Edge.Lighting.LightingView.Build("gw-001", town, status, day), JsonSerializerOptions.Web);
        using var document = JsonDocument.Parse(json);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        LightingView.Print(document.RootElement, output);
        return output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_shows_the_site_the_sun_the_set_and_each_group_with_its_steps()
    {
        var set = ExampleSet();
        var text = Print(new Status
        {
            Applied = set,
            Overrides =
            [
                new ActiveOverride("lights", 2, 30, new DateTimeOffset(2026, 7, 14, 22, 0, 0, TimeSpan.Zero), "cmd-30"),
                new ActiveOverride("lights-b", null, 0, new DateTimeOffset(2026, 7, 15, 4, 0, 0, TimeSpan.Zero), "cmd-off"),
            ],
        }, new DateOnly(2026, 7, 15));
        var lines = text.Split('\n');

        Assert.Equal("gateway   gw-001  Dijon  47.32 N 5.04 E  Europe/Paris  now 2026-07-14 23:00:00 +02:00", lines[0]);
        Assert.Matches(@"^day       2026-07-15  sunrise 05:5\d:\d\d  sunset 21:3\d:\d\d  civil dawn \d\d:\d\d:\d\d  civil dusk \d\d:\d\d:\d\d  solar midnight 2026-07-16 01:\d\d:\d\d \+02:00$", lines[1]);
        Assert.Equal($"set       {set.Version}  DALI level commands sent 12, failed 0", lines[2]);
        Assert.Equal("", lines[3]);
        Assert.Equal("lights group 1  calendar dijon  program night-dim  now 100%", lines[4]);
        Assert.Matches(@"^  next change 2026-07-15 05:5\d:\d\d \+02:00 -> 0%$", lines[5]);
        Assert.Equal("  at                         level  arc  source", lines[6]);
        Assert.StartsWith("  2026-07-15 12:00:00 +02:00     0%    0  ", lines[7], StringComparison.Ordinal);
        Assert.Matches(@"^  2026-07-15 21:3\d:\d\d \+02:00   100%  254  \S", lines[8]);
        Assert.StartsWith("  2026-07-15 23:00:00 +02:00    50%  229  ", lines[9], StringComparison.Ordinal);
        Assert.StartsWith("  2026-07-16 05:00:00 +02:00   100%  254  ", lines[10], StringComparison.Ordinal);
        Assert.Matches(@"^  2026-07-16 05:5\d:\d\d \+02:00     0%    0  \S", lines[11]);

        Assert.Contains("lights group 2  calendar dijon  program night-dim  now 30%\n  OVERRIDE 30% until 2026-07-15 00:00:00 +02:00 (command cmd-30)\n"
            + "  next change 2026-07-15 00:00:00 +02:00 -> 100%\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nlights-b whole line  no calendar  now 0%\n  OVERRIDE 0% until 2026-07-15 06:00:00 +02:00 (command cmd-off)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_site_or_a_set_the_table_says_what_is_missing()
    {
        var noSite = Print(new Status { Site = null }, town: null);
        var now = TimeZoneInfo.ConvertTime(new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.Zero), TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
        Assert.Equal($"gateway   gw-001  now {now}\n"
            + "site      NONE: no Edge:Site configured (Town, Latitude, Longitude, TimeZone): no sun, programs run on the system's time zone\n"
            + "set       NONE: no lighting set applied yet (central pushes one when calendars are assigned to this gateway)\n", noSite);

        var noSet = Print(new Status());
        Assert.Contains("\nset       NONE: no lighting set applied yet", noSet, StringComparison.Ordinal);
        Assert.Contains("sunset 21:3", noSet, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "/v1/lighting")]
    [InlineData("2026-07-14", "/v1/lighting?date=2026-07-14")]
    [InlineData("2028-02-29", "/v1/lighting?date=2028-02-29")]
    [InlineData("1900-01-01", "/v1/lighting?date=1900-01-01")]
    [InlineData("2100-12-31", "/v1/lighting?date=2100-12-31")]
    public void A_date_becomes_the_query_of_the_request(string? date, string path) =>
        Assert.Equal(path, LightingCommand.PathFor(date, out _));

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2026-7-14")]
    [InlineData("14/07/2026")]
    [InlineData("2026-07-14T00:00")]
    [InlineData("tomorrow")]
    [InlineData("")]
    public void A_bad_date_is_a_usage_error_that_names_it_and_asks_nothing_of_the_edge(string date)
    {
        Assert.Null(LightingCommand.PathFor(date, out var problem));
        Assert.Equal($"bad date '{date}': expected a program day as yyyy-mm-dd (e.g. 2026-07-14)", problem);

        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var missing = Path.Combine(Path.GetTempPath(), "no-edge-" + Guid.NewGuid().ToString("N"), "edgectl.sock");
        int exit = EdgeCtlCli.CreateRoot(stdout, stderr).Parse(["lighting", "--date", date, "--socket", missing]).Invoke();

        Assert.Equal(2, exit);
        Assert.Equal($"edgectl: {problem}\n", stderr.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Empty(stdout.ToString());
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("1899-12-31")]
    [InlineData("2101-01-01")]
    public void A_date_outside_1900_to_2100_is_a_usage_error(string date)
    {
        Assert.Null(LightingCommand.PathFor(date, out var problem));
        Assert.Equal($"bad date '{date}': program days run from 1900-01-01 to 2100-12-31", problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_a_running_edge_the_socket_error_is_exit_1(bool json)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var missing = Path.Combine(Path.GetTempPath(), "no-edge-" + Guid.NewGuid().ToString("N"), "edgectl.sock");
        string[] args = json ? ["lighting", "--socket", missing, "--json"] : ["lighting", "--socket", missing];
        int exit = EdgeCtlCli.CreateRoot(stdout, stderr).Parse(args).Invoke();

        Assert.Equal(1, exit);
        Assert.Contains($"no edge daemon socket at {missing} (is the edge running?", stderr.ToString(), StringComparison.Ordinal);
        if (json)
        {
            using var error = JsonDocument.Parse(stdout.ToString());
            Assert.Contains(missing, error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }
}
