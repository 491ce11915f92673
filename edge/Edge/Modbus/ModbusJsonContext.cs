using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Modbus;

/// <summary>The Modbus driver's plan document (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DevicePlanDocument))]
internal sealed partial class ModbusJsonContext : JsonSerializerContext;

/// <summary>The embedded device profiles: any case, comments allowed, an unknown key is an error (a typo must not pass silently).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(DeviceProfile))]
internal sealed partial class DeviceProfileJsonContext : JsonSerializerContext;
