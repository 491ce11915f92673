using System.Text.Json;
using System.Text.Json.Serialization;
using City.Edge.Configuration;

namespace City.Edge.Modbus;

/// <summary>A built-in point map for a kind of device, shipped inside the edge as an embedded JSON resource.</summary>
internal sealed class DeviceProfile
{
    public string Name { get; set; } = string.Empty;

    public string Description { get; set; } = string.Empty;

    public List<ModbusPointOptions> Points { get; set; } = [];
}

/// <summary>
/// The profiles a device can name with <c>"Profile"</c>: <c>sdm630</c> (Eastron SDM630 three-phase energy meter) and
/// <c>traffic-controller</c> (the citysim traffic controller's status/alarm map). Their points are validated like a
/// device's own points.
/// </summary>
internal static class DeviceProfiles
{
    private const string ResourcePrefix = "City.Edge.Profiles.";

    private static readonly Lazy<IReadOnlyDictionary<string, DeviceProfile>> All = new(Load);

    public static IReadOnlyCollection<string> Names => All.Value.Keys.Order(StringComparer.Ordinal).ToList();

    public static bool TryGet(string? name, out DeviceProfile profile)
    {
        profile = null!;
        return name is not null && All.Value.TryGetValue(name.Trim().ToLowerInvariant(), out profile!);
    }

    private static Dictionary<string, DeviceProfile> Load()
    {
        var assembly = typeof(DeviceProfiles).Assembly;
        var profiles = new Dictionary<string, DeviceProfile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded profile {resource} cannot be opened.");
            var profile = JsonSerializer.Deserialize(stream, DeviceProfileJsonContext.Default.DeviceProfile)
                ?? throw new InvalidOperationException($"Embedded profile {resource} is empty.");
            profiles.Add(profile.Name, profile);
        }

        return profiles;
    }
}
