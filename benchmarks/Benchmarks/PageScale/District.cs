using System.Globalization;
using City.Contract;
using City.Contract.Wire;

namespace City.Benchmarks.PageScale;

/// <summary>
/// A simulated district for the operator page: <c>cabinets</c> cabinets spread over 24 towns, each with one DALI line of
/// <c>lampsPerCabinet</c> lamps along a street. What one cabinet's birth and batches say is built here (pure); the
/// gateways that publish it are <see cref="DistrictGateway"/>.
/// </summary>
internal sealed class District(int cabinets, int lampsPerCabinet)
{
    public const string Line = "lights";
    public const int Towns = 24;
    private const double FirstLatitude = 47.0;
    private const double FirstLongitude = 4.4;

    public int Cabinets => cabinets;

    public int LampsPerCabinet => lampsPerCabinet;

    public static string GatewayId(int cabinet) => string.Create(CultureInfo.InvariantCulture, $"dst-{cabinet:D4}");

    public static string LampId(int lamp) => string.Create(CultureInfo.InvariantCulture, $"{Line}/g{lamp}");

    public static string TownOf(int cabinet) => string.Create(CultureInfo.InvariantCulture, $"Town {cabinet % Towns + 1:D2}");

    /// <summary>Aliases: per lamp three points, <c>.level</c>, <c>.lamp-failure</c>, <c>.answering</c>.</summary>
    public static uint LevelAlias(int lamp) => (uint)((lamp * 3) + 1);

    public static uint FailureAlias(int lamp) => (uint)((lamp * 3) + 2);

    public static uint AnsweringAlias(int lamp) => (uint)((lamp * 3) + 3);

    /// <summary>The towns on a 6 x 4 grid about 15 km apart; a town's cabinets on a grid of streets 400 m (north) by 600 m (east) apart.</summary>
    public static (double Latitude, double Longitude) CabinetPosition(int cabinet)
    {
        var town = cabinet % Towns;
        var inTown = cabinet / Towns;
        var latitude = FirstLatitude + (town / 6 * 0.14) + (inTown / 7 * 0.0036);
        var longitude = FirstLongitude + (town % 6 * 0.2) + (inTown % 7 * 0.008);
        return (latitude, longitude);
    }

    /// <summary>The lamps on both sides of a street east of their cabinet, a pair every 30 m.</summary>
    public static (double Latitude, double Longitude) LampPosition(int cabinet, int lamp)
    {
        var (latitude, longitude) = CabinetPosition(cabinet);
        return (latitude + (lamp % 2 == 0 ? 0.0001 : -0.0001), longitude + ((lamp / 2 + 1) * 0.0004));
    }

    /// <summary>The level a lamp starts at: every fifth lamp dimmed to 170, the others full (254).</summary>
    public static double InitialLevel(int lamp) => lamp % 5 == 4 ? 170 : 254;

    public Birth CreateBirth(int cabinet, ulong epoch, string bufferId, long nowUnixMs)
    {
        var id = GatewayId(cabinet);
        var (latitude, longitude) = CabinetPosition(cabinet);
        var birth = new Birth
        {
            GatewayId = id,
            Epoch = epoch,
            BufferId = bufferId,
            TimestampUnixMs = nowUnixMs,
            SoftwareVersion = "page-scale",
            Site = new Site { Town = TownOf(cabinet), District = "District", Latitude = latitude, Longitude = longitude, TimeZone = "Europe/Paris" },
        };
        for (var lamp = 0; lamp < lampsPerCabinet; lamp++)
        {
            var lampId = LampId(lamp);
            birth.Points.Add(Point(LevelAlias(lamp), lampId + ".level", PointType.Number, ""));
            birth.Points.Add(Point(FailureAlias(lamp), lampId + ".lamp-failure", PointType.Boolean, ""));
            birth.Points.Add(Point(AnsweringAlias(lamp), lampId + ".answering", PointType.Boolean, ""));
            var (lampLatitude, lampLongitude) = LampPosition(cabinet, lamp);
            birth.Assets.Add(new Asset
            {
                LampId = lampId,
                Line = Line,
                Address = (uint)lamp,
                PoleId = string.Create(CultureInfo.InvariantCulture, $"{id}-P{lamp + 1:D2}"),
                Latitude = lampLatitude,
                Longitude = lampLongitude,
                LuminaireModel = "page-scale LED 60",
                RatedPowerW = 60,
                Groups = lamp < lampsPerCabinet / 2 ? 1u : 2u,
            });
        }

        return birth;
    }

    /// <summary>Every lamp's level, no failure, answering: the cabinet's first batch.</summary>
    public IReadOnlyList<Reading> InitialReadings(long timestampUnixMs)
    {
        var readings = new List<Reading>(lampsPerCabinet * 3);
        for (var lamp = 0; lamp < lampsPerCabinet; lamp++)
        {
            readings.Add(new Reading(LevelAlias(lamp), timestampUnixMs, PointValue.FromNumber(InitialLevel(lamp))));
            readings.Add(new Reading(FailureAlias(lamp), timestampUnixMs, PointValue.FromBoolean(false)));
            readings.Add(new Reading(AnsweringAlias(lamp), timestampUnixMs, PointValue.FromBoolean(true)));
        }

        return readings;
    }

    private static PointInfo Point(uint alias, string id, PointType type, string unit) =>
        new() { Alias = alias, Id = id, Type = type, Unit = unit, Device = Line, Description = "page-scale lamp point" };
}
