using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Snmp;

/// <summary>The SNMP driver's plan document (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SnmpPlanDocument))]
internal sealed partial class SnmpJsonContext : JsonSerializerContext;
