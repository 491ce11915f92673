using City.Contract;
using City.Edge.Buffer;
using City.Edge.Polling;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Configuration;

/// <summary>The "Edge" section, bound and checked, with the points ready to poll.</summary>
internal sealed record EdgeSettings(EdgeOptions Options, IReadOnlyList<DeviceDefinition> Devices)
{
    /// <summary>Validated Edge:DaliLines.</summary>
    public IReadOnlyList<DaliLineDefinition> DaliLines { get; init; } = [];
}

/// <summary>A validated device and its points. <see cref="SerialLine"/> is set for modbus-rtu devices (Host/Port are then unused).</summary>
internal sealed record DeviceDefinition(string Name, string Protocol, string Host, int Port, byte UnitId, TimeSpan Timeout, IReadOnlyList<PointDefinition> Points, bool Enabled = true, SerialLineDefinition? SerialLine = null)
{
    public const string ModbusTcp = "modbus-tcp";
    public const string ModbusRtu = "modbus-rtu";
    public const string Snmp = "snmp";

    /// <summary>Set for snmp devices: version, credentials, timeouts.</summary>
    public City.Edge.Snmp.SnmpDeviceSettings? SnmpSettings { get; init; }

    /// <summary>Registers / bits per request and the fill allowed across holes.</summary>
    public PlanLimits Limits { get; init; } = PlanLimits.Default;

    public TimeSpan PauseAfterConnect { get; init; }

    /// <summary>This device's own spacing between requests; other devices on the same line are not held by it.</summary>
    public TimeSpan PauseBetweenRequests { get; init; }

    /// <summary>Repeats of a request after a timeout or a garbled answer.</summary>
    public int Retries { get; init; }

    /// <summary>The built-in profile the device's points start from, if any.</summary>
    public string? Profile { get; init; }

    /// <summary>The device's points grouped by period and merged into requests.</summary>
    public IReadOnlyList<PollGroupPlan> Plan() => DevicePlanner.Plan(Points, Limits);

    public string Endpoint => SerialLine is null ? $"{Host}:{Port}" : $"{SerialLine.Port} ({SerialLine.Name}) unit {UnitId}";
}

/// <summary>A validated serial line (RS-485) for Modbus RTU devices.</summary>
internal sealed record SerialLineDefinition(string Name, string Port, int BaudRate, System.IO.Ports.Parity Parity, int DataBits, System.IO.Ports.StopBits StopBits, TimeSpan Timeout);

/// <summary>Binds and validates the configuration; every problem is reported with the key that holds it.</summary>
internal static class EdgeConfigLoader
{
    public const int MinPeriodMs = 10;
    public const int MaxPeriodMs = 86_400_000;

    public static bool TryLoad(IConfiguration configuration, out EdgeSettings settings, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        settings = null!;
        errors = [];
        var section = configuration.GetSection(EdgeOptions.SectionName);
        // Types first: the binder drops a list entry whose value does not convert (a device, a point) without a word.
        EdgeConfigSchema.Edge.Check(section, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        EdgeOptions? options;
        try
        {
            options = section.Get<EdgeOptions>();
        }
        catch (InvalidOperationException ex)
        {
            // Not expected once the schema check passed: it would mean EdgeConfigSchema and EdgeOptions disagree.
            errors.Add($"{EdgeOptions.SectionName}: cannot be read ({ex.Message})");
            return false;
        }

        if (options is null)
        {
            errors.Add("Edge: section is missing (expected Edge:GatewayId, Edge:Central, Edge:Buffer, Edge:Devices...)");
            return false;
        }

        var devices = Validate(options, errors);
        var daliLines = DaliConfigValidator.Validate(options, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        settings = new EdgeSettings(options, devices) { DaliLines = daliLines };
        return true;
    }

    public static List<DeviceDefinition> Validate(EdgeOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        const string root = EdgeOptions.SectionName;
        if (!Topics.IsValidGatewayId(options.GatewayId))
        {
            errors.Add($"{root}:GatewayId: must be 1-{Topics.MaxGatewayIdLength} characters of A-Z a-z 0-9 . _ - (got '{options.GatewayId}')");
        }

        var c = options.Central ?? new CentralOptions();
        Require(errors, !string.IsNullOrWhiteSpace(c.Host), $"{root}:Central:Host: must not be empty");
        Range(errors, $"{root}:Central:Port", c.Port, 1, 65535);
        Range(errors, $"{root}:Central:KeepAliveSeconds", c.KeepAliveSeconds, 1, 65535);
        Range(errors, $"{root}:Central:AckTimeoutSeconds", c.AckTimeoutSeconds, 1, 3600);
        Range(errors, $"{root}:Central:MaxInFlightBatches", c.MaxInFlightBatches, 1, 1000);
        Range(errors, $"{root}:Central:ReconnectMinDelayMs", c.ReconnectMinDelayMs, 1, 3_600_000);
        Range(errors, $"{root}:Central:ReconnectMaxDelayMs", c.ReconnectMaxDelayMs, 1, 3_600_000);
        Require(errors, c.ReconnectMaxDelayMs >= c.ReconnectMinDelayMs, $"{root}:Central:ReconnectMaxDelayMs: must be >= ReconnectMinDelayMs ({c.ReconnectMinDelayMs})");

        var b = options.Buffer ?? new BufferOptions();
        Require(errors, !string.IsNullOrWhiteSpace(b.Path), $"{root}:Buffer:Path: must not be empty");
        Require(errors, b.MaxBytes >= BatchBuffer.MinimumMaxBytes, $"{root}:Buffer:MaxBytes: must be at least {BatchBuffer.MinimumMaxBytes} (the buffer's files on disk, LiteDB log included; got {b.MaxBytes})");
        Range(errors, $"{root}:Buffer:FlushIntervalMs", b.FlushIntervalMs, 10, 600_000);
        Range(errors, $"{root}:Buffer:MaxReadingsPerBatch", b.MaxReadingsPerBatch, 1, 100_000);

        var api = options.LocalApi ?? new LocalApiOptions();
        Require(errors, !string.IsNullOrWhiteSpace(api.SocketPath), $"{root}:LocalApi:SocketPath: must not be empty");
        if (!string.IsNullOrWhiteSpace(api.SocketPath))
        {
            // sun_path holds 108 bytes including the terminating zero.
            var full = System.IO.Path.GetFullPath(api.SocketPath);
            Require(errors, System.Text.Encoding.UTF8.GetByteCount(full) <= 107, $"{root}:LocalApi:SocketPath: the full path '{full}' is longer than the 107 bytes a Unix socket path allows");
        }

        City.Edge.Snmp.SnmpDeviceConfig.ValidateEdge(options.Snmp ?? new SnmpEdgeOptions(), errors);
        var lines = ValidateSerialLines(options.SerialLines ?? [], errors);
        var devices = new List<DeviceDefinition>();
        var deviceNames = new HashSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < options.Devices.Count; d++)
        {
            var device = options.Devices[d];
            var key = $"{root}:Devices:{d}";
            var before = errors.Count;
            if (!IsValidName(device.Name))
            {
                errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{device.Name}')");
            }
            else if (!deviceNames.Add(device.Name))
            {
                errors.Add($"{key}:Name: '{device.Name}' is used by another device");
            }

            var protocol = device.Protocol?.Trim().ToLowerInvariant();
            if (protocol == DeviceDefinition.Snmp)
            {
                if (City.Edge.Snmp.SnmpDeviceConfig.Validate(device, key, errors) is { } snmpDevice && errors.Count == before)
                {
                    devices.Add(snmpDevice);
                }

                continue;
            }

            City.Edge.Snmp.SnmpDeviceConfig.RejectSnmpKeys(device, key, errors);
            SerialLineDefinition? line = null;
            if (protocol == DeviceDefinition.ModbusRtu)
            {
                Require(errors, string.IsNullOrEmpty(device.Host), $"{key}:Host: a modbus-rtu device must not set Host (it is reached through its Line)");
                Require(errors, device.Port is null, $"{key}:Port: a modbus-rtu device must not set Port (the serial port is Edge:SerialLines:N:Port)");
                Require(errors, device.TimeoutMs is null, $"{key}:TimeoutMs: a modbus-rtu device must not set TimeoutMs (the timeout is its line's Edge:SerialLines:N:TimeoutMs)");
                if (string.IsNullOrWhiteSpace(device.Line))
                {
                    errors.Add($"{key}:Line: a modbus-rtu device needs the name of one of Edge:SerialLines");
                }
                else if (!lines.TryGetValue(device.Line, out line))
                {
                    errors.Add($"{key}:Line: no serial line named '{device.Line}' in Edge:SerialLines (known: {(lines.Count == 0 ? "none" : string.Join(", ", lines.Keys))})");
                }

                Range(errors, $"{key}:UnitId", device.UnitId, 1, 247);
            }
            else
            {
                Require(errors, protocol == DeviceDefinition.ModbusTcp, $"{key}:Protocol: must be 'modbus-tcp', 'modbus-rtu' or 'snmp' (got '{device.Protocol}')");
                Require(errors, device.Line is null, $"{key}:Line: only a modbus-rtu device may set Line (this one is '{device.Protocol}')");
                Require(errors, !string.IsNullOrWhiteSpace(device.Host), $"{key}:Host: must not be empty");
                Range(errors, $"{key}:Port", device.Port ?? 502, 1, 65535);
                Range(errors, $"{key}:UnitId", device.UnitId, 0, 255);
                Range(errors, $"{key}:TimeoutMs", device.TimeoutMs ?? 1000, 1, 600_000);
            }

            var limits = new PlanLimits(device.MaxRegistersPerRequest, device.MaxBitsPerRequest, device.MaxInsert);
            Range(errors, $"{key}:MaxRegistersPerRequest", device.MaxRegistersPerRequest, 1, PlanLimits.DefaultMaxRegisters);
            Range(errors, $"{key}:MaxBitsPerRequest", device.MaxBitsPerRequest, 1, PlanLimits.DefaultMaxBits);
            Range(errors, $"{key}:MaxInsert", device.MaxInsert, 0, 65535);
            Range(errors, $"{key}:PauseAfterConnectMs", device.PauseAfterConnectMs, 0, 60_000);
            Range(errors, $"{key}:PauseBetweenRequestsMs", device.PauseBetweenRequestsMs, 0, 60_000);
            Range(errors, $"{key}:Retries", device.Retries, 0, 10);

            var points = new List<PointDefinition>();
            var pointNames = new Dictionary<string, string>(StringComparer.Ordinal);
            DeviceProfile? profile = null;
            if (device.Profile is not null && !DeviceProfiles.TryGet(device.Profile, out profile))
            {
                errors.Add($"{key}:Profile: no profile named '{device.Profile}' (known: {string.Join(", ", DeviceProfiles.Names)})");
            }

            Require(errors, device.Points.Count > 0 || profile is not null, $"{key}:Points: a device needs at least one point (or a Profile)");
            if (profile is not null)
            {
                for (var p = 0; p < profile.Points.Count; p++)
                {
                    var pkey = $"{key}:Profile:{profile.Name}:Points:{p}";
                    pointNames[profile.Points[p].Name] = $"a point of its profile '{profile.Name}'";
                    if (ValidatePoint(profile.Points[p], pkey, device.Name, limits, errors) is { } definition)
                    {
                        points.Add(definition);
                    }
                }
            }

            for (var p = 0; p < device.Points.Count; p++)
            {
                var point = device.Points[p];
                var pkey = $"{key}:Points:{p}";
                if (!IsValidName(point.Name))
                {
                    errors.Add($"{pkey}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{point.Name}')");
                    continue;
                }

                if (pointNames.TryGetValue(point.Name, out var owner))
                {
                    errors.Add($"{pkey}:Name: '{point.Name}' is used by {owner} of device '{device.Name}'");
                    continue;
                }

                pointNames[point.Name] = "another point";
                if (ValidatePoint(point, pkey, device.Name, limits, errors) is { } definition)
                {
                    points.Add(definition);
                }
            }

            if (errors.Count == before)
            {
                var definition = line is null
                    ? new DeviceDefinition(device.Name, DeviceDefinition.ModbusTcp, device.Host, device.Port ?? 502, (byte)device.UnitId,
                        TimeSpan.FromMilliseconds(device.TimeoutMs ?? 1000), points, device.Enabled)
                    : new DeviceDefinition(device.Name, DeviceDefinition.ModbusRtu, string.Empty, 0, (byte)device.UnitId,
                        line.Timeout, points, device.Enabled, line);
                devices.Add(definition with
                {
                    Limits = limits,
                    PauseAfterConnect = TimeSpan.FromMilliseconds(device.PauseAfterConnectMs),
                    PauseBetweenRequests = TimeSpan.FromMilliseconds(device.PauseBetweenRequestsMs),
                    Retries = device.Retries,
                    Profile = profile?.Name,
                });
            }
        }

        return devices;
    }

    /// <summary>Checks one point (its name is checked by the caller); null when it has errors, each added with its key.</summary>
    private static PointDefinition? ValidatePoint(PointOptions point, string pkey, string deviceName, PlanLimits limits, List<string> errors)
    {
        var before = errors.Count;
        Range(errors, $"{pkey}:Register", point.Register, 0, 65535);
        if (!RegisterDecoding.TryParseTable(point.Table, out var table))
        {
            errors.Add($"{pkey}:Table: must be 'input', 'holding', 'coil' or 'discrete' (got '{point.Table}')");
            return null;
        }

        var bits = table.IsBitTable();
        var dataType = bits ? RegisterDataType.Bool : RegisterDataType.UInt16;
        if (point.DataType is not null && !RegisterDecoding.TryParseDataType(point.DataType, out dataType))
        {
            errors.Add($"{pkey}:DataType: must be one of uint16, int16, uint32, int32, float32, uint64, int64, float64, bool, string (got '{point.DataType}')");
            return null;
        }

        if (!RegisterDecoding.TryParseWordOrder(point.WordOrder, out var wordOrder))
        {
            errors.Add($"{pkey}:WordOrder: must be one of ABCD, CDAB, BADC, DCBA (got '{point.WordOrder}')");
        }

        var numeric = dataType is not (RegisterDataType.Bool or RegisterDataType.String) && point.Bit is null;
        if (bits && dataType != RegisterDataType.Bool)
        {
            errors.Add($"{pkey}:DataType: a point in the {table.ConfigName()} table is a bool (got '{point.DataType}')");
        }

        if (point.Scale is { } scale && (!double.IsFinite(scale) || scale == 0 || Math.Abs(scale) < 1e-12 || Math.Abs(scale) > 1e12))
        {
            errors.Add($"{pkey}:Scale: must be a finite non-zero number between 1e-12 and 1e12 in magnitude (got {scale})");
        }
        else if (point.Scale is not null && point.Scale != 1 && !numeric)
        {
            errors.Add($"{pkey}:Scale: applies to numbers only (this point is a {(point.Bit is null ? RegisterDecoding.ConfigName(dataType) : "bit")})");
        }

        if (point.Offset is { } offset && (!double.IsFinite(offset) || Math.Abs(offset) > 1e15))
        {
            errors.Add($"{pkey}:Offset: must be a finite number of magnitude at most 1e15 (got {offset})");
        }
        else if (point.Offset is not null && point.Offset != 0 && !numeric)
        {
            errors.Add($"{pkey}:Offset: applies to numbers only (this point is a {(point.Bit is null ? RegisterDecoding.ConfigName(dataType) : "bit")})");
        }

        var length = 0;
        if (dataType == RegisterDataType.String)
        {
            if (point.Length is not { } l)
            {
                errors.Add($"{pkey}:Length: a string point needs its Length in registers (two characters each)");
            }
            else if (l < 1 || l > limits.MaxRegistersPerRequest)
            {
                errors.Add($"{pkey}:Length: must be 1-{limits.MaxRegistersPerRequest} registers (the device's MaxRegistersPerRequest; got {l})");
            }
            else if (point.Writable && l > City.Protocols.Modbus.ModbusPdu.MaxWriteRegisters)
            {
                errors.Add($"{pkey}:Length: a Writable string is at most {City.Protocols.Modbus.ModbusPdu.MaxWriteRegisters} registers (one FC16 request; got {l})");
            }
            else
            {
                length = l;
            }
        }
        else if (point.Length is not null)
        {
            errors.Add($"{pkey}:Length: only a string point has a Length (this one is {RegisterDecoding.ConfigName(dataType)})");
        }

        var width = bits ? 1 : dataType == RegisterDataType.String ? length : RegisterDecoding.Width(dataType);
        if (!bits && dataType != RegisterDataType.String && width > limits.MaxRegistersPerRequest)
        {
            errors.Add($"{pkey}:DataType: a {RegisterDecoding.ConfigName(dataType)} spans {width} registers, more than the device's MaxRegistersPerRequest ({limits.MaxRegistersPerRequest})");
        }

        if (point.Register is >= 0 and <= 65535 && width > 0 && point.Register + width - 1 > 65535)
        {
            errors.Add($"{pkey}:Register: a {RegisterDecoding.ConfigName(dataType)}{(dataType == RegisterDataType.String ? $" of {width} registers" : string.Empty)} at {point.Register} runs past register 65535");
        }

        if (point.Bit is { } bit)
        {
            if (bits || !RegisterDecoding.IsInteger(dataType))
            {
                errors.Add($"{pkey}:Bit: applies to an integer register value (uint16, int16, uint32, int32, uint64, int64), not to a {(bits ? table.ConfigName() : RegisterDecoding.ConfigName(dataType))}");
            }
            else if (bit < 0 || bit >= 16 * width)
            {
                errors.Add($"{pkey}:Bit: must be 0-{(16 * width) - 1} for a {RegisterDecoding.ConfigName(dataType)} (got {bit})");
            }
            else if (point.Writable)
            {
                errors.Add($"{pkey}:Writable: a Bit point cannot be written (it is one bit of a wider register)");
            }
        }

        if (point.Writable && !table.IsWritableTable())
        {
            errors.Add($"{pkey}:Writable: the {table.ConfigName()} table is read-only (only holding registers and coils can be written)");
        }

        Range(errors, $"{pkey}:PeriodMs", point.PeriodMs, MinPeriodMs, MaxPeriodMs);
        if ((point.Unit?.Length ?? 0) > 32)
        {
            errors.Add($"{pkey}:Unit: at most 32 characters");
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new PointDefinition(deviceName, point.Name, table, (ushort)point.Register, dataType, wordOrder,
            point.Scale ?? 1.0, point.Unit ?? string.Empty, point.PeriodMs, point.Description ?? string.Empty)
        {
            Offset = point.Offset ?? 0,
            Bit = point.Bit,
            Length = length,
            Writable = point.Writable,
        };
    }

    private static Dictionary<string, SerialLineDefinition> ValidateSerialLines(List<SerialLineOptions> lines, List<string> errors)
    {
        var result = new Dictionary<string, SerialLineDefinition>(StringComparer.Ordinal);
        var ports = new HashSet<string>(StringComparer.Ordinal);
        for (var l = 0; l < lines.Count; l++)
        {
            var line = lines[l];
            var key = $"{EdgeOptions.SectionName}:SerialLines:{l}";
            var before = errors.Count;
            if (!IsValidName(line.Name))
            {
                errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{line.Name}')");
            }
            else if (result.ContainsKey(line.Name) || lines.Take(l).Any(o => o.Name == line.Name))
            {
                errors.Add($"{key}:Name: '{line.Name}' is used by another serial line");
            }

            if (string.IsNullOrWhiteSpace(line.Port))
            {
                errors.Add($"{key}:Port: must not be empty (a serial port such as /dev/ttyUSB0)");
            }
            else if (!ports.Add(line.Port))
            {
                errors.Add($"{key}:Port: '{line.Port}' is used by another serial line (one master per port)");
            }

            Range(errors, $"{key}:BaudRate", line.BaudRate, 300, 1_000_000);
            System.IO.Ports.Parity parity = default;
            switch (line.Parity?.Trim().ToLowerInvariant())
            {
                case "even": parity = System.IO.Ports.Parity.Even; break;
                case "odd": parity = System.IO.Ports.Parity.Odd; break;
                case "none": parity = System.IO.Ports.Parity.None; break;
                default: errors.Add($"{key}:Parity: must be even, odd or none (got '{line.Parity}')"); break;
            }

            Range(errors, $"{key}:DataBits", line.DataBits, 7, 8);
            Require(errors, line.StopBits is 1 or 2, $"{key}:StopBits: must be 1 or 2 (got {line.StopBits})");
            Range(errors, $"{key}:TimeoutMs", line.TimeoutMs, 10, 60_000);
            if (errors.Count == before)
            {
                result[line.Name] = new SerialLineDefinition(line.Name, line.Port, line.BaudRate, parity, line.DataBits,
                    line.StopBits == 2 ? System.IO.Ports.StopBits.Two : System.IO.Ports.StopBits.One, TimeSpan.FromMilliseconds(line.TimeoutMs));
            }
        }

        return result;
    }

    /// <summary>Device and point names: the same alphabet as gateway ids, so point ids stay unambiguous.</summary>
    public static bool IsValidName(string? name) => Topics.IsValidGatewayId(name);

    private static void Require(List<string> errors, bool condition, string message)
    {
        if (!condition)
        {
            errors.Add(message);
        }
    }

    private static bool Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
            return false;
        }

        return true;
    }
}
