namespace City.Edge.Dali;

/// <summary>One DALI line (Edge:DaliLines:N): a Lunatone LUBA master interface on a serial port and the gear on its bus.</summary>
internal sealed class DaliLineOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Serial port of the LUBA interface, e.g. /dev/ttyUSB1.</summary>
    public string Port { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    /// <summary>Failure check (broadcast queries) and level of every gear.</summary>
    public int StatusPeriodMs { get; set; } = 10_000;

    /// <summary>D4i active power and energy of every gear.</summary>
    public int EnergyPeriodMs { get; set; } = 300_000;

    /// <summary>D4i diagnostics of every gear (memory banks 205-207: operating hours, lamp-on hours, starts, rated life).</summary>
    public int DiagnosticsPeriodMs { get; set; } = 3_600_000;

    /// <summary>Looking for gear that is not configured (unknown short addresses, unaddressed gear).</summary>
    public int DiscoveryPeriodMs { get; set; } = 600_000;

    /// <summary>How long the interface may take to confirm a frame before the transaction counts as failed.</summary>
    public int InterfaceTimeoutMs { get; set; } = 1000;

    /// <summary>Answer window after a query (the LUBA default is 40 ms; a loaded host may need more).</summary>
    public int AnswerWindowMs { get; set; } = 40;

    /// <summary>
    /// Make the gear members of exactly their configured Groups (checked at start, after a commissioning run and when a gear
    /// answers again). False on sites where another tool owns the groups.
    /// </summary>
    public bool ProgramGroups { get; set; } = true;

    public List<DaliGearOptions> Gear { get; set; } = [];
}

/// <summary>One control gear (an LED driver) on a DALI line.</summary>
internal sealed class DaliGearOptions
{
    /// <summary>0-63.</summary>
    public int Address { get; set; } = -1;

    /// <summary>DALI groups 0-15 the gear belongs to (programmed into the gear unless the line's ProgramGroups is false; used to narrow a failure down).</summary>
    public List<int> Groups { get; set; } = [];

    /// <summary>Pole or location id, carried in the point descriptions and events.</summary>
    public string Location { get; set; } = string.Empty;

    public double RatedPowerW { get; set; }

    // Asset data (the Birth carries it; central's asset register and energy report use it).

    /// <summary>The pole the luminaire hangs on.</summary>
    public string? PoleId { get; set; }

    public double? Latitude { get; set; }

    public double? Longitude { get; set; }

    public string? LuminaireModel { get; set; }

    /// <summary>The power of the lamp this one replaced (the legacy baseline of the energy report); 0 = unknown.</summary>
    public double ReplacedPowerW { get; set; }

    /// <summary>yyyy-mm-dd.</summary>
    public string? InstalledOn { get; set; }

    /// <summary>The luminaire's rated life in hours; 0 = unknown.</summary>
    public double RatedLifeHours { get; set; }
}
