using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Tic;

/// <summary>The TIC driver's plan document (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TicPlanDocument))]
internal sealed partial class TicJsonContext : JsonSerializerContext;
