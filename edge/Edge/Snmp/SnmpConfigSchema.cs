using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Snmp;

/// <summary>The SNMP keys of the "Edge" section and their types (<see cref="SnmpDeviceOptions"/>, <see cref="SnmpPointOptions"/> and <see cref="SnmpEdgeOptions"/> mirror them; a test checks).</summary>
internal static class SnmpConfigSchema
{
    public static ConfigSchema Snmp { get; } = new(Text("TrapListen"));

    public static ProtocolConfigKeys Keys { get; } = new(
        [Section("Snmp", Snmp)],
        [
            Text("Host"),
            Integer("Port", 1, 65535),
            Integer("TimeoutMs", 10, 60_000),
            Integer("Retries", 0, 10),
            Text("Profile"),
            Text("Version"),
            SecretText("Community"),
            Text("User"),
            Text("SecurityLevel"),
            Text("AuthProtocol"),
            SecretText("AuthPassword"),
            Text("PrivProtocol"),
            SecretText("PrivPassword"),
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
