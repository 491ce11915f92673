namespace City.Edge.Configuration;

/// <summary>
/// The keys a protocol adds to the "Edge" section, with their types: sections of its own (Edge:SerialLines, Edge:Snmp...), and
/// its keys in an entry of Edge:Devices and in a point of one. <see cref="EdgeConfigSchema.For"/> puts them together.
/// </summary>
internal sealed record ProtocolConfigKeys(
    IReadOnlyList<ConfigSetting> Sections,
    IReadOnlyList<ConfigSetting> DeviceSettings,
    IReadOnlyList<ConfigSetting> PointSettings);
