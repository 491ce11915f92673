using City.Contract;
using City.Edge.Polling;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Configuration;

/// <summary>The "Edge" section, bound and checked, with the points ready to poll.</summary>
public sealed record EdgeSettings(EdgeOptions Options, IReadOnlyList<DeviceDefinition> Devices);

/// <summary>A validated device and its points. <see cref="SerialLine"/> is set for modbus-rtu devices (Host/Port are then unused).</summary>
public sealed record DeviceDefinition(string Name, string Protocol, string Host, int Port, byte UnitId, TimeSpan Timeout, IReadOnlyList<PointDefinition> Points, bool Enabled = true, SerialLineDefinition? SerialLine = null)
{
    public const string ModbusTcp = "modbus-tcp";
    public const string ModbusRtu = "modbus-rtu";

    public string Endpoint => SerialLine is null ? $"{Host}:{Port}" : $"{SerialLine.Port} ({SerialLine.Name}) unit {UnitId}";
}

/// <summary>A validated serial line (RS-485) for Modbus RTU devices.</summary>
public sealed record SerialLineDefinition(string Name, string Port, int BaudRate, System.IO.Ports.Parity Parity, int DataBits, System.IO.Ports.StopBits StopBits, TimeSpan Timeout);

/// <summary>Binds and validates the configuration; every problem is reported with the key that holds it.</summary>
public static class EdgeConfigLoader
{
    public const int MinPeriodMs = 10;
    public const int MaxPeriodMs = 86_400_000;

    public static bool TryLoad(IConfiguration configuration, out EdgeSettings settings, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        settings = null!;
        errors = [];
        var section = configuration.GetSection(EdgeOptions.SectionName);
        FindUnknownKeys(section, typeof(EdgeOptions), errors);
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
            // The binder's message names the key and the value ("Failed to convert configuration value 'x' at 'Edge:Central:Port'...").
            errors.Add(ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}");
            return false;
        }

        if (options is null)
        {
            errors.Add("Edge: section is missing (expected Edge:GatewayId, Edge:Central, Edge:Buffer, Edge:Devices...)");
            return false;
        }

        var devices = Validate(options, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        settings = new EdgeSettings(options, devices);
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
        Require(errors, b.MaxBytes >= 64 * 1024, $"{root}:Buffer:MaxBytes: must be at least 65536 (got {b.MaxBytes})");
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
                Require(errors, protocol == DeviceDefinition.ModbusTcp, $"{key}:Protocol: must be 'modbus-tcp' or 'modbus-rtu' (got '{device.Protocol}')");
                Require(errors, device.Line is null, $"{key}:Line: only a modbus-rtu device may set Line (this one is '{device.Protocol}')");
                Require(errors, !string.IsNullOrWhiteSpace(device.Host), $"{key}:Host: must not be empty");
                Range(errors, $"{key}:Port", device.Port ?? 502, 1, 65535);
                Range(errors, $"{key}:UnitId", device.UnitId, 0, 255);
                Range(errors, $"{key}:TimeoutMs", device.TimeoutMs ?? 1000, 1, 600_000);
            }

            Require(errors, device.Points.Count > 0, $"{key}:Points: a device needs at least one point");

            var points = new List<PointDefinition>();
            var pointNames = new HashSet<string>(StringComparer.Ordinal);
            for (var p = 0; p < device.Points.Count; p++)
            {
                var point = device.Points[p];
                var pkey = $"{key}:Points:{p}";
                var ok = true;
                if (!IsValidName(point.Name))
                {
                    errors.Add($"{pkey}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{point.Name}')");
                    ok = false;
                }
                else if (!pointNames.Add(point.Name))
                {
                    errors.Add($"{pkey}:Name: '{point.Name}' is used by another point of device '{device.Name}'");
                    ok = false;
                }

                ok &= Range(errors, $"{pkey}:Register", point.Register, 0, 65535);
                if (!RegisterDecoding.TryParseTable(point.Table, out var table))
                {
                    errors.Add($"{pkey}:Table: must be 'input' or 'holding' (got '{point.Table}')");
                    ok = false;
                }

                if (!RegisterDecoding.TryParseDataType(point.DataType, out var dataType))
                {
                    errors.Add($"{pkey}:DataType: must be one of uint16, int16, uint32, int32, float32, uint64, int64, float64, bool (got '{point.DataType}')");
                    ok = false;
                }
                else if (point.Register is >= 0 and <= 65535 && point.Register + RegisterDecoding.Width(dataType) - 1 > 65535)
                {
                    errors.Add($"{pkey}:Register: a {point.DataType} at {point.Register} runs past register 65535");
                    ok = false;
                }

                if (!RegisterDecoding.TryParseWordOrder(point.WordOrder, out var wordOrder))
                {
                    errors.Add($"{pkey}:WordOrder: must be one of ABCD, CDAB, BADC, DCBA (got '{point.WordOrder}')");
                    ok = false;
                }

                if (!double.IsFinite(point.Scale) || point.Scale == 0 || Math.Abs(point.Scale) < 1e-12 || Math.Abs(point.Scale) > 1e12)
                {
                    errors.Add($"{pkey}:Scale: must be a finite non-zero number between 1e-12 and 1e12 in magnitude (got {point.Scale})");
                    ok = false;
                }

                ok &= Range(errors, $"{pkey}:PeriodMs", point.PeriodMs, MinPeriodMs, MaxPeriodMs);
                if ((point.Unit?.Length ?? 0) > 32)
                {
                    errors.Add($"{pkey}:Unit: at most 32 characters");
                    ok = false;
                }

                if (ok)
                {
                    points.Add(new PointDefinition(device.Name, point.Name, table, (ushort)point.Register, dataType, wordOrder,
                        point.Scale, point.Unit ?? string.Empty, point.PeriodMs, point.Description ?? string.Empty));
                }
            }

            if (errors.Count == before)
            {
                devices.Add(line is null
                    ? new DeviceDefinition(device.Name, DeviceDefinition.ModbusTcp, device.Host, device.Port ?? 502, (byte)device.UnitId,
                        TimeSpan.FromMilliseconds(device.TimeoutMs ?? 1000), points, device.Enabled)
                    : new DeviceDefinition(device.Name, DeviceDefinition.ModbusRtu, string.Empty, 0, (byte)device.UnitId,
                        line.Timeout, points, device.Enabled, line));
            }
        }

        return devices;
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

    /// <summary>Reports keys that match no setting (a typo must not silently fall back to a default).</summary>
    private static void FindUnknownKeys(IConfigurationSection section, Type type, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null)
            {
                errors.Add($"{child.Path}: unknown setting (valid here: {string.Join(", ", type.GetProperties().Select(p => p.Name))})");
                continue;
            }

            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = propertyType.GetGenericArguments()[0];
                foreach (var item in child.GetChildren())
                {
                    if (!int.TryParse(item.Key, out _))
                    {
                        errors.Add($"{item.Path}: expected a list index");
                    }
                    else
                    {
                        FindUnknownKeys(item, element, errors);
                    }
                }
            }
            else if (propertyType.IsClass && propertyType != typeof(string))
            {
                FindUnknownKeys(child, propertyType, errors);
            }
        }
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
