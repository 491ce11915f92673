using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Dali;

/// <summary>One line of an application/x-ndjson answer while a scan or commissioning runs.</summary>
internal sealed record DaliProgressLine(DaliProgress Progress);

/// <summary>The last line of an application/x-ndjson answer: the usual document (a scan or commissioning document).</summary>
internal sealed record DaliResultLine(object Result);

/// <summary>
/// The DALI driver's JSON: its plan document, /v1/dali and the maintenance runs (source-generated, see README "Trimming and
/// AOT"). Web defaults as the rest of the local API: camelCase out, any case and numbers in strings accepted in.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DaliPlanDocument))]
[JsonSerializable(typeof(List<DaliLineDocument>))]
[JsonSerializable(typeof(DaliCommandRequest))]
[JsonSerializable(typeof(DaliCommandResult))]
[JsonSerializable(typeof(DaliScanDocument))]
[JsonSerializable(typeof(DaliCommissionDocument))]
[JsonSerializable(typeof(DaliProgressLine))]
[JsonSerializable(typeof(DaliResultLine))]
internal sealed partial class DaliJsonContext : JsonSerializerContext;
