using City.Contract.Wire;

namespace City.Contract;

/// <summary>How a reading's value is written in every JSON the system prints (edge local API, edgectl, central API).</summary>
public static class PointValueJson
{
    /// <summary>
    /// What to serialize: a number as a JSON number (null for NaN, no value yet, and the infinities), a boolean as
    /// true/false, a text as a string.
    /// </summary>
    public static object? ToJsonValue(PointValue value) => value.Type switch
    {
        PointType.Boolean => value.Boolean,
        PointType.Text => value.Text ?? string.Empty,
        _ => double.IsFinite(value.Number) ? value.Number : null,
    };
}
