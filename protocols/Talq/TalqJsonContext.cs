using System.Text.Json.Serialization;

namespace City.Protocols.Talq;

/// <summary>Source-generated System.Text.Json metadata for the TALQ shapes (camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TalqCalendar))]
[JsonSerializable(typeof(TalqControlProgram))]
[JsonSerializable(typeof(LightingSet))]
[JsonSerializable(typeof(List<TalqCalendar>))]
[JsonSerializable(typeof(List<TalqControlProgram>))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
public sealed partial class TalqJsonContext : JsonSerializerContext;

/// <summary>The context of the canonical form a set's version is computed over.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CanonicalLightingSet))]
internal sealed partial class TalqCanonicalContext : JsonSerializerContext;

/// <summary>What a set's version is computed over: the set without its version and issue time.</summary>
internal sealed class CanonicalLightingSet
{
    public int DayOffset { get; set; }

    public List<TalqCalendar> Calendars { get; set; } = [];

    public List<TalqControlProgram> ControlPrograms { get; set; } = [];

    public List<LightingAssignment> Assignments { get; set; } = [];
}
