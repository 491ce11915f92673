using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Lighting;

/// <summary>The document of GET /v1/lighting (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LightingDocument))]
internal sealed partial class LightingJsonContext : JsonSerializerContext;
