using System.Net;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Snmp;
using City.Protocols.Serial;
using Microsoft.Extensions.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Priority;

/// <summary>The keys of an ntcip1211 entry of Edge:Devices and their types: the shared SNMP keys and its own (<see cref="PriorityDeviceOptions"/> mirrors them).</summary>
internal static class PriorityConfigSchema
{
    public static ProtocolConfigKeys Keys { get; } = new(
        [],
        [
            .. SnmpEndpointSchema.DeviceKeys,
            Text("Listen"),
            Text("SerialPort"),
            Integer("BaudRate", 300, 1_000_000),
            Integer("StatusPollMs", PriorityDeviceConfig.MinStatusPollMs, PriorityDeviceConfig.MaxStatusPollMs),
            Integer("ExpirySeconds", 1, 86_400),
            Integer("PublishPeriodMs", PriorityDeviceConfig.MinPublishPeriodMs, ConfigChecks.MaxPeriodMs),
        ],
        []);
}

/// <summary>Edge:Devices:N of a bus priority device (Protocol ntcip1211), as bound: the traffic controller (the PRS) as an SNMP agent, and its own keys.</summary>
internal sealed class PriorityDeviceOptions : SnmpEndpointOptions
{
    /// <summary>IP:PORT of the UDP socket the buses' on-board units send to; empty: requests come from central only.</summary>
    public string Listen { get; set; } = string.Empty;

    /// <summary>The serial device the buses' on-board units' link arrives on (the same datagrams, back to back); empty: none.</summary>
    public string SerialPort { get; set; } = string.Empty;

    /// <summary>The serial link's speed (8N1).</summary>
    public int BaudRate { get; set; } = 9600;

    public int StatusPollMs { get; set; } = PriorityDeviceConfig.DefaultStatusPollMs;

    /// <summary>A request still open this long after the bus's estimated departure is cancelled by the edge.</summary>
    public int ExpirySeconds { get; set; } = 60;

    public int PublishPeriodMs { get; set; } = 1000;

    /// <summary>Bound only to be refused: the device's points are fixed.</summary>
    public List<FixedPointOptions> Points { get; set; } = [];
}

/// <summary>A validated priority device: the controller, the on-board units' socket, the timings.</summary>
internal sealed record PrioritySettings(SnmpEndpoint Controller, IPEndPoint? Listen,
    TimeSpan StatusPoll, TimeSpan Expiry, TimeSpan PublishPeriod)
{
    /// <summary>The on-board units' serial link, or null.</summary>
    public SerialLineSettings? Serial { get; init; }

    /// <summary>Where the buses' datagrams arrive, as the views say it ("127.0.0.1:47211", "serial /dev/ttyS1", both), or null.</summary>
    public string? BusLinks => (Listen, Serial) switch
    {
        (null, null) => null,
        (_, null) => Listen.ToString(),
        (null, _) => $"serial {Serial.PortName}",
        _ => $"{Listen} and serial {Serial.PortName}",
    };
}

/// <summary>A point of a priority device: a counter, the last state, or the events point.</summary>
internal sealed record PriorityPoint(string Device, string Name, PointType Type, string Unit, int PeriodMs, string Description, bool Event = false)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public override PointType PointType => Type;

    public override bool IsEvent => Event;
}

/// <summary>Binds and checks a priority device; its points are fixed.</summary>
internal static class PriorityDeviceConfig
{
    public const string Protocol = "ntcip1211";
    public const int MinStatusPollMs = 20;
    public const int MaxStatusPollMs = 10_000;
    public const int DefaultStatusPollMs = 250;
    public const int MinPublishPeriodMs = 100;

    public const string ActivePoint = "active-requests";
    public const string RequestedPoint = "requested-total";
    public const string GrantedPoint = "granted-total";
    public const string ServedPoint = "served-total";
    public const string CancelledPoint = "cancelled-total";
    public const string RejectedPoint = "rejected-total";
    public const string LastStatePoint = "last-state";
    public const string AckPoint = "last-ack-ms";

    /// <summary>The event point's name under the device "$edge": its id is <c>$edge/priority/{device}/events</c> (the contract's event prefix).</summary>
    public static string EventPointName(string device) => $"priority/{device}/events";

    private static readonly string[] ForeignKeys =
    [
        "UnitId", "Line", "Profile", "MaxRegistersPerRequest", "MaxBitsPerRequest", "MaxInsert", "PauseAfterConnectMs",
        "PauseBetweenRequestsMs", "MaxRepetitions", "Mode",
    ];

    public static DeviceDefinition? Validate(DeviceEntry entry, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(errors);
        var key = entry.Key;
        var options = entry.Section.Get<PriorityDeviceOptions>() ?? new PriorityDeviceOptions();
        var before = errors.Count;
        foreach (var name in ForeignKeys.Where(n => entry.Section[n] is not null))
        {
            errors.Add($"{key}:{name}: not a setting of an ntcip1211 device (it takes the SNMP keys Host, Port, TimeoutMs, Retries, Version, Community or User and its protocols, then Listen, SerialPort, BaudRate, StatusPollMs, ExpirySeconds, PublishPeriodMs)");
        }

        if (options.Points.Count > 0 || entry.Section.GetSection("Points").GetChildren().Any())
        {
            errors.Add($"{key}:Points: an ntcip1211 device's points are fixed (see edge/README.md, \"Bus priority\"); list none");
        }

        var controller = SnmpEndpointConfig.Validate(options, key, "an ntcip1211 device (the traffic controller)", defaultRetries: 1, errors);
        IPEndPoint? listen = null;
        if (!string.IsNullOrEmpty(options.Listen) && !IPEndPoint.TryParse(options.Listen, out listen))
        {
            errors.Add($"{key}:Listen: must be IP:PORT, e.g. 127.0.0.1:47211 (got '{options.Listen}')");
        }

        if (errors.Count != before || controller is null)
        {
            return null;
        }

        var settings = new PrioritySettings(controller, listen, TimeSpan.FromMilliseconds(options.StatusPollMs), TimeSpan.FromSeconds(options.ExpirySeconds),
            TimeSpan.FromMilliseconds(options.PublishPeriodMs))
        {
            Serial = string.IsNullOrEmpty(options.SerialPort) ? null : new SerialLineSettings(options.SerialPort) { BaudRate = options.BaudRate },
        };
        return new DeviceDefinition(options.Name, Protocol, $"udp://{controller.Address}", Points(options.Name, options.PublishPeriodMs), options.Enabled)
        {
            Settings = settings,
        };
    }

    public static IReadOnlyList<DevicePoint> Points(string device, int period) =>
    [
        new PriorityPoint(device, ActivePoint, PointType.Number, "requests", period, "priority requests open at the controller"),
        new PriorityPoint(device, RequestedPoint, PointType.Number, "requests", period, "requests the controller acknowledged since the edge started"),
        new PriorityPoint(device, GrantedPoint, PointType.Number, "requests", period, "requests granted (green extended or brought forward) since the edge started"),
        new PriorityPoint(device, ServedPoint, PointType.Number, "requests", period, "requests served (closedCompleted) since the edge started"),
        new PriorityPoint(device, CancelledPoint, PointType.Number, "requests", period, "requests cancelled before service since the edge started"),
        new PriorityPoint(device, RejectedPoint, PointType.Number, "requests", period, "requests the controller refused or closed in error since the edge started"),
        new PriorityPoint(device, LastStatePoint, PointType.Text, "", period, "the last step of the last request: state, vehicle, request id"),
        new PriorityPoint(device, AckPoint, PointType.Number, "ms", period, "time from the last request's arrival at the cabinet to the controller's acknowledgement"),
        new PriorityPoint("$edge", EventPointName(device), PointType.Text, "", ConfigChecks.MaxPeriodMs,
            $"Bus priority requests of device {device} step by step: requested, granted, served, cancelled, rejected, cleared", Event: true),
    ];
}
