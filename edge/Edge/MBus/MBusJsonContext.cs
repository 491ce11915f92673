using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.MBus;

/// <summary>The M-Bus driver's plan document (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MBusPlanDocument))]
internal sealed partial class MBusJsonContext : JsonSerializerContext;
