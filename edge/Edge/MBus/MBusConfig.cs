using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.MBus;
using Microsoft.Extensions.Configuration;

namespace City.Edge.MBus;

/// <summary>A validated line: where it is and how it is driven.</summary>
internal sealed record MBusLineDefinition(string Name, MBusSerialSettings Serial, int Retries);

/// <summary>A validated meter: its line and its address (primary, or secondary when <see cref="Secondary"/> is set).</summary>
internal sealed record MBusMeterSettings(MBusLineDefinition Line, byte? Primary, MBusSecondaryAddress? Secondary)
{
    public string Address => Secondary is { } s ? $"secondary {s.Identification}" : $"primary {Primary}";
}

/// <summary>
/// A point of a meter: the record it takes (the quantity's name as the decoder gives it, storage number, tariff, subunit,
/// function); its value is the record's (multiplier applied) x <see cref="Scale"/>; <see cref="RecordUnit"/> is the unit the
/// record must have (a meter reporting another unit for that quantity gives config-error readings, never a wrong number).
/// </summary>
internal sealed record MBusPoint(string Device, string Name, string Quantity, long Storage, int Tariff, int Subunit, MBusFunction Function, double Scale, string RecordUnit, string Unit, int PeriodMs, string Description)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public override PointType PointType => PointType.Number;

    public bool Matches(MBusRecord record) =>
        string.Equals(record.Quantity.Name, Quantity, StringComparison.OrdinalIgnoreCase)
        && record.StorageNumber == Storage && record.Tariff == Tariff && record.Subunit == Subunit && record.Function == Function;
}

/// <summary>Binds and checks Edge:MBusLines and the mbus entries of Edge:Devices.</summary>
internal static class MBusConfig
{
    public const string Protocol = "mbus";

    /// <summary>The SI unit the decoder gives each quantity a point may name (durations in seconds).</summary>
    public static IReadOnlyDictionary<string, string> QuantityUnits { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Energy"] = "Wh",
        ["Volume"] = "m3",
        ["Mass"] = "kg",
        ["On time"] = "s",
        ["Operating time"] = "s",
        ["Power"] = "W",
        ["Volume flow"] = "m3/h",
        ["Mass flow"] = "kg/h",
        ["Flow temperature"] = "°C",
        ["Return temperature"] = "°C",
        ["Temperature difference"] = "K",
        ["External temperature"] = "°C",
        ["Pressure"] = "bar",
        ["Voltage"] = "V",
        ["Current"] = "A",
        ["H.C.A."] = "",
        ["Fabrication No"] = "",
        ["Averaging duration"] = "s",
        ["Actuality duration"] = "s",
        ["Error flags"] = "",
    };

    public static Dictionary<string, MBusLineDefinition> ValidateLines(IConfigurationSection edge, List<string> errors)
    {
        var lines = new Dictionary<string, MBusLineDefinition>(StringComparer.Ordinal);
        var ports = new HashSet<string>(StringComparer.Ordinal);
        var options = edge.GetSection("MBusLines").Get<List<MBusLineOptions>>() ?? [];
        for (int i = 0; i < options.Count; i++)
        {
            var line = options[i];
            string key = $"Edge:MBusLines:{i}";
            int before = errors.Count;
            if (!ConfigChecks.IsValidName(line.Name))
            {
                errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{line.Name}')");
            }
            else if (lines.ContainsKey(line.Name))
            {
                errors.Add($"{key}:Name: another M-Bus line is named '{line.Name}'");
            }

            if (string.IsNullOrWhiteSpace(line.Port))
            {
                errors.Add($"{key}:Port: an M-Bus line needs its serial port (e.g. /dev/ttyUSB1)");
            }
            else if (!ports.Add(line.Port))
            {
                errors.Add($"{key}:Port: '{line.Port}' is used by another M-Bus line");
            }

            Range(errors, $"{key}:BaudRate", line.BaudRate, 300, 38_400);
            Range(errors, $"{key}:AnswerMarginMs", line.AnswerMarginMs, 0, 5_000);
            Range(errors, $"{key}:Retries", line.Retries, 0, 10);
            string parity = line.Parity.ToLowerInvariant();
            if (parity is not ("even" or "none"))
            {
                errors.Add($"{key}:Parity: must be even (8E1, EN 13757-2) or none (got '{line.Parity}')");
            }

            if (errors.Count == before)
            {
                var serial = new MBusSerialSettings(line.Port)
                {
                    BaudRate = line.BaudRate,
                    Parity = parity == "none" ? System.IO.Ports.Parity.None : System.IO.Ports.Parity.Even,
                    AnswerMargin = TimeSpan.FromMilliseconds(line.AnswerMarginMs),
                };
                lines[line.Name] = new MBusLineDefinition(line.Name, serial, line.Retries);
            }
        }

        return lines;
    }

    public static DeviceDefinition? ValidateDevice(DeviceEntry entry, IReadOnlyDictionary<string, MBusLineDefinition> lines, List<string> errors)
    {
        var device = entry.Section.Get<MBusDeviceOptions>() ?? new MBusDeviceOptions();
        string key = entry.Key;
        int before = errors.Count;
        MBusLineDefinition? line = null;
        if (device.Line is null || !lines.TryGetValue(device.Line, out line))
        {
            errors.Add($"{key}:Line: an mbus device needs the name of an Edge:MBusLines entry (got '{device.Line}'; configured: {(lines.Count == 0 ? "none" : string.Join(", ", lines.Keys))})");
        }

        MBusSecondaryAddress? secondary = null;
        if (device.PrimaryAddress is { } primary)
        {
            Range(errors, $"{key}:PrimaryAddress", primary, 0, MBusAddress.MaxPrimary);
        }

        if ((device.PrimaryAddress is null) == (device.SecondaryAddress is null))
        {
            errors.Add($"{key}:PrimaryAddress: an mbus device needs PrimaryAddress (0-250) or SecondaryAddress (8 digits or 16 hex digits), one of them");
        }
        else if (device.SecondaryAddress is { } text)
        {
            if (!MBusSecondaryAddress.TryParse(text, out var parsed) || parsed.Identification.Contains('F', StringComparison.Ordinal))
            {
                errors.Add($"{key}:SecondaryAddress: must be the 8 identification digits or 16 hex digits (id, manufacturer, version, medium), no wildcard digit (got '{text}')");
            }
            else
            {
                secondary = parsed;
            }
        }

        foreach (string foreign in (string[])["Host", "Port", "UnitId", "TimeoutMs"])
        {
            if (entry.Section[foreign] is not null)
            {
                errors.Add($"{key}:{foreign}: an mbus device is reached through its Line and its PrimaryAddress or SecondaryAddress, not {foreign}");
            }
        }

        var points = new List<DevicePoint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (device.Points.Count == 0)
        {
            errors.Add($"{key}:Points: a meter needs at least one point (a record to take)");
        }

        for (int i = 0; i < device.Points.Count; i++)
        {
            if (ValidatePoint(device.Name, device.Points[i], $"{key}:Points:{i}", names, errors) is { } point)
            {
                points.Add(point);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        var settings = new MBusMeterSettings(line!, device.PrimaryAddress is { } a ? (byte)a : null, secondary);
        return new DeviceDefinition(device.Name, Protocol, $"{line!.Serial.PortName} {settings.Address}", points, device.Enabled) { Settings = settings };
    }

    private static MBusPoint? ValidatePoint(string device, MBusPointOptions point, string key, HashSet<string> names, List<string> errors)
    {
        int before = errors.Count;
        if (!ConfigChecks.IsValidName(point.Name))
        {
            errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{point.Name}')");
        }
        else if (!names.Add(point.Name))
        {
            errors.Add($"{key}:Name: '{point.Name}' is used by another point of device '{device}'");
        }

        string? recordUnit = null;
        if (string.IsNullOrWhiteSpace(point.Quantity))
        {
            errors.Add($"{key}:Quantity: the record's quantity is required (one of: {string.Join(", ", QuantityUnits.Keys)})");
        }
        else if (!QuantityUnits.TryGetValue(point.Quantity, out recordUnit))
        {
            errors.Add($"{key}:Quantity: unknown quantity '{point.Quantity}' (one of: {string.Join(", ", QuantityUnits.Keys)})");
        }

        Range(errors, $"{key}:Storage", point.Storage, 0, 1_000_000);
        Range(errors, $"{key}:Tariff", point.Tariff, 0, 1_000);
        Range(errors, $"{key}:Subunit", point.Subunit, 0, 1_000);
        MBusFunction? function = point.Function.ToLowerInvariant() switch
        {
            "instantaneous" => MBusFunction.Instantaneous,
            "maximum" => MBusFunction.Maximum,
            "minimum" => MBusFunction.Minimum,
            "during-error" => MBusFunction.DuringError,
            _ => null,
        };
        if (function is null)
        {
            errors.Add($"{key}:Function: must be instantaneous, maximum, minimum or during-error (got '{point.Function}')");
        }

        if (point.Writable)
        {
            errors.Add($"{key}:Writable: M-Bus meters are read-only");
        }

        if (!double.IsFinite(point.Scale) || point.Scale == 0)
        {
            errors.Add($"{key}:Scale: must be a finite number other than 0");
        }

        if (point.Unit is not null && point.Unit != recordUnit && point.Scale == 1)
        {
            errors.Add($"{key}:Unit: the record's unit is '{recordUnit}'; a point in '{point.Unit}' needs the Scale that converts (e.g. 0.001 for Wh to kWh)");
        }

        if (point.PeriodMs is < ConfigChecks.MinPeriodMs or > ConfigChecks.MaxPeriodMs)
        {
            errors.Add($"{key}:PeriodMs: must be {ConfigChecks.MinPeriodMs}-{ConfigChecks.MaxPeriodMs} (got {point.PeriodMs})");
        }

        if (errors.Count > before)
        {
            return null;
        }

        string canonical = QuantityUnits.Keys.First(q => string.Equals(q, point.Quantity, StringComparison.OrdinalIgnoreCase));
        return new MBusPoint(device, point.Name, canonical, point.Storage, point.Tariff, point.Subunit, function!.Value, point.Scale, recordUnit!,
            point.Unit ?? recordUnit!, point.PeriodMs, point.Description);
    }

    private static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
        }
    }
}
