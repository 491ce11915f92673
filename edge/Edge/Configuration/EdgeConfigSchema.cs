using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Configuration;

/// <summary>
/// Every key of the "Edge" section and its type, mirroring <see cref="EdgeOptions"/> and the classes below it (a test checks
/// that the two agree). The ranges only word the type errors; the loader and the protocol drivers check the values.
/// </summary>
internal static class EdgeConfigSchema
{
    private const long MaxPeriodMs = ConfigChecks.MaxPeriodMs;

    public static ConfigSchema Central { get; } = new(
        Text("Host"),
        Integer("Port", 1, 65535),
        Boolean("UseTls"),
        Integer("KeepAliveSeconds", 1, 65535),
        Integer("AckTimeoutSeconds", 1, 3600),
        Integer("MaxInFlightBatches", 1, 1000),
        Integer("ReconnectMinDelayMs", 1, 3_600_000),
        Integer("ReconnectMaxDelayMs", 1, 3_600_000));

    public static ConfigSchema Buffer { get; } = new(
        Text("Path"),
        LongInteger("MaxBytes", 64 * 1024),
        Integer("FlushIntervalMs", 10, 600_000),
        Integer("MaxReadingsPerBatch", 1, 100_000));

    public static ConfigSchema LocalApi { get; } = new(Text("SocketPath"));

    public static ConfigSchema SerialLine { get; } = new(
        Text("Name"),
        Text("Port"),
        Integer("BaudRate", 300, 1_000_000),
        Text("Parity"),
        Integer("DataBits", 7, 8),
        Integer("StopBits", 1, 2),
        Integer("TimeoutMs", 10, 60_000));

    /// <summary>A point of a Modbus or an SNMP device: the union of both protocols' keys (the validators reject the other protocol's).</summary>
    public static ConfigSchema Point { get; } = new(
        Text("Name"),
        Integer("Register", 0, 65535),
        Text("Table"),
        Text("DataType"),
        Text("WordOrder"),
        Number("Scale"),
        Number("Offset"),
        Integer("Bit", 0, 1023),
        Integer("Length", 1, 125),
        Boolean("Writable"),
        Text("Unit"),
        Integer("PeriodMs", ConfigChecks.MinPeriodMs, MaxPeriodMs),
        Text("Description"),
        Text("Oid"),
        Integer("Rows", 1, 1024),
        Boolean("Alarm"));

    /// <summary>A modbus-tcp, modbus-rtu or snmp device.</summary>
    public static ConfigSchema Device { get; } = new(
        Text("Name"),
        Text("Protocol"),
        Boolean("Enabled"),
        Text("Host"),
        Integer("Port", 1, 65535),
        Text("Line"),
        Integer("UnitId", 0, 255),
        Integer("TimeoutMs", 1, 600_000),
        Text("Profile"),
        Integer("MaxRegistersPerRequest", 1, 125),
        Integer("MaxBitsPerRequest", 1, 2000),
        Integer("MaxInsert", 0, 65535),
        Integer("PauseAfterConnectMs", 0, 60_000),
        Integer("PauseBetweenRequestsMs", 0, 60_000),
        Integer("Retries", 0, 10),
        List("Points", Point),
        Text("Version"),
        Text("Community"),
        Text("User"),
        Text("SecurityLevel"),
        Text("AuthProtocol"),
        Text("AuthPassword"),
        Text("PrivProtocol"),
        Text("PrivPassword"),
        Integer("MaxRepetitions", 1, 1000));

    public static ConfigSchema Snmp { get; } = new(Text("TrapListen"));

    public static ConfigSchema DaliGear { get; } = new(
        Integer("Address", 0, 63),
        IntegerList("Groups", 0, 15),
        Text("Location"),
        Number("RatedPowerW"));

    public static ConfigSchema DaliLineSection { get; } = new(
        Text("Name"),
        Text("Port"),
        Boolean("Enabled"),
        Integer("StatusPeriodMs", 100, MaxPeriodMs),
        Integer("EnergyPeriodMs", 1000, MaxPeriodMs),
        Integer("DiscoveryPeriodMs", 1000, MaxPeriodMs),
        Integer("InterfaceTimeoutMs", 50, 60_000),
        Integer("AnswerWindowMs", 10, 1000),
        Boolean("ProgramGroups"),
        List("Gear", DaliGear));

    /// <summary>The "Edge" section.</summary>
    public static ConfigSchema Edge { get; } = new(
        Text("GatewayId"),
        Section("Central", Central),
        Section("Buffer", Buffer),
        Section("LocalApi", LocalApi),
        List("SerialLines", SerialLine),
        List("Devices", Device),
        Section("Snmp", Snmp),
        List("DaliLines", DaliLineSection));
}
