using Microsoft.Extensions.Configuration;
using City.Edge.Configuration;

namespace City.Edge.Devices;

/// <summary>The "Edge" section, bound and checked: every protocol's devices, with their points ready to poll.</summary>
internal sealed record EdgeSettings(EdgeOptions Options, IReadOnlyList<DeviceDefinition> Devices)
{
    /// <summary>The checked "Edge" section, where a protocol reads its own sections at run time (Edge:Snmp:TrapListen).</summary>
    public IConfigurationSection? Section { get; init; }

    /// <summary>The validated Edge:Site; null when not configured.</summary>
    public EdgeSite? Site { get; init; }

    /// <summary>The validated Edge:Clock; null: the DALI lines and the lighting run on the real clock.</summary>
    public EdgeClock? Clock { get; init; }
}

/// <summary>
/// A validated device of any protocol. <see cref="Protocol"/> names the protocol (modbus-tcp, modbus-rtu, snmp, dali...);
/// <see cref="Settings"/> holds what only that protocol reads (its driver's own record: unit id and serial line, SNMP
/// credentials, a DALI line's gear).
/// </summary>
internal sealed record DeviceDefinition(string Name, string Protocol, string Endpoint, IReadOnlyList<DevicePoint> Points, bool Enabled = true)
{
    public object? Settings { get; init; }

    /// <summary>The built-in profile the device's points start from, if any.</summary>
    public string? Profile { get; init; }

    /// <summary>The protocol's own settings; throws when the device belongs to another protocol.</summary>
    public T SettingsOf<T>()
        where T : class =>
        Settings as T ?? throw new InvalidOperationException($"device '{Name}' ({Protocol}) has no {typeof(T).Name}");

    /// <summary>The points of the protocol's own point type.</summary>
    public IReadOnlyList<T> PointsOf<T>()
        where T : DevicePoint => Points.OfType<T>().ToList();
}
