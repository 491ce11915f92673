using System.Collections;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Tests;

internal static class TestConfig
{
    public static Dictionary<string, string?> Valid() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Edge:GatewayId"] = "gw-001",
        ["Edge:Central:Host"] = "127.0.0.1",
        ["Edge:Central:Port"] = "1883",

        // No broker is reached through this configuration: the TLS checks have tests of their own (CentralLinkConfigTests).
        ["Edge:Central:AllowPlain"] = "true",
        ["Edge:Buffer:Path"] = "data/edge-buffer.db",
        ["Edge:LocalApi:SocketPath"] = "data/edgectl.sock",
        ["Edge:Devices:0:Name"] = "meter1",
        ["Edge:Devices:0:Host"] = "127.0.0.1",
        ["Edge:Devices:0:Port"] = "5020",
        ["Edge:Devices:0:Points:0:Name"] = "voltage",
        ["Edge:Devices:0:Points:0:Register"] = "0",
        ["Edge:Devices:0:Points:0:Table"] = "input",
        ["Edge:Devices:0:Points:0:DataType"] = "float32",
        ["Edge:Devices:0:Points:1:Name"] = "current",
        ["Edge:Devices:0:Points:1:Register"] = "2",
        ["Edge:Devices:0:Points:1:Table"] = "input",
        ["Edge:Devices:0:Points:1:DataType"] = "float32",
        ["Edge:Devices:0:Points:2:Name"] = "energy",
        ["Edge:Devices:0:Points:2:Register"] = "6",
        ["Edge:Devices:0:Points:2:Table"] = "input",
        ["Edge:Devices:0:Points:2:DataType"] = "uint64",
    };

    public static IConfiguration Build(IDictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    public static (bool Ok, EdgeSettings Settings, List<string> Errors) Load(IDictionary<string, string?> values, IReadOnlyList<IProtocolDriver>? drivers = null)
    {
        var ok = EdgeConfigLoader.TryLoad(Build(values), drivers ?? EdgeProtocols.All, out var settings, out var errors);
        return (ok, settings, errors);
    }
}

/// <summary>A directory deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edge-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
