using System.Text.Json.Serialization;

namespace City.Protocols.Talq;

/// <summary>Source-generated System.Text.Json metadata for the TALQ shapes (camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TalqCalendar))]
[JsonSerializable(typeof(TalqControlProgram))]
[JsonSerializable(typeof(LightingSet))]
public sealed partial class TalqJsonContext : JsonSerializerContext;
