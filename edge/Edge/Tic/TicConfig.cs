using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Tic;
using Microsoft.Extensions.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Tic;

/// <summary>The TIC keys of an entry of Edge:Devices and their types (<see cref="TicDeviceOptions"/> mirrors them).</summary>
internal static class TicConfigSchema
{
    public static ProtocolConfigKeys Keys { get; } = new(
        [],
        [Text("SerialPort"), Text("Mode"), Integer("PublishPeriodMs", TicDeviceConfig.MinPublishPeriodMs, ConfigChecks.MaxPeriodMs)],
        []);
}

/// <summary>Edge:Devices:N of a TIC meter, as bound.</summary>
internal sealed class TicDeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    /// <summary>The serial port the meter's TIC output (terminals I1, I2) is wired to through its demodulator.</summary>
    public string SerialPort { get; set; } = string.Empty;

    /// <summary>auto (default), historic or standard.</summary>
    public string Mode { get; set; } = "auto";

    public int PublishPeriodMs { get; set; } = TicDeviceConfig.DefaultPublishPeriodMs;

    /// <summary>Bound only to be refused: a meter's points come from its labels.</summary>
    public List<TicPointOptions> Points { get; set; } = [];
}

/// <summary>The common keys of a point (a tic device lists none; see <see cref="TicDeviceOptions.Points"/>).</summary>
internal sealed class TicPointOptions
{
    public string Name { get; set; } = string.Empty;

    public bool Writable { get; set; }

    public string Unit { get; set; } = string.Empty;

    public int PeriodMs { get; set; }

    public string Description { get; set; } = string.Empty;
}

/// <summary>A validated TIC meter: its port, its mode (null: told by the line) and how often its latest values are published.</summary>
internal sealed record TicDeviceSettings(string SerialPort, TicMode? Mode, TimeSpan PublishPeriod);

/// <summary>
/// A point of a TIC meter: a label's value (<see cref="Label"/>), a field of the STGE status register
/// (<see cref="StatusField"/>), or one of the line's own counters.
/// </summary>
internal sealed record TicPoint(string Device, string Name, PointType Type, string Unit, int PeriodMs, string Description)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public override PointType PointType => Type;

    /// <summary>The TIC label this point shows, if any.</summary>
    public string? Label { get; init; }

    /// <summary>The STGE field this point shows (<see cref="TicStatusRegister.Fields"/>), if any.</summary>
    public string? StatusField { get; init; }
}

/// <summary>Binds and checks a TIC device and builds its points from the labels of its mode.</summary>
internal static class TicDeviceConfig
{
    public const string Protocol = "tic";
    public const int MinPublishPeriodMs = 1000;
    public const int DefaultPublishPeriodMs = 10_000;

    /// <summary>Points of the line itself.</summary>
    public const string ModePoint = "mode";
    public const string FramesPoint = "frames";
    public const string BadChecksumsPoint = "bad-checksums";
    public const string MalformedGroupsPoint = "malformed-groups";
    public const string DatePoint = "date";
    public const string ClockValidPoint = "clock-valid";
    public const string StatusPrefix = "stge.";

    private static readonly string[] ForeignKeys =
    [
        "Host", "Port", "UnitId", "Line", "TimeoutMs", "Profile", "MaxRegistersPerRequest", "MaxBitsPerRequest", "MaxInsert",
        "PauseAfterConnectMs", "PauseBetweenRequestsMs", "Retries", "Version", "Community", "User", "SecurityLevel",
        "AuthProtocol", "AuthPassword", "PrivProtocol", "PrivPassword", "MaxRepetitions",
    ];

    public static DeviceDefinition? Validate(DeviceEntry entry, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(errors);
        var key = entry.Key;
        var options = entry.Section.Get<TicDeviceOptions>() ?? new TicDeviceOptions();
        int before = errors.Count;
        foreach (string name in ForeignKeys)
        {
            if (entry.Section[name] is not null)
            {
                errors.Add(name == "Port"
                    ? $"{key}:Port: a tic device names its serial port in SerialPort"
                    : $"{key}:{name}: not a setting of a tic device (a meter's TIC output takes SerialPort, Mode and PublishPeriodMs)");
            }
        }

        if (options.Points.Count > 0 || entry.Section.GetSection("Points").GetChildren().Any())
        {
            errors.Add($"{key}:Points: a tic device's points come from the labels of its mode (see edge/README.md, \"Linky TIC meters\"); list none");
        }

        if (string.IsNullOrWhiteSpace(options.SerialPort))
        {
            errors.Add($"{key}:SerialPort: required (the serial port the meter's TIC output is wired to, e.g. /dev/ttyAMA0)");
        }

        TicMode? mode = null;
        if (!string.Equals(options.Mode, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (TicModes.TryParse(options.Mode, out TicMode parsed) && options.Mode.Trim().ToLowerInvariant() is "historic" or "standard")
            {
                mode = parsed;
            }
            else
            {
                errors.Add($"{key}:Mode: must be auto, historic or standard (got '{options.Mode}')");
            }
        }

        if (options.PublishPeriodMs is < MinPublishPeriodMs or > ConfigChecks.MaxPeriodMs)
        {
            errors.Add($"{key}:PublishPeriodMs: must be {MinPublishPeriodMs}-{ConfigChecks.MaxPeriodMs} (got {options.PublishPeriodMs})");
        }

        if (errors.Count != before)
        {
            return null;
        }

        var settings = new TicDeviceSettings(options.SerialPort, mode, TimeSpan.FromMilliseconds(options.PublishPeriodMs));
        return new DeviceDefinition(options.Name, Protocol, $"serial://{options.SerialPort}", Points(options.Name, settings), options.Enabled) { Settings = settings };
    }

    /// <summary>
    /// The points of a meter: one per label of its mode (of both modes when the mode is told by the line), named by the label
    /// in lower case ("+1", tomorrow, written "-next": NJOURF+1 is njourf-next), DATE as its ISO time and clock-valid,
    /// STGE as its hex text and one point per field, and the line's own mode, frames and dropped-group counters.
    /// </summary>
    public static IReadOnlyList<DevicePoint> Points(string device, TicDeviceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int period = (int)settings.PublishPeriod.TotalMilliseconds;
        var points = new List<DevicePoint>
        {
            new TicPoint(device, ModePoint, PointType.Text, "", period, "TIC mode the meter sends in (historic or standard)"),
            new TicPoint(device, FramesPoint, PointType.Number, "frames", period, "whole frames received since the edge started listening"),
            new TicPoint(device, BadChecksumsPoint, PointType.Number, "groups", period, "groups dropped for a bad checksum since the edge started listening"),
            new TicPoint(device, MalformedGroupsPoint, PointType.Number, "groups", period, "groups dropped as malformed since the edge started listening"),
        };
        IEnumerable<TicLabel> labels = settings.Mode is { } mode ? TicLabels.Of(mode) : TicLabels.Of(TicMode.Historic).Concat(TicLabels.Of(TicMode.Standard));
        foreach (TicLabel label in labels.OrderBy(l => l.Mode).ThenBy(l => l.Name, StringComparer.Ordinal))
        {
            string description = $"{label.Name}: {label.Description} ({label.Mode.Name()} mode)";
            switch (label.Kind)
            {
                case TicValueKind.Date:
                    points.Add(new TicPoint(device, DatePoint, PointType.Text, "", period, description + ", ISO 8601 with the season's offset") { Label = label.Name });
                    points.Add(new TicPoint(device, ClockValidPoint, PointType.Boolean, "", period, "the meter's clock is valid (DATE's season flag in upper case)") { Label = label.Name });
                    break;
                case TicValueKind.StatusRegister:
                    points.Add(new TicPoint(device, PointName(label.Name), PointType.Text, "", period, description + ", 8 hex digits") { Label = label.Name });
                    foreach ((string field, object sample) in new TicStatusRegister(0).Fields())
                    {
                        var type = sample switch
                        {
                            bool => PointType.Boolean,
                            int => PointType.Number,
                            _ => PointType.Text,
                        };
                        points.Add(new TicPoint(device, StatusPrefix + field, type, "", period, $"STGE field {field}") { Label = label.Name, StatusField = field });
                    }

                    break;
                default:
                    points.Add(new TicPoint(device, PointName(label.Name), label.Kind == TicValueKind.Number ? PointType.Number : PointType.Text, label.Unit, period, description)
                    {
                        Label = label.Name,
                    });
                    break;
            }
        }

        return points;
    }

    /// <summary>The point name of a label: lower case, "+1" written "-next" (NJOURF+1: njourf-next).</summary>
    public static string PointName(string label) => (label ?? string.Empty).Replace("+1", "-next", StringComparison.Ordinal).ToLowerInvariant();
}
