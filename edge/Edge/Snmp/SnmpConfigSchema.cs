using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Snmp;

/// <summary>The SNMP keys of the "Edge" section and their types (<see cref="SnmpDeviceOptions"/> with the shared <see cref="SnmpEndpointSchema"/>, <see cref="SnmpPointOptions"/> and <see cref="SnmpEdgeOptions"/> mirror them; a test checks).</summary>
internal static class SnmpConfigSchema
{
    public static ConfigSchema Snmp { get; } = new(Text("TrapListen"));

    public static ProtocolConfigKeys Keys { get; } = new(
        [Section("Snmp", Snmp)],
        [
            .. SnmpEndpointSchema.DeviceKeys,
            Text("Profile"),
            Integer("MaxRepetitions", 1, 1000),
        ],
        [
            Text("Oid"),
            Integer("Rows", 1, 1024),
            Boolean("Alarm"),
            Text("DataType"),
            Number("Scale"),
            Number("Offset"),
            Integer("Bit", 0, 1023),
        ]);
}
