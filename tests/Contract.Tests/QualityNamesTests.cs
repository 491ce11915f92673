using System.Reflection;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf.Reflection;

namespace City.Contract.Tests;

/// <summary>One spelling of qualities and values for every JSON the system prints (edge local API, edgectl, central API).</summary>
public sealed class QualityNamesTests
{
    public static TheoryData<Quality> EveryQuality() => new(Enum.GetValues<Quality>());

    [Theory]
    [MemberData(nameof(EveryQuality))]
    public void EveryQuality_HasTheProtoNameInLowerCaseWithDashes(Quality quality)
    {
        var protoName = typeof(Quality).GetField(quality.ToString())!.GetCustomAttribute<OriginalNameAttribute>()!.Name;

        Assert.StartsWith("QUALITY_", protoName, StringComparison.Ordinal);
        Assert.Equal(protoName["QUALITY_".Length..].ToLowerInvariant().Replace('_', '-'), QualityNames.Name(quality));
    }

    [Theory]
    [MemberData(nameof(EveryQuality))]
    public void EveryName_ParsesBackToItsQuality(Quality quality)
    {
        Assert.True(QualityNames.TryParse(QualityNames.Name(quality), out var parsed));
        Assert.Equal(quality, parsed);
    }

    [Fact]
    public void Names_AreDistinct() =>
        Assert.Equal(Enum.GetValues<Quality>().Length, Enum.GetValues<Quality>().Select(QualityNames.Name).Distinct(StringComparer.Ordinal).Count());

    [Theory]
    [InlineData(Quality.Good, "good")]
    [InlineData(Quality.CommLoss, "comm-loss")]
    [InlineData(Quality.TimestampOutOfWindow, "timestamp-out-of-window")]
    [InlineData((Quality)42, "42")]
    public void Name_SpellsTheApiName(Quality quality, string expected) => Assert.Equal(expected, QualityNames.Name(quality));

    [Theory]
    [InlineData("COMM_LOSS")]
    [InlineData("comm_loss")]
    [InlineData("42")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_OtherSpellings_AreRefused(string? text) => Assert.False(QualityNames.TryParse(text, out _));

    public static TheoryData<string, PointValue, string> Values() => new()
    {
        { "a number", PointValue.FromNumber(29.5), "29.5" },
        { "a whole number", PointValue.FromNumber(230), "230" },
        { "NaN (no value yet)", PointValue.FromNumber(double.NaN), "null" },
        { "an infinity", PointValue.FromNumber(double.NegativeInfinity), "null" },
        { "true", PointValue.FromBoolean(true), "true" },
        { "false", PointValue.FromBoolean(false), "false" },
        { "a text", PointValue.FromText("lamp-failed: gear 7"), "\"lamp-failed: gear 7\"" },
        { "an empty text", PointValue.FromText(string.Empty), "\"\"" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void JsonValue_IsANumberNullBooleanOrString(string description, PointValue value, string expectedJson) =>
        Assert.True(expectedJson == JsonSerializer.Serialize(PointValueJson.ToJsonValue(value)), description);
}
