using System.Net;
using City.Edge.Configuration;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Snmp;

/// <summary>How an SNMP object becomes a point value.</summary>
internal enum SnmpPointKind
{
    /// <summary>An integer, counter, gauge or timeticks, scaled; with a Bit, one bit of it (a bool).</summary>
    Number,

    /// <summary>An INTEGER read as a TruthValue: 1 is true, anything else false.</summary>
    Bool,

    /// <summary>An OCTET STRING as UTF-8 (other types as their text).</summary>
    Text,

    /// <summary>A BITS octet string (bit 0 = most significant bit of the first octet): the set bit numbers as text, or with a Bit one of them.</summary>
    Bits,

    /// <summary>The device's event point: alarm changes and traps as text.</summary>
    Event,
}

/// <summary>The SNMP side of a point: the instance OID read or written and, for a table row, its column and row.</summary>
internal sealed record SnmpPointSettings(Oid Oid, SnmpPointKind Kind, Oid? Column = null, uint? Row = null, bool Alarm = false);

/// <summary>A validated SNMP device: its agent (<see cref="SnmpEndpoint"/>) and the walk size.</summary>
internal sealed record SnmpDeviceSettings(SnmpEndpoint Endpoint, int MaxRepetitions)
{
    /// <summary>The manager's target for this device; the USM user (and its derived keys) is shared.</summary>
    public SnmpTarget Target() => Endpoint.Target();
}

/// <summary>Validates devices with <c>"Protocol": "snmp"</c> and Edge:Snmp; every problem names its key.</summary>
internal static class SnmpDeviceConfig
{
    public const string SnmpProtocol = "snmp";

    public const string EventPointPrefix = "snmp/";

    public static void ValidateEdge(SnmpEdgeOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        if (!string.IsNullOrWhiteSpace(options.TrapListen) && !IPEndPoint.TryParse(options.TrapListen, out _))
        {
            errors.Add($"{EdgeOptions.SectionName}:Snmp:TrapListen: must be address:port such as 127.0.0.1:10162 (got '{options.TrapListen}')");
        }
    }

    /// <summary>The event point id of a device: $edge/snmp/{device}/events.</summary>
    public static string EventPointName(string device) => $"{EventPointPrefix}{device}/events";

    public static DeviceDefinition? Validate(IConfigurationSection section, string key, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        var device = section.Get<SnmpDeviceOptions>() ?? new SnmpDeviceOptions();
        var before = errors.Count;
        var endpoint = SnmpEndpointConfig.Validate(device, key, "an snmp device", defaultRetries: 0, errors);
        Range(errors, $"{key}:MaxRepetitions", device.MaxRepetitions ?? 10, 1, 1000);
        if (section["Line"] is not null)
        {
            errors.Add($"{key}:Line: only a modbus-rtu device may set Line (this one is 'snmp')");
        }

        var points = new List<SnmpPoint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? profileName = null;
        // Each point with its key and, for the device's own points, its configuration entry (a profile's points have none).
        var all = new List<(SnmpPointOptions Point, string Key, IConfigurationSection? Entry)>();
        if (device.Profile is not null)
        {
            if (string.Equals(device.Profile, Ntcip1202Profile.Name, StringComparison.OrdinalIgnoreCase))
            {
                profileName = Ntcip1202Profile.Name;
                var profilePoints = Ntcip1202Profile.Points();
                all.AddRange(profilePoints.Select((p, i) => (p, $"{key}:Profile:{Ntcip1202Profile.Name}:Points:{i}", (IConfigurationSection?)null)));
            }
            else
            {
                errors.Add($"{key}:Profile: no snmp profile named '{device.Profile}' (known: {Ntcip1202Profile.Name})");
            }
        }

        all.AddRange(device.Points.Select((p, i) => (p, $"{key}:Points:{i}", (IConfigurationSection?)section.GetSection($"Points:{i}"))));
        if (all.Count == 0 && device.Profile is null)
        {
            errors.Add($"{key}:Points: a device needs at least one point (or a Profile)");
        }

        foreach (var (point, pkey, entry) in all)
        {
            if (!ConfigChecks.IsValidName(point.Name))
            {
                errors.Add($"{pkey}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{point.Name}')");
                continue;
            }

            if (!names.Add(point.Name))
            {
                errors.Add($"{pkey}:Name: '{point.Name}' is used by another point of device '{device.Name}'");
                continue;
            }

            points.AddRange(ValidatePoint(point, entry, pkey, device.Name, errors));
        }

        if (errors.Count > before || endpoint is null)
        {
            return null;
        }

        points.Add(new SnmpPoint("$edge", EventPointName(device.Name), new SnmpPointSettings(Oid.Parse("0.0"), SnmpPointKind.Event), PointType.Text,
            string.Empty, ConfigChecks.MaxPeriodMs, $"Events of SNMP device {device.Name}: alarm bits set/cleared and traps"));
        var full = new SnmpDeviceSettings(endpoint, device.MaxRepetitions ?? 10);
        return new DeviceDefinition(device.Name, SnmpProtocol, endpoint.Address.ToString(), points, device.Enabled)
        {
            Profile = profileName,
            Settings = full,
        };
    }

    private static IEnumerable<SnmpPoint> ValidatePoint(SnmpPointOptions point, IConfigurationSection? entry, string pkey, string deviceName, List<string> errors)
    {
        var before = errors.Count;
        Oid? oid = null;
        if (string.IsNullOrWhiteSpace(point.Oid) || !Oid.TryParse(point.Oid.TrimStart('.'), out var parsed))
        {
            errors.Add($"{pkey}:Oid: an snmp point needs an OID such as 1.3.6.1.4.1.1206.4.2.1.3.9.0 (got '{point.Oid}')");
        }
        else
        {
            oid = parsed;
        }

        var kind = SnmpPointKind.Number;
        switch (point.DataType?.Trim().ToLowerInvariant())
        {
            case null or "number": kind = SnmpPointKind.Number; break;
            case "bool": kind = SnmpPointKind.Bool; break;
            case "text": kind = SnmpPointKind.Text; break;
            case "bits": kind = SnmpPointKind.Bits; break;
            default: errors.Add($"{pkey}:DataType: an snmp point is number, bool, text or bits (got '{point.DataType}')"); break;
        }

        if (point.Bit is { } bit && (bit < 0 || bit > (kind == SnmpPointKind.Bits ? 1023 : 63) || kind is SnmpPointKind.Bool or SnmpPointKind.Text))
        {
            errors.Add($"{pkey}:Bit: applies to a number (0-63) or bits (0-1023) point (got {bit} on a {point.DataType ?? "number"})");
        }

        var isBool = kind == SnmpPointKind.Bool || point.Bit is not null;
        var numeric = kind == SnmpPointKind.Number && point.Bit is null;
        if (point.Scale is { } scale && (!double.IsFinite(scale) || scale == 0 || !numeric))
        {
            errors.Add($"{pkey}:Scale: a finite non-zero number, for number points only (got {scale})");
        }

        if (point.Offset is { } offset && (!double.IsFinite(offset) || !numeric))
        {
            errors.Add($"{pkey}:Offset: a finite number, for number points only (got {offset})");
        }

        if (point.Alarm && !isBool)
        {
            errors.Add($"{pkey}:Alarm: only a bool point (DataType bool, or a Bit) can be an alarm");
        }

        if (point.Writable && (point.Bit is not null || kind == SnmpPointKind.Bits || point.Rows is not null))
        {
            errors.Add($"{pkey}:Writable: only a scalar number, bool or text point can be written (not a Bit, bits or table column)");
        }

        if (point.Rows is { } rows && (rows < 1 || rows > 1024))
        {
            errors.Add($"{pkey}:Rows: must be 1-1024 (got {rows})");
        }

        // The Modbus keys, read from the entry itself: a profile's points have none.
        if (entry is not null && ((int.TryParse(entry["Register"], out var register) && register != -1)
            || (entry["Table"] is { } table && table != "holding") || entry["Length"] is not null || (entry["WordOrder"] is { } order && order != "ABCD")))
        {
            errors.Add($"{pkey}: Register, Table, Length and WordOrder are Modbus settings; an snmp point has an Oid");
        }

        Range(errors, $"{pkey}:PeriodMs", point.PeriodMs, ConfigChecks.MinPeriodMs, ConfigChecks.MaxPeriodMs);
        if ((point.Unit?.Length ?? 0) > 32)
        {
            errors.Add($"{pkey}:Unit: at most 32 characters");
        }

        if (errors.Count > before || oid is null)
        {
            yield break;
        }

        var type = isBool ? PointType.Boolean : kind is SnmpPointKind.Text or SnmpPointKind.Bits ? PointType.Text : PointType.Number;
        SnmpPoint Make(string name, SnmpPointSettings snmp, string description) =>
            new(deviceName, name, snmp, type, point.Unit ?? string.Empty, point.PeriodMs, description)
            {
                Scale = point.Scale ?? 1,
                Offset = point.Offset ?? 0,
                Bit = point.Bit,
                Writable = point.Writable,
            };

        if (point.Rows is { } count)
        {
            for (uint row = 1; row <= count; row++)
            {
                yield return Make($"{point.Name}/{row}", new SnmpPointSettings(oid.Append(row), kind, oid, row, point.Alarm), $"{point.Description} (row {row})".Trim());
            }
        }
        else
        {
            yield return Make(point.Name, new SnmpPointSettings(oid, kind, Alarm: point.Alarm), point.Description ?? string.Empty);
        }
    }

    private static void Range(List<string> errors, string key, long value, long min, long max) => SnmpEndpointConfig.Range(errors, key, value, min, max);
}
