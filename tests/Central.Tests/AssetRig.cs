using System.Net;
using System.Text;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Central.Tests;

/// <summary>Births with a site and DALI lamps (their asset data and points), readings of those points, and asset imports.</summary>
internal static class AssetRig
{
    /// <summary>The per-lamp points, in alias order from the lamp's base alias.</summary>
    public static readonly (string Quantity, PointType Type, string Unit)[] LampPoints =
    [
        ("level", PointType.Number, "arc"),
        ("lamp-failure", PointType.Boolean, ""),
        ("gear-failure", PointType.Boolean, ""),
        ("answering", PointType.Boolean, ""),
        ("energy", PointType.Number, "Wh"),
        ("gtin", PointType.Text, ""),
        ("serial", PointType.Text, ""),
        ("operating-hours", PointType.Number, "h"),
        ("lamp-on-hours", PointType.Number, "h"),
        ("start-count", PointType.Number, ""),
        ("rated-life-hours", PointType.Number, "h"),
    ];

    /// <summary>The alias of a lamp's point: lamp n (0-based in the birth) has aliases 100 + 20 n + index.</summary>
    public static uint Alias(int lamp, string quantity) =>
        (uint)(100 + (20 * lamp) + Array.FindIndex(LampPoints, p => p.Quantity == quantity));

    public static Site Site(string town, string district = "", double latitude = 47.32, double longitude = 5.04, string zone = "Europe/Paris") =>
        new() { Town = town, District = district, Latitude = latitude, Longitude = longitude, TimeZone = zone };

    public static Asset Lamp(int address, string pole = "", double ratedW = 40, double replacedW = 150, double ratedLife = 0, string line = "lights-a") => new()
    {
        LampId = $"{line}/g{address}",
        Line = line,
        Address = (uint)address,
        PoleId = pole,
        Latitude = double.NaN,
        Longitude = double.NaN,
        LuminaireModel = "Citea LED 40",
        RatedPowerW = ratedW,
        ReplacedPowerW = replacedW,
        InstalledOn = "2024-05-02",
        RatedLifeHours = ratedLife,
        Groups = 0b101,
    };

    /// <summary>
    /// A birth with the lamps' points (and, with <paramref name="extraPoints"/>, more), the site when given and the lamps'
    /// asset data; published retained as the edge does.
    /// </summary>
    public static Task BirthAsync(FakeGateway gateway, ulong epoch, Site? site, IReadOnlyList<Asset> lamps, params PointInfo[] extraPoints)
    {
        var birth = new Birth { GatewayId = gateway.Id, Epoch = epoch, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "test-1.0" };
        for (var n = 0; n < lamps.Count; n++)
        {
            foreach (var (quantity, type, unit) in LampPoints)
            {
                birth.Points.Add(new PointInfo
                {
                    Alias = Alias(n, quantity),
                    Id = $"{lamps[n].LampId}.{quantity}",
                    Unit = unit,
                    Type = type,
                    Device = lamps[n].Line,
                    Description = $"{lamps[n].LampId} {quantity}",
                });
            }
        }

        birth.Points.AddRange(extraPoints);
        if (site is not null)
        {
            birth.Site = site;
        }

        birth.Assets.AddRange(lamps);
        return gateway.PublishAsync(Topics.Birth(gateway.Id), birth.ToByteArray(), retain: true);
    }

    /// <summary>Sends one batch and waits until its seq is acknowledged as committed.</summary>
    public static async Task SendAsync(FakeGateway gateway, ulong seq, IReadOnlyList<Reading> readings, BatchKind kind = BatchKind.Telemetry, ulong epoch = 1)
    {
        await gateway.DataAsync(seq, readings, epoch, kind);
        while (!(await gateway.NextAckAsync()).CommittedSeqs.Contains(seq))
        {
        }
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(HttpClient http, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.PostAsync(new Uri("/api/v1/assets", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static JsonElement LampOf(JsonElement assets, string gateway, string lampId) =>
        assets.GetProperty("lamps").EnumerateArray().Single(l => l.GetProperty("gateway").GetString() == gateway && l.GetProperty("lampId").GetString() == lampId);

    public static List<string> Strings(JsonElement array, string property) =>
        [.. array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!)];
}
