using System.Text.Json;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Edge.Lighting;
using City.Edge.LocalApi;
using City.Edge.Modbus;
using City.Edge.Snmp;

namespace City.Edge.Tests;

/// <summary>
/// The local API serializes only through source-generated contexts (the trimmed daemon has no reflection-based JSON): every
/// document it answers, and every driver's plan document, resolves from <see cref="LocalApiJson.Resolver"/> alone.
/// </summary>
public sealed class LocalApiJsonTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = LocalApiJson.Resolver(EdgeProtocols.All) };

    [Fact]
    public void EveryBuiltInDriver_BringsItsJsonTypes()
    {
        Assert.All(EdgeProtocols.All, driver => Assert.NotNull(driver.JsonTypes));
    }

    [Theory]
    [InlineData(typeof(StatusDocument))]
    [InlineData(typeof(IReadOnlyList<PointDocument>))]
    [InlineData(typeof(IReadOnlyList<CommandDocument>))]
    [InlineData(typeof(WriteResultDocument))]
    [InlineData(typeof(ErrorDocument))]
    [InlineData(typeof(LightingDocument))]
    [InlineData(typeof(List<DaliLineDocument>))]
    [InlineData(typeof(DaliPlanDocument))]
    [InlineData(typeof(DevicePlanDocument))]
    [InlineData(typeof(SnmpPlanDocument))]
    [InlineData(typeof(double))]
    [InlineData(typeof(bool))]
    [InlineData(typeof(string))]
    public void TheLocalApiResolver_KnowsTheDocument(Type type)
    {
        Assert.NotNull(Options.TypeInfoResolver!.GetTypeInfo(type, Options));
    }

    [Fact]
    public void APointsValue_IsWrittenByItsRuntimeType_WithoutReflection()
    {
        var points = new List<PointDocument>
        {
            new("meter1/power", 1, "W", 1234.5, "good", DateTimeOffset.FromUnixTimeMilliseconds(0)),
            new("tc1/alarm", 2, "", true, "good", DateTimeOffset.FromUnixTimeMilliseconds(0)),
            new("tc1/mode", 3, "", "flash", "good", DateTimeOffset.FromUnixTimeMilliseconds(0)),
        };

        var json = JsonSerializer.Serialize<IReadOnlyList<PointDocument>>(points, Options);

        Assert.Contains("\"value\":1234.5", json, StringComparison.Ordinal);
        Assert.Contains("\"value\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"value\":\"flash\"", json, StringComparison.Ordinal);
    }
}
