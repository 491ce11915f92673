using System.Globalization;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Central.Tests;

/// <summary>A gateway with DALI lamps as the edge announces them: site and assets in its birth, ".level" and ".energy" points.</summary>
internal static class EnergyRig
{
    public const long Hour = 3_600_000;

    /// <summary>The catalogue aliases of lamp n (1-based): level 2n-1, energy 2n.</summary>
    public static uint LevelAlias(int lamp) => (uint)((2 * lamp) - 1);

    public static uint EnergyAlias(int lamp) => (uint)(2 * lamp);

    public static string LampId(int lamp) => $"lights-a/g{lamp}";

    /// <summary>Midnight UTC some days ago: recent enough for central's timestamp window, whole days in the past.</summary>
    public static long DaysAgoUtc(int days) =>
        new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-days), TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static async Task BirthAsync(FakeGateway gateway, ulong epoch, int lamps, string town = "Dijon", double ratedW = 50, double replacedW = 150, string timeZone = "Europe/Paris")
    {
        var birth = new Birth
        {
            GatewayId = gateway.Id,
            Epoch = epoch,
            TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            SoftwareVersion = "test-1.0",
            Site = new Site { Town = town, District = "centre", Latitude = 47.32, Longitude = 5.04, TimeZone = timeZone },
        };
        for (var lamp = 1; lamp <= lamps; lamp++)
        {
            birth.Points.Add(new PointInfo { Alias = LevelAlias(lamp), Id = LampId(lamp) + ".level", Unit = "", Type = PointType.Number, Device = "lights-a", Description = "arc level" });
            birth.Points.Add(new PointInfo { Alias = EnergyAlias(lamp), Id = LampId(lamp) + ".energy", Unit = "Wh", Type = PointType.Number, Device = "lights-a", Description = "energy counter" });
            birth.Assets.Add(new Asset
            {
                LampId = LampId(lamp),
                Line = "lights-a",
                Address = (uint)lamp,
                PoleId = $"P-{lamp}",
                Latitude = double.NaN,
                Longitude = double.NaN,
                LuminaireModel = "LED 50",
                RatedPowerW = ratedW,
                ReplacedPowerW = replacedW,
                InstalledOn = "2025-01-01",
                RatedLifeHours = 100_000,
            });
        }

        await gateway.PublishAsync(Topics.Birth(gateway.Id), birth.ToByteArray(), retain: true);
    }

    /// <summary>Level and counter readings of one lamp every <paramref name="stepMs"/> over [from, to]: lit (arc 254) at
    /// <paramref name="watts"/> inside [litFrom, litTo), off elsewhere; the counter starts at <paramref name="counterStart"/>.</summary>
    public static List<Reading> Night(int lamp, long from, long to, long stepMs, long litFrom, long litTo, double watts, double counterStart = 1000)
    {
        var readings = new List<Reading>();
        var counter = counterStart;
        for (var t = from; t <= to; t += stepMs)
        {
            readings.Add(new Reading(LevelAlias(lamp), t, PointValue.FromNumber(t >= litFrom && t < litTo ? 254 : 0)));
            readings.Add(new Reading(EnergyAlias(lamp), t, PointValue.FromNumber(counter)));
            var lit = Math.Max(0, Math.Min(t + stepMs, litTo) - Math.Max(t, litFrom));
            counter += watts * lit / Hour;
        }

        return readings;
    }

    /// <summary>Sends readings as batches of at most <paramref name="perBatch"/> readings (seq from <paramref name="firstSeq"/>), each acknowledged.</summary>
    public static async Task<ulong> SendAsync(FakeGateway gateway, IEnumerable<Reading> readings, ulong firstSeq, ulong epoch = 1, int perBatch = 40)
    {
        var seq = firstSeq;
        foreach (var chunk in readings.Chunk(perBatch))
        {
            // A batch's series must be in time order per point.
            await gateway.DataAsync(seq, [.. chunk.OrderBy(r => r.Alias).ThenBy(r => r.TimestampUnixMs)], epoch);
            var ack = await gateway.NextAckAsync();
            Assert.Contains(seq, ack.CommittedSeqs);
            seq++;
        }

        return seq;
    }

    /// <summary>GET /api/v1/energy once the aggregator has applied everything handed over.</summary>
    public static async Task<JsonElement> EnergyAsync(CentralHost central, string query)
    {
        JsonElement body = default;
        await Wait.UntilAsync(
            async () =>
            {
                body = await central.GetJsonAsync("/api/v1/energy?" + query);
                return body.GetProperty("pendingReadings").GetInt64() == 0;
            },
            TimeSpan.FromSeconds(30),
            "the energy aggregator to apply the readings");
        return body;
    }

    public static string Iso(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static double Number(JsonElement bucket, string name) => bucket.GetProperty(name).GetDouble();
}
