using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.LocalApi;

/// <summary>The documents of /v1/status, /v1/points, /v1/commands and a point write (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(IReadOnlyList<PointDocument>))]
[JsonSerializable(typeof(IReadOnlyList<CommandDocument>))]
[JsonSerializable(typeof(WriteResultDocument))]
internal sealed partial class LocalApiJsonContext : JsonSerializerContext;
