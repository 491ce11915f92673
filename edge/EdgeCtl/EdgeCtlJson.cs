using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using City.EdgeCtl.Dali;

namespace City.EdgeCtl;

/// <summary>{"error": ...} on stdout for --json when a command fails.</summary>
internal sealed record ErrorOutput(string Error);

/// <summary>{"ok": true, "message": ...} on stdout for --json when a DALI command was sent.</summary>
internal sealed record OkOutput(bool Ok, string Message);

/// <summary>One varbind of <c>edgectl snmp get|walk --json</c>.</summary>
internal sealed record SnmpVarBindOutput(string Oid, string Type, string Value);

/// <summary>One sample of <c>edgectl metrics --json</c>.</summary>
internal sealed record MetricSampleOutput(string Name, string Type, Dictionary<string, string> Labels, double Value, string Help);

/// <summary>The body of POST /v1/dali/{line}/commands.</summary>
internal sealed record DaliCommandBody(string Target, string Command, int? Level, int? Scene);

/// <summary>
/// Every type edgectl writes as JSON, serialized through source-generated code: no reflection, so the trimmed and NativeAOT
/// builds print the same as the JIT one. A new JSON output is a record here and one <see cref="JsonSerializableAttribute"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(OkOutput))]
[JsonSerializable(typeof(List<SnmpVarBindOutput>))]
[JsonSerializable(typeof(List<MetricSampleOutput>))]
[JsonSerializable(typeof(DaliCommandBody))]
[JsonSerializable(typeof(IReadOnlyList<DaliScanRow>))]
[JsonSerializable(typeof(DaliCommissionSummary))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(string))]
internal sealed partial class EdgeCtlJsonContext : JsonSerializerContext;

/// <summary>The two output styles of edgectl: compact (one line) and indented, both leaving non-ASCII text unescaped.</summary>
internal static class EdgeCtlJson
{
    public static readonly EdgeCtlJsonContext Compact = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    });

    public static readonly EdgeCtlJsonContext Indented = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    });
}
