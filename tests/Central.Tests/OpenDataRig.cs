using System.Net;
using System.Text.Json;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>
/// One central with open data on and a small city: two Dijon lamps with positions, energy and condition readings
/// (one lamp failed for six hours of a Paris day), a Lyon lamp, and a traffic controller whose detector 1 volume and
/// counter detector 3 are allowed, detector 2 not. The files are regenerated once all of it is applied.
/// </summary>
public sealed class OpenDataFixture : IAsyncLifetime
{
    public const long Hour = 3_600_000;

    /// <summary>UTC midnight three days ago: the failure is on the Paris day that starts an hour before it.</summary>
    public static readonly long DayUtc = EnergyRig.DaysAgoUtc(3);

    /// <summary>Hour of the traffic readings: 10:00 UTC two days ago.</summary>
    public static readonly long TrafficHour = EnergyRig.DaysAgoUtc(2) + (10 * Hour);

    public static readonly (double Lon, double Lat)[] LampPositions = [(5.0415, 47.3221), (5.0419, 47.3223)];

    internal CentralHost Central { get; private set; } = null!;

    internal HttpClient Anonymous { get; private set; } = null!;

    public string ViewerToken { get; private set; } = string.Empty;

    public JsonElement Generated { get; private set; }

    public async Task InitializeAsync()
    {
        Central = await CentralHost.StartAsync(
            null,
            "--Central:AdmitOnBirth=true",
            "--Central:OpenData:Enabled=true",
            "--Central:OpenData:TrafficPoints:0=od-tc/tc-snmp/detector-volume/1",
            "--Central:OpenData:TrafficPoints:1=*/tc1/detector-*-count",
            "--Central:OpenData:PublisherName=Ville de Test");
        Anonymous = Central.NewClient(null);
        ViewerToken = Central.CreateToken("od-viewer-alice", ApiRole.Viewer);

        await using (var dijon = await FakeGateway.ConnectAsync(Central.MqttPort, "od-dijon"))
        {
            var lamps = new List<Asset>();
            for (var n = 0; n < 2; n++)
            {
                var lamp = AssetRig.Lamp(n + 1, pole: $"P-{n + 1}", ratedW: 50, replacedW: 150);
                (lamp.Longitude, lamp.Latitude) = LampPositions[n];
                lamps.Add(lamp);
            }

            await AssetRig.BirthAsync(dijon, 1, AssetRig.Site("Dijon", "Centre", 47.32, 5.04), lamps);
            var readings = new List<Reading>();
            for (var n = 0; n < 2; n++)
            {
                readings.AddRange(Night(n, DayUtc + (17 * Hour), DayUtc + (23 * Hour), watts: 40 + (10 * n)));
                readings.Add(new Reading(AssetRig.Alias(n, "lamp-failure"), DayUtc - (12 * Hour), PointValue.FromBoolean(false)));
                readings.Add(new Reading(AssetRig.Alias(n, "answering"), DayUtc - (12 * Hour), PointValue.FromBoolean(true)));
            }

            // Lamp 1 fails from 11:00 to 17:00 UTC of the day.
            readings.Add(new Reading(AssetRig.Alias(0, "lamp-failure"), DayUtc + (11 * Hour), PointValue.FromBoolean(true)));
            readings.Add(new Reading(AssetRig.Alias(0, "lamp-failure"), DayUtc + (17 * Hour), PointValue.FromBoolean(false)));
            await SendAsync(dijon, readings);
        }

        await using (var lyon = await FakeGateway.ConnectAsync(Central.MqttPort, "od-lyon"))
        {
            var lamp = AssetRig.Lamp(1, ratedW: 100, replacedW: 250);
            (lamp.Longitude, lamp.Latitude) = (4.8357, 45.764);
            await AssetRig.BirthAsync(lyon, 1, AssetRig.Site("Lyon", "Presqu'île", 45.7640, 4.8357), [lamp]);
            await SendAsync(lyon, Night(0, DayUtc + (16 * Hour), DayUtc + (30 * Hour), watts: 70));
        }

        await using (var controller = await FakeGateway.ConnectAsync(Central.MqttPort, "od-tc"))
        {
            PointInfo Point(uint alias, string id) => new() { Alias = alias, Id = id, Unit = "vehicles", Type = PointType.Number, Device = id.Split('/')[0], Description = id };
            await AssetRig.BirthAsync(
                controller, 1, AssetRig.Site("Dijon", "Nord", 47.33, 5.05), [],
                Point(1, "tc-snmp/detector-volume/1"), Point(2, "tc-snmp/detector-volume/2"), Point(3, "tc1/detector-3-count"));
            var readings = new List<Reading>();
            for (var i = 0; i < 12; i++)
            {
                // Six 10-minute periods an hour over two hours: 5 vehicles each on detector 1, 7 on detector 2.
                readings.Add(new Reading(1, TrafficHour + (i * 600_000L), PointValue.FromNumber(5)));
                readings.Add(new Reading(2, TrafficHour + (i * 600_000L), PointValue.FromNumber(7)));
            }

            // The counter wraps: +5 in the first hour, +5 in the second.
            readings.Add(new Reading(3, TrafficHour + 600_000, PointValue.FromNumber(65_530)));
            readings.Add(new Reading(3, TrafficHour + 1_200_000, PointValue.FromNumber(65_535)));
            readings.Add(new Reading(3, TrafficHour + (70 * 60_000L), PointValue.FromNumber(4)));
            await SendAsync(controller, readings);
        }

        await EnergyRig.EnergyAsync(Central, $"by=town&from={EnergyRig.Iso(DayUtc - (2 * Hour))}&to={EnergyRig.Iso(DayUtc + (40 * Hour))}");
        using var response = await Central.Http.PostAsync(new Uri("/api/v1/opendata/generate", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Generated = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        await Central.DisposeAsync();
    }

    /// <summary>GET without a token: status, content type (media type only) and body.</summary>
    internal async Task<(HttpStatusCode Status, string? MediaType, string Body)> GetAsync(string path, HttpClient? client = null)
    {
        using var response = await (client ?? Anonymous).GetAsync(new Uri(path, UriKind.RelativeOrAbsolute));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Level and counter readings of lamp n (0-based) every 15 minutes: lit at <paramref name="watts"/> in [from, to).</summary>
    private static List<Reading> Night(int lamp, long from, long to, double watts)
    {
        var readings = new List<Reading>();
        var counter = 5_000.0;
        for (var t = from - Hour; t <= to + Hour; t += Hour / 4)
        {
            readings.Add(new Reading(AssetRig.Alias(lamp, "level"), t, PointValue.FromNumber(t >= from && t < to ? 254 : 0)));
            readings.Add(new Reading(AssetRig.Alias(lamp, "energy"), t, PointValue.FromNumber(counter)));
            counter += t >= from && t < to ? watts / 4 : 0;
        }

        return readings;
    }

    private static async Task SendAsync(FakeGateway gateway, List<Reading> readings)
    {
        ulong seq = 1;
        foreach (var chunk in readings.OrderBy(r => r.TimestampUnixMs).Chunk(200))
        {
            await AssetRig.SendAsync(gateway, seq++, [.. chunk.OrderBy(r => r.Alias).ThenBy(r => r.TimestampUnixMs)]);
        }
    }
}
