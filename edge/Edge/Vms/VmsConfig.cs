using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Snmp;
using City.Protocols.Snmp;
using Microsoft.Extensions.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Vms;

/// <summary>The keys of a message sign in Edge:Devices and their types: the shared SNMP keys and its own (<see cref="VmsDeviceOptions"/> mirrors them).</summary>
internal static class VmsConfigSchema
{
    public static ProtocolConfigKeys Keys { get; } = new(
        [],
        [
            .. SnmpEndpointSchema.DeviceKeys,
            SecretText("WriteCommunity"),
            Integer("StatusPeriodMs", VmsDeviceConfig.MinStatusPeriodMs, ConfigChecks.MaxPeriodMs),
        ],
        []);
}

/// <summary>Edge:Devices:N of a sign, as bound: the sign as an SNMP agent, and its own keys.</summary>
internal sealed class VmsDeviceOptions : SnmpEndpointOptions
{
    /// <summary>v1/v2c only: the read-write community operations use (Community is the read one).</summary>
    public string? WriteCommunity { get; set; }

    public int StatusPeriodMs { get; set; } = VmsDeviceConfig.DefaultStatusPeriodMs;

    /// <summary>Bound only to be refused: a sign's points are fixed.</summary>
    public List<FixedPointOptions> Points { get; set; } = [];
}

/// <summary>A validated sign: where it answers SNMP and how (a v3 user, or v1/v2c with a read and a write community), how often its status is read.</summary>
internal sealed record VmsDeviceSettings(SnmpEndpoint Sign, string? WriteCommunity, TimeSpan StatusPeriod)
{
    /// <summary>The target of reads, or of operations (<paramref name="write"/>: the write community in v1/v2c, the same user in v3).</summary>
    public SnmpTarget Target(bool write) => Sign.Target(write ? WriteCommunity : null);

    /// <summary>Without the write community (a record would print it).</summary>
    public override string ToString() => $"{nameof(VmsDeviceSettings)} {{ Sign = {Sign}, StatusPeriod = {StatusPeriod} }}";
}

/// <summary>A point of a sign (its meaning is its name; <see cref="VmsDeviceConfig"/> lists them).</summary>
internal sealed record VmsPoint(string Device, string Name, PointType Type, string Unit, int PeriodMs, string Description)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public override PointType PointType => Type;

    public override bool IsEvent => Name == VmsDeviceConfig.EventsPoint;
}

/// <summary>Binds and checks a sign and builds its fixed points.</summary>
internal static class VmsDeviceConfig
{
    public const string Protocol = "vms";
    public const int MinStatusPeriodMs = 1000;
    public const int DefaultStatusPeriodMs = 10_000;

    public const string MessagePoint = "message";
    public const string MultiPoint = "multi";
    public const string SourcePoint = "source";
    public const string FaultsPoint = "faults";
    public const string ShortErrorStatusPoint = "short-error-status";
    public const string PixelFailuresPoint = "pixel-failures";
    public const string LampFailuresPoint = "lamp-failures";
    public const string DoorOpenPoint = "door-open";
    public const string ControllerErrorPoint = "controller-error";
    public const string EventsPoint = "events";

    public static DeviceDefinition? Validate(DeviceEntry entry, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(errors);
        var key = entry.Key;
        var options = entry.Section.Get<VmsDeviceOptions>() ?? new VmsDeviceOptions();
        int before = errors.Count;
        if (options.Points.Count > 0 || entry.Section.GetSection("Points").GetChildren().Any())
        {
            errors.Add($"{key}:Points: a sign's points are fixed (message, multi, faults, ...: see edge/README.md, \"Message signs\"); list none");
        }

        var sign = SnmpEndpointConfig.Validate(options, key, "a sign (vms)", defaultRetries: 1, errors);
        if (sign is not null && sign.Version != SnmpVersion.V3 && string.IsNullOrEmpty(options.WriteCommunity))
        {
            errors.Add($"{key}:WriteCommunity: a v1/v2c sign needs a WriteCommunity (the read-write one; Community is read)");
        }

        if (sign is { Version: SnmpVersion.V3 } && options.WriteCommunity is not null)
        {
            errors.Add($"{key}:WriteCommunity: an SNMPv3 sign has no WriteCommunity (its User reads and writes)");
        }

        if (errors.Count != before || sign is null)
        {
            return null;
        }

        var settings = new VmsDeviceSettings(sign, options.WriteCommunity, TimeSpan.FromMilliseconds(options.StatusPeriodMs));
        return new DeviceDefinition(options.Name, Protocol, $"snmp://{sign.Address}", Points(options.Name, options.StatusPeriodMs), options.Enabled) { Settings = settings };
    }

    public static IReadOnlyList<DevicePoint> Points(string device, int period) =>
    [
        new VmsPoint(device, MessagePoint, PointType.Text, "", period, "the message on the sign as read: lines joined by ' / ', pages by ' || ' (empty: blank)"),
        new VmsPoint(device, MultiPoint, PointType.Text, "", period, "the MULTI string of the sign's current buffer"),
        new VmsPoint(device, SourcePoint, PointType.Text, "", period, "dmsMsgTableSource: memory type and message number of what it shows"),
        new VmsPoint(device, FaultsPoint, PointType.Text, "", period, "the sign's faults in words ('ok' when none)"),
        new VmsPoint(device, ShortErrorStatusPoint, PointType.Number, "", period, "shortErrorStatus bits (NTCIP 1203)"),
        new VmsPoint(device, PixelFailuresPoint, PointType.Number, "pixels", period, "pixelFailureTableNumRows: pixels found failed"),
        new VmsPoint(device, LampFailuresPoint, PointType.Number, "lamps", period, "lamps stuck off or on (lampFailureStuckOff/On)"),
        new VmsPoint(device, DoorOpenPoint, PointType.Boolean, "", period, "a door of the sign is open (dmsStatDoorOpen)"),
        new VmsPoint(device, ControllerErrorPoint, PointType.Boolean, "", period, "controllerErrorStatus is not 0"),
        new VmsPoint(device, EventsPoint, PointType.Text, "", period, "changes: message-shown, sign-blanked, fault raised / cleared"),
    ];
}
