using System.Text.Json.Serialization;
using City.Sim.Devices;
using City.Sim.Load;

namespace City.Sim.Cli;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(ListeningDevice))]
[JsonSerializable(typeof(SerialDevice))]
[JsonSerializable(typeof(City.Sim.Snmp.SnmpListening))]
[JsonSerializable(typeof(City.Sim.Snmp.SnmpTrapSent))]
internal sealed partial class SimJsonContext : JsonSerializerContext;
