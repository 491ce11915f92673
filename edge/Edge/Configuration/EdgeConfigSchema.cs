using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Configuration;

/// <summary>
/// Every key of the "Edge" section that belongs to no protocol and its type, mirroring <see cref="EdgeOptions"/> (a test checks
/// that the two agree); each protocol adds its own keys (<see cref="ProtocolConfigKeys"/>). The ranges only word the type
/// errors; the loader and the protocol drivers check the values.
/// </summary>
internal static class EdgeConfigSchema
{
    private const long MaxPeriodMs = ConfigChecks.MaxPeriodMs;

    public static ConfigSchema Central { get; } = new(
        Text("Host"),
        Integer("Port", 1, 65535),
        Section("Tls", new ConfigSchema(Text("CaFile"), Text("CertFile"), Text("KeyFile"))),
        Boolean("AllowPlain"),
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

    public static ConfigSchema LocalApi { get; } = new(Text("SocketPath"), Text("Group"));

    public static ConfigSchema Commands { get; } = new(Text("SigningKeyFile"), Integer("ClockSkewSeconds", 0, 3600));

    public static ConfigSchema Metrics { get; } = new(Integer("ForwardPeriodSeconds", 0, 86_400));

    public static ConfigSchema Reload { get; } = new(Integer("GracePeriodSeconds", 1, 3600));

    public static ConfigSchema Site { get; } = new(Text("Town"), Text("District"), Number("Latitude"), Number("Longitude"), Text("TimeZone"));

    public static ConfigSchema Clock { get; } = new(Text("SimulatedStart"), Text("RealStart"), Number("Speed"));

    /// <summary>The keys of a device and of a point that belong to no protocol.</summary>
    private static readonly ConfigSetting[] CommonPointSettings =
    [
        Boolean("Writable"),
        Text("Unit"),
        Integer("PeriodMs", ConfigChecks.MinPeriodMs, MaxPeriodMs),
        Text("Description"),
    ];

    /// <summary>
    /// The "Edge" section with the keys of every protocol: the common keys, each protocol's sections, and in Edge:Devices:N
    /// and its Points the keys of every protocol (a key two protocols share takes the widest range of the two). Each
    /// driver then rejects, with its own message, the keys of another protocol set on one of its devices.
    /// </summary>
    public static ConfigSchema For(IEnumerable<ProtocolConfigKeys> protocols)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        var all = protocols.ToList();
        var point = new ConfigSchema([Text("Name"), .. Merged(all.SelectMany(p => p.PointSettings)), .. CommonPointSettings]);
        var device = new ConfigSchema([Text("Name"), Text("Protocol"), Boolean("Enabled"), .. Merged(all.SelectMany(p => p.DeviceSettings)), List("Points", point)]);
        return new ConfigSchema(
        [
            Text("GatewayId"),
            Section("Central", Central),
            Section("Buffer", Buffer),
            Section("LocalApi", LocalApi),
            Section("Commands", Commands),
            Section("Site", Site),
            Section("Clock", Clock),
            Section("Metrics", Metrics),
            Section("Reload", Reload),
            List("Devices", device),
            .. Merged(all.SelectMany(p => p.Sections)),
        ]);
    }

    private static IEnumerable<ConfigSetting> Merged(IEnumerable<ConfigSetting> settings) =>
        settings.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.First() with
        {
            Min = g.Min(s => s.Min),
            Max = g.Max(s => s.Max),
        });
}
