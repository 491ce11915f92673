using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.LocalApi;

/// <summary>The documents of /v1/status, /v1/points, /v1/commands, a point write and /v1/config (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(IReadOnlyList<PointDocument>))]
[JsonSerializable(typeof(IReadOnlyList<CommandDocument>))]
[JsonSerializable(typeof(WriteResultDocument))]
[JsonSerializable(typeof(ConfigStatusDocument))]
[JsonSerializable(typeof(ReloadDocument))]
internal sealed partial class LocalApiJsonContext : JsonSerializerContext;
