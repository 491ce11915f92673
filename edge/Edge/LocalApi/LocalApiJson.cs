using System.Text.Json.Serialization.Metadata;
using City.Edge.Devices;
using City.Edge.Lighting;

namespace City.Edge.LocalApi;

/// <summary>
/// The JSON types the local API can write: the core's, its own, the lighting's and each protocol driver's context, and
/// nothing reflection-based. The JIT build (tests, dotnet run) thus fails on a missing type exactly as the trimmed daemon would.
/// </summary>
internal static class LocalApiJson
{
    public static IJsonTypeInfoResolver Resolver(IEnumerable<IProtocolDriver> drivers) =>
        JsonTypeInfoResolver.Combine([CoreJsonContext.Default, LocalApiJsonContext.Default, LightingJsonContext.Default,
            .. drivers.Select(d => d.JsonTypes).OfType<IJsonTypeInfoResolver>()]);
}
