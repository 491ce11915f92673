using City.Contract;
using City.Edge.Buffer;
using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigChecks;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Devices;

/// <summary>
/// Binds and validates the configuration; every problem is reported with the key that holds it. The core checks the common
/// keys (gateway id, central, buffer, local API, device names) and hands each device to the driver of its protocol, which
/// checks the rest.
/// </summary>
internal static class EdgeConfigLoader
{
    public static bool TryLoad(IConfiguration configuration, IReadOnlyList<IProtocolDriver> drivers, out EdgeSettings settings, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        settings = null!;
        errors = [];
        var section = configuration.GetSection(EdgeOptions.SectionName);
        // Types first: the binder drops a list entry whose value does not convert (a device, a point) without a word.
        EdgeConfigSchema.For(drivers.Select(d => d.ConfigKeys)).Check(section, errors);
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

        var devices = Validate(options, section, drivers, errors);
        var site = SiteAndClockChecks.CheckSite(options.Site, errors);
        var clock = SiteAndClockChecks.CheckClock(options.Clock, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        settings = new EdgeSettings(options, devices) { Section = section, Site = site, Clock = clock };
        return true;
    }

    public static List<DeviceDefinition> Validate(EdgeOptions options, IConfigurationSection section, IReadOnlyList<IProtocolDriver> drivers, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(drivers);
        ArgumentNullException.ThrowIfNull(errors);
        const string root = EdgeOptions.SectionName;
        if (string.IsNullOrEmpty(options.GatewayId))
        {
            errors.Add($"{root}:GatewayId: missing; it has no default, every cabinet sets its own (e.g. \"GatewayId\": \"gw-017\" in the --config file, or --{root}:GatewayId=gw-017)");
        }
        else if (!GatewayIds.IsValid(options.GatewayId))
        {
            errors.Add($"{root}:GatewayId: must be 1-{GatewayIds.MaxLength} characters of A-Z a-z 0-9 . _ - (got '{options.GatewayId}')");
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
        CentralLinkChecks.Check(c, GatewayIds.IsValid(options.GatewayId) ? options.GatewayId : string.Empty, errors);
        CommandSigningKey.Check(options, errors);

        var b = options.Buffer ?? new BufferOptions();
        Require(errors, !string.IsNullOrWhiteSpace(b.Path), $"{root}:Buffer:Path: must not be empty");
        Require(errors, b.MaxBytes >= BatchBuffer.MinimumMaxBytes, $"{root}:Buffer:MaxBytes: must be at least {BatchBuffer.MinimumMaxBytes} (the buffer's files on disk, LiteDB log included; got {b.MaxBytes})");
        Range(errors, $"{root}:Buffer:FlushIntervalMs", b.FlushIntervalMs, 10, 600_000);
        Range(errors, $"{root}:Buffer:MaxReadingsPerBatch", b.MaxReadingsPerBatch, 1, 100_000);

        Range(errors, $"{root}:Reload:GracePeriodSeconds", (options.Reload ?? new ReloadOptions()).GracePeriodSeconds, 1, 3600);
        Range(errors, $"{root}:Metrics:ForwardPeriodSeconds", (options.Metrics ?? new MetricsOptions()).ForwardPeriodSeconds, 0, 86_400);

        var api = options.LocalApi ?? new LocalApiOptions();
        Require(errors, !string.IsNullOrWhiteSpace(api.SocketPath), $"{root}:LocalApi:SocketPath: must not be empty");
        if (!string.IsNullOrWhiteSpace(api.SocketPath))
        {
            // sun_path holds 108 bytes including the terminating zero.
            var full = System.IO.Path.GetFullPath(api.SocketPath);
            Require(errors, System.Text.Encoding.UTF8.GetByteCount(full) <= 107, $"{root}:LocalApi:SocketPath: the full path '{full}' is longer than the 107 bytes a Unix socket path allows");
        }

        var byProtocol = drivers.SelectMany(d => d.DeviceProtocols.Select(p => (Protocol: p, Driver: d))).ToDictionary(e => e.Protocol, e => e.Driver, StringComparer.Ordinal);
        var entries = drivers.ToDictionary(d => d, _ => new List<DeviceEntry>());
        var deviceNames = new HashSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < options.Devices.Count; d++)
        {
            var device = options.Devices[d];
            var key = $"{root}:Devices:{d}";
            if (!IsValidName(device.Name))
            {
                errors.Add($"{key}:Name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got '{device.Name}')");
            }
            else if (!deviceNames.Add(device.Name))
            {
                errors.Add($"{key}:Name: '{device.Name}' is used by another device");
            }

            // An entry without a Protocol is of the first protocol of the first driver (modbus-tcp).
            var protocol = device.Protocol is null ? drivers.SelectMany(x => x.DeviceProtocols).FirstOrDefault() ?? string.Empty : device.Protocol.Trim().ToLowerInvariant();
            if (byProtocol.TryGetValue(protocol, out var driver))
            {
                entries[driver].Add(new DeviceEntry(d, key, protocol, section.GetSection($"Devices:{d}")));
            }
            else
            {
                var known = byProtocol.Keys.Select(p => $"'{p}'").ToList();
                errors.Add($"{key}:Protocol: must be {string.Join(", ", known.Take(known.Count - 1))} or {known[^1]} (got '{device.Protocol}')");
            }
        }

        // Each driver checks its own sections and devices; the devices keep the order of Edge:Devices, and those a driver
        // configures in a section of its own (DALI lines) follow.
        var validated = drivers.SelectMany(driver => driver.Validate(section, entries[driver], errors)).ToList();
        var order = options.Devices.Select((device, index) => (device.Name, index)).GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().index, StringComparer.Ordinal);
        return validated.OrderBy(device => order.GetValueOrDefault(device.Name, int.MaxValue)).ToList();
    }
}
