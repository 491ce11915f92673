using City.Protocols.Serial;
using City.Edge.Configuration;
using Microsoft.Extensions.Configuration;
using City.Edge.Devices;
using static City.Edge.Configuration.ConfigChecks;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>Checks Edge:SerialLines and the modbus-tcp / modbus-rtu entries of Edge:Devices; every problem names its key.</summary>
internal static class ModbusConfigValidator
{
    public static List<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> entries, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(errors);
        var lines = ValidateSerialLines(edge.GetSection("SerialLines").Get<List<SerialLineOptions>>() ?? [], errors);
        var devices = new List<DeviceDefinition>();
        foreach (var (_, key, protocol, section) in entries)
        {
            var before = errors.Count;
            var device = section.Get<ModbusDeviceOptions>() ?? new ModbusDeviceOptions();
            RejectSnmpKeys(section, device, key, errors);
            SerialLineDefinition? line = null;
            if (protocol == ModbusDevice.RtuProtocol)
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
                var settings = line is null
                    ? new ModbusDeviceSettings(device.Host, device.Port ?? 502, (byte)device.UnitId, TimeSpan.FromMilliseconds(device.TimeoutMs ?? 1000))
                    : new ModbusDeviceSettings(string.Empty, 0, (byte)device.UnitId, line.Timeout, line);
                settings = settings with
                {
                    Limits = limits,
                    PauseAfterConnect = TimeSpan.FromMilliseconds(device.PauseAfterConnectMs),
                    PauseBetweenRequests = TimeSpan.FromMilliseconds(device.PauseBetweenRequestsMs),
                    Retries = device.Retries,
                };
                devices.Add(ModbusDevice.Create(device.Name, line is null ? ModbusDevice.TcpProtocol : ModbusDevice.RtuProtocol, points, device.Enabled, settings) with
                {
                    Profile = profile?.Name,
                });
            }
        }

        return devices;
    }

    /// <summary>Checks one point (its name is checked by the caller); null when it has errors, each added with its key.</summary>
    private static PointDefinition? ValidatePoint(ModbusPointOptions point, string pkey, string deviceName, PlanLimits limits, List<string> errors)
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
            Require(errors, SerialTransportNames.TryParse(line.Transport, out SerialTransportKind transport),
                $"{key}:Transport: must be auto, termios or portable (got '{line.Transport}')");
            if (errors.Count == before)
            {
                result[line.Name] = new SerialLineDefinition(line.Name, line.Port, line.BaudRate, parity, line.DataBits,
                    line.StopBits == 2 ? System.IO.Ports.StopBits.Two : System.IO.Ports.StopBits.One, TimeSpan.FromMilliseconds(line.TimeoutMs))
                {
                    Transport = transport,
                };
            }
        }

        return result;
    }

    /// <summary>The SNMP keys of Edge:Devices:N are errors on a Modbus device.</summary>
    private static void RejectSnmpKeys(IConfigurationSection section, ModbusDeviceOptions device, string key, List<string> errors)
    {
        foreach (var name in (string[])["Version", "Community", "User", "SecurityLevel", "AuthProtocol", "AuthPassword", "PrivProtocol", "PrivPassword", "MaxRepetitions"])
        {
            if (section[name] is not null)
            {
                errors.Add($"{key}:{name}: only an snmp device has a {name} (this one is '{device.Protocol}')");
            }
        }

        for (var p = 0; p < device.Points.Count; p++)
        {
            var point = section.GetSection($"Points:{p}");
            if (point["Oid"] is not null || point["Rows"] is not null || (bool.TryParse(point["Alarm"], out var alarm) && alarm))
            {
                errors.Add($"{key}:Points:{p}: Oid, Rows and Alarm are snmp settings (this device is '{device.Protocol}')");
            }
        }
    }
}
