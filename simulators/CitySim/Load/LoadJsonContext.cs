using System.Text.Json.Serialization;

namespace City.Sim.Load;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LoadReport))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
