using System.Text.Json.Serialization;

namespace City.Sim.Snmp;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SnmpListening))]
[JsonSerializable(typeof(SnmpTrapSent))]
[JsonSerializable(typeof(PriorityDecision))]
internal sealed partial class SnmpJsonContext : JsonSerializerContext;
