using City.Contract.Wire;
using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigChecks;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Dali;

/// <summary>A validated DALI line.</summary>
internal sealed record DaliLineDefinition(
    string Name,
    string Port,
    bool Enabled,
    TimeSpan StatusPeriod,
    TimeSpan EnergyPeriod,
    TimeSpan DiscoveryPeriod,
    TimeSpan InterfaceTimeout,
    TimeSpan AnswerWindow,
    IReadOnlyList<DaliGearDefinition> Gear,
    bool ProgramGroups = true)
{
    /// <summary>The asset data of each configured gear, by short address (<see cref="DaliGearAssets"/>).</summary>
    public IReadOnlyDictionary<int, DaliGearAsset> Assets { get; init; } = new Dictionary<int, DaliGearAsset>();

    /// <summary>The line's own points: bus power and its event log.</summary>
    public string BusPowerPointId => $"{Name}/bus-power";

    public const string EventsPointName = "events";

    public string EventsPointId => $"{Name}/{EventsPointName}";

    public string UnknownGearPointId => $"{Name}/unknown-gear";

    /// <summary>How often the D4i diagnostics of every gear are read (identity: when a gear is found or answers again).</summary>
    public TimeSpan DiagnosticsPeriod { get; init; } = TimeSpan.FromHours(1);

    public IEnumerable<PointInfo> Catalogue()
    {
        yield return new PointInfo { Id = BusPowerPointId, Unit = string.Empty, Type = PointType.Boolean, Device = Name, Description = $"DALI line {Name}: bus powered" };
        yield return new PointInfo { Id = EventsPointId, Unit = string.Empty, Type = PointType.Text, Device = Name, Description = $"DALI line {Name}: events (lamp failed/recovered, gear not answering, bus power, unknown gear, groups programmed)" };
        yield return new PointInfo { Id = UnknownGearPointId, Unit = "gear", Type = PointType.Number, Device = Name, Description = $"DALI line {Name}: gear found on the bus that is not configured" };
        foreach (var gear in Gear)
        {
            foreach (var point in gear.Catalogue(Name))
            {
                yield return point;
            }
        }
    }
}

/// <summary>A validated gear; its points are "LINE/gA.level" and so on.</summary>
internal sealed record DaliGearDefinition(int Address, ushort Groups, string Location, double RatedPowerW)
{
    public const string Level = "level";
    public const string LampFailure = "lamp-failure";
    public const string GearFailure = "gear-failure";
    public const string Answering = "answering";
    public const string Power = "power";
    public const string Energy = "energy";

    // D4i identity (memory bank 1, else 0) and diagnostics (banks 205-207), only for gear that have them.
    public const string Gtin = "gtin";
    public const string Serial = "serial";
    public const string OperatingHours = "operating-hours";
    public const string LampOnHours = "lamp-on-hours";
    public const string StartCount = "start-count";
    public const string RatedLifeHours = "rated-life-hours";

    /// <summary>The points read with the D4i diagnostics (at the line's DiagnosticsPeriod).</summary>
    public static bool IsD4iPoint(string quantity) => quantity is Gtin or Serial or OperatingHours or LampOnHours or StartCount or RatedLifeHours;

    public string PointId(string line, string quantity) => $"{line}/g{Address}.{quantity}";

    public string Label => string.IsNullOrEmpty(Location) ? $"gear {Address}" : $"gear {Address} ({Location})";

    public IEnumerable<PointInfo> Catalogue(string line)
    {
        var where = string.IsNullOrEmpty(Location) ? string.Empty : $" at {Location}";
        yield return Info(line, Level, "arc", PointType.Number, $"DALI {line} gear {Address}{where}: actual level 0-254");
        yield return Info(line, LampFailure, string.Empty, PointType.Boolean, $"DALI {line} gear {Address}{where}: lamp failure");
        yield return Info(line, GearFailure, string.Empty, PointType.Boolean, $"DALI {line} gear {Address}{where}: control gear failure");
        yield return Info(line, Answering, string.Empty, PointType.Boolean, $"DALI {line} gear {Address}{where}: answers queries");
        yield return Info(line, Power, "W", PointType.Number, $"DALI {line} gear {Address}{where}: D4i active power (rated {RatedPowerW} W)");
        yield return Info(line, Energy, "Wh", PointType.Number, $"DALI {line} gear {Address}{where}: D4i active energy");
        yield return Info(line, Gtin, string.Empty, PointType.Text, $"DALI {line} gear {Address}{where}: luminaire GTIN (D4i bank 1, else the gear's own in bank 0)");
        yield return Info(line, Serial, string.Empty, PointType.Text, $"DALI {line} gear {Address}{where}: luminaire serial (identification number, bank 1, else bank 0)");
        yield return Info(line, OperatingHours, "h", PointType.Number, $"DALI {line} gear {Address}{where}: control gear operating time (D4i bank 205)");
        yield return Info(line, LampOnHours, "h", PointType.Number, $"DALI {line} gear {Address}{where}: light source on time, burn hours (D4i bank 206)");
        yield return Info(line, StartCount, "starts", PointType.Number, $"DALI {line} gear {Address}{where}: light source starts (D4i bank 206)");
        yield return Info(line, RatedLifeHours, "h", PointType.Number, $"DALI {line} gear {Address}{where}: rated median useful life of the luminaire (D4i bank 207)");
    }

    private PointInfo Info(string line, string quantity, string unit, PointType type, string description) =>
        new() { Id = PointId(line, quantity), Unit = unit, Type = type, Device = line, Description = description };
}

/// <summary>Checks Edge:DaliLines; every problem names its key.</summary>
internal static class DaliConfigValidator
{
    public static List<DaliLineDefinition> Validate(IConfigurationSection edge, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(errors);
        var result = new List<DaliLineDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        // A line may not share its serial port with a Modbus RTU line (Edge:SerialLines) nor its name with a device.
        var ports = new HashSet<string>(edge.GetSection("SerialLines").GetChildren().Select(l => l["Port"]).OfType<string>(), StringComparer.Ordinal);
        var devices = new HashSet<string>(edge.GetSection("Devices").GetChildren().Select(d => d["Name"]).OfType<string>(), StringComparer.Ordinal);
        var lines = edge.GetSection("DaliLines").Get<List<DaliLineOptions>>() ?? [];
        for (var l = 0; l < lines.Count; l++)
        {
            var line = lines[l];
            var key = $"{EdgeOptions.SectionName}:DaliLines:{l}";
            var before = errors.Count;
            if (!IsValidName(line.Name))
            {
                errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{line.Name}')");
            }
            else if (!names.Add(line.Name))
            {
                errors.Add($"{key}:Name: '{line.Name}' is used by another DALI line");
            }
            else if (devices.Contains(line.Name))
            {
                errors.Add($"{key}:Name: '{line.Name}' is also the name of a device in Edge:Devices (point ids would clash)");
            }

            if (string.IsNullOrWhiteSpace(line.Port))
            {
                errors.Add($"{key}:Port: must not be empty (the serial port of the LUBA interface, such as /dev/ttyUSB1)");
            }
            else if (!ports.Add(line.Port))
            {
                errors.Add($"{key}:Port: '{line.Port}' is used by another serial or DALI line (one master per port)");
            }

            Range(errors, $"{key}:StatusPeriodMs", line.StatusPeriodMs, 100, MaxPeriodMs);
            Range(errors, $"{key}:EnergyPeriodMs", line.EnergyPeriodMs, 1000, MaxPeriodMs);
            Range(errors, $"{key}:DiscoveryPeriodMs", line.DiscoveryPeriodMs, 1000, MaxPeriodMs);
            Range(errors, $"{key}:DiagnosticsPeriodMs", line.DiagnosticsPeriodMs, 1000, MaxPeriodMs);
            Range(errors, $"{key}:InterfaceTimeoutMs", line.InterfaceTimeoutMs, 50, 60_000);
            Range(errors, $"{key}:AnswerWindowMs", line.AnswerWindowMs, 10, 1000);

            var gear = new List<DaliGearDefinition>();
            var assets = new Dictionary<int, DaliGearAsset>();
            var addresses = new HashSet<int>();
            var gearList = line.Gear ?? [];
            for (var g = 0; g < gearList.Count; g++)
            {
                var item = gearList[g];
                var gkey = $"{key}:Gear:{g}";
                var gearBefore = errors.Count;
                if (item.Address is < 0 or > 63)
                {
                    errors.Add($"{gkey}:Address: must be a short address 0-63 (got {item.Address})");
                }
                else if (!addresses.Add(item.Address))
                {
                    errors.Add($"{gkey}:Address: {item.Address} is used by another gear of line '{line.Name}'");
                }

                ushort groups = 0;
                var groupList = item.Groups ?? [];
                for (var i = 0; i < groupList.Count; i++)
                {
                    if (groupList[i] is < 0 or > 15)
                    {
                        errors.Add($"{gkey}:Groups:{i}: must be a DALI group 0-15 (got {groupList[i]})");
                    }
                    else
                    {
                        groups |= (ushort)(1 << groupList[i]);
                    }
                }

                if ((item.Location?.Length ?? 0) > 64)
                {
                    errors.Add($"{gkey}:Location: at most 64 characters");
                }

                if (!double.IsFinite(item.RatedPowerW) || item.RatedPowerW < 0 || item.RatedPowerW > 10_000)
                {
                    errors.Add($"{gkey}:RatedPowerW: must be 0-10000 W (got {item.RatedPowerW})");
                }

                var asset = DaliGearAssets.Check(item, gkey, errors);
                if (errors.Count == gearBefore)
                {
                    assets[item.Address] = asset;
                    gear.Add(new DaliGearDefinition(item.Address, groups, item.Location ?? string.Empty, item.RatedPowerW));
                }
            }

            if (errors.Count == before)
            {
                result.Add(new DaliLineDefinition(line.Name, line.Port, line.Enabled,
                    TimeSpan.FromMilliseconds(line.StatusPeriodMs), TimeSpan.FromMilliseconds(line.EnergyPeriodMs),
                    TimeSpan.FromMilliseconds(line.DiscoveryPeriodMs), TimeSpan.FromMilliseconds(line.InterfaceTimeoutMs),
                    TimeSpan.FromMilliseconds(line.AnswerWindowMs), gear.OrderBy(x => x.Address).ToList(), line.ProgramGroups)
                {
                    Assets = assets,
                    DiagnosticsPeriod = TimeSpan.FromMilliseconds(line.DiagnosticsPeriodMs),
                });
            }
        }

        return result;
    }

    private static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
        }
    }
}
