using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Devices;

/// <summary>{"error": ...}: a local-API request refused before anything ran (no such device, a bad query).</summary>
internal sealed record ErrorDocument(string Error);

/// <summary>
/// The core's JSON types. The edge writes JSON only through source-generated contexts like this one (one per folder that
/// owns documents): the trimmed daemon has no reflection-based serializer. A value written as <c>object</c> (a point's value:
/// a number, a boolean or a text) is looked up by its runtime type, so those types are listed here too.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
