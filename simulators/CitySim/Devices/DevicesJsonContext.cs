using System.Text.Json.Serialization;

namespace City.Sim.Devices;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ListeningDevice))]
[JsonSerializable(typeof(SerialDevice))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;
