using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.Modbus;

/// <summary>The Modbus keys of the "Edge" section and their types (<see cref="ModbusDeviceOptions"/>, <see cref="ModbusPointOptions"/> and <see cref="SerialLineOptions"/> mirrors them; a test checks).</summary>
internal static class ModbusConfigSchema
{
    public static ConfigSchema SerialLine { get; } = new(
        Text("Name"),
        Text("Port"),
        Integer("BaudRate", 300, 1_000_000),
        Text("Parity"),
        Integer("DataBits", 7, 8),
        Integer("StopBits", 1, 2),
        Integer("TimeoutMs", 10, 60_000),
        Text("Transport"));

    public static ProtocolConfigKeys Keys { get; } = new(
        [List("SerialLines", SerialLine)],
        [
            Text("Host"),
            Integer("Port", 1, 65535),
            Text("Line"),
            Integer("UnitId", 0, 255),
            Integer("TimeoutMs", 1, 600_000),
            Text("Profile"),
            Integer("MaxRegistersPerRequest", 1, 125),
            Integer("MaxBitsPerRequest", 1, 2000),
            Integer("MaxInsert", 0, 65535),
            Integer("PauseAfterConnectMs", 0, 60_000),
            Integer("PauseBetweenRequestsMs", 0, 60_000),
            Integer("Retries", 0, 10),
        ],
        [
            Integer("Register", 0, 65535),
            Text("Table"),
            Text("DataType"),
            Text("WordOrder"),
            Number("Scale"),
            Number("Offset"),
            Integer("Bit", 0, 63),
            Integer("Length", 1, 125),
        ]);
}
