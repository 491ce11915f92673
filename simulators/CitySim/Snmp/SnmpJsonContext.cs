using System.Text.Json.Serialization;

namespace City.Sim.Snmp;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SnmpListening))]
[JsonSerializable(typeof(SnmpTrapSent))]
internal sealed partial class SnmpJsonContext : JsonSerializerContext;
