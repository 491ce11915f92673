using City.Edge.Devices;

namespace City.Edge.Modbus;

/// <summary>
/// What a Modbus device adds to <see cref="DeviceDefinition"/>: its address (host and port, or a serial line and unit id),
/// timing and request limits. <see cref="SerialLine"/> is set for modbus-rtu devices (Host/Port are then unused).
/// </summary>
internal sealed record ModbusDeviceSettings(string Host, int Port, byte UnitId, TimeSpan Timeout, SerialLineDefinition? SerialLine = null)
{
    /// <summary>Registers / bits per request and the fill allowed across holes.</summary>
    public PlanLimits Limits { get; init; } = PlanLimits.Default;

    public TimeSpan PauseAfterConnect { get; init; }

    /// <summary>This device's own spacing between requests; other devices on the same line are not held by it.</summary>
    public TimeSpan PauseBetweenRequests { get; init; }

    /// <summary>Repeats of a request after a timeout or a garbled answer.</summary>
    public int Retries { get; init; }

    public string Endpoint => SerialLine is null ? $"{Host}:{Port}" : $"{SerialLine.Port} ({SerialLine.Name}) unit {UnitId}";
}

/// <summary>A validated serial line (RS-485) for Modbus RTU devices.</summary>
internal sealed record SerialLineDefinition(string Name, string Port, int BaudRate, System.IO.Ports.Parity Parity, int DataBits, System.IO.Ports.StopBits StopBits, TimeSpan Timeout)
{
    public City.Protocols.Serial.SerialTransportKind Transport { get; init; }
}

/// <summary>Builds Modbus devices and reads their Modbus settings.</summary>
internal static class ModbusDevice
{
    public const string TcpProtocol = "modbus-tcp";
    public const string RtuProtocol = "modbus-rtu";

    public static DeviceDefinition Create(string name, string protocol, string host, int port, byte unitId, TimeSpan timeout, IReadOnlyList<PointDefinition> points, bool enabled = true, SerialLineDefinition? serialLine = null) =>
        Create(name, protocol, points, enabled, new ModbusDeviceSettings(host, port, unitId, timeout, serialLine));

    public static DeviceDefinition Create(string name, string protocol, IReadOnlyList<PointDefinition> points, bool enabled, ModbusDeviceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new DeviceDefinition(name, protocol, settings.Endpoint, points, enabled) { Settings = settings };
    }

    /// <summary>The same device with its Modbus settings changed (timing, limits).</summary>
    public static DeviceDefinition WithModbus(this DeviceDefinition device, Func<ModbusDeviceSettings, ModbusDeviceSettings> change)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(change);
        var settings = change(device.SettingsOf<ModbusDeviceSettings>());
        return device with { Settings = settings, Endpoint = settings.Endpoint };
    }

    public static bool IsModbus(this DeviceDefinition device) => device?.Settings is ModbusDeviceSettings;

    extension(DeviceDefinition device)
    {
        public ModbusDeviceSettings Modbus => device.SettingsOf<ModbusDeviceSettings>();

        public string Host => device.Modbus.Host;

        public int Port => device.Modbus.Port;

        public byte UnitId => device.Modbus.UnitId;

        public TimeSpan Timeout => device.Modbus.Timeout;

        public SerialLineDefinition? SerialLine => device.Modbus.SerialLine;

        public PlanLimits Limits => device.Modbus.Limits;

        public TimeSpan PauseAfterConnect => device.Modbus.PauseAfterConnect;

        public TimeSpan PauseBetweenRequests => device.Modbus.PauseBetweenRequests;

        public int Retries => device.Modbus.Retries;

        public IReadOnlyList<PointDefinition> ModbusPoints => device.PointsOf<PointDefinition>();

        /// <summary>The device's points grouped by period and merged into requests.</summary>
        public IReadOnlyList<PollGroupPlan> Plan() => DevicePlanner.Plan(device.ModbusPoints, device.Limits);
    }
}
