using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Dali;

/// <summary>The DALI keys of the "Edge" section and their types (<see cref="DaliLineOptions"/> mirrors them; a test checks).</summary>
internal static class DaliConfigSchema
{
    public static ConfigSchema DaliGear { get; } = new(
        Integer("Address", 0, 63),
        IntegerList("Groups", 0, 15),
        Text("Location"),
        Number("RatedPowerW"),
        Text("PoleId"),
        Number("Latitude"),
        Number("Longitude"),
        Text("LuminaireModel"),
        Number("ReplacedPowerW"),
        Text("InstalledOn"),
        Number("RatedLifeHours"));

    public static ConfigSchema DaliLineSection { get; } = new(
        Text("Name"),
        Text("Port"),
        Boolean("Enabled"),
        Integer("StatusPeriodMs", 100, ConfigChecks.MaxPeriodMs),
        Integer("EnergyPeriodMs", 1000, ConfigChecks.MaxPeriodMs),
        Integer("DiscoveryPeriodMs", 1000, ConfigChecks.MaxPeriodMs),
        Integer("DiagnosticsPeriodMs", 1000, ConfigChecks.MaxPeriodMs),
        Integer("InterfaceTimeoutMs", 50, 60_000),
        Integer("AnswerWindowMs", 10, 1000),
        Boolean("ProgramGroups"),
        List("Gear", DaliGear));

    public static ProtocolConfigKeys Keys { get; } = new([List("DaliLines", DaliLineSection)], [], []);
}
