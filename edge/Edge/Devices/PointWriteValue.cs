using System.Globalization;
using System.Text.Json;

namespace City.Edge.Devices;

/// <summary>A value to write, as given by the caller: a number (exact decimal when it fits), a boolean or a text.</summary>
internal readonly record struct PointWriteValue
{
    private PointWriteValue(JsonValueKind kind, decimal? exact, double number, bool boolean, string? text)
    {
        Kind = kind;
        Exact = exact;
        Number = number;
        Boolean = boolean;
        Text = text;
    }

    /// <summary>Number, True/False (boolean) or String.</summary>
    public JsonValueKind Kind { get; }

    /// <summary>The number as a decimal when it fits one (keeps 230.4 exact through the inverse scale).</summary>
    public decimal? Exact { get; }

    public double Number { get; }

    public bool Boolean { get; }

    public string? Text { get; }

    public static PointWriteValue FromNumber(double number) => new(JsonValueKind.Number, ToDecimal(number), number, false, null);

    public static PointWriteValue FromDecimal(decimal number) => new(JsonValueKind.Number, number, (double)number, false, null);

    public static PointWriteValue FromBoolean(bool value) => new(value ? JsonValueKind.True : JsonValueKind.False, null, value ? 1 : 0, value, null);

    public static PointWriteValue FromText(string text) => new(JsonValueKind.String, null, double.NaN, false, text);

    /// <summary>Reads a JSON number, boolean or string; anything else is an error.</summary>
    public static bool TryFromJson(JsonElement element, out PointWriteValue value, out string error)
    {
        error = string.Empty;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    value = default;
                    error = $"the number {element.GetRawText()} is not representable";
                    return false;
                }

                // The decimal keeps 230.4 exact through the inverse scale; one that underflowed to 0 is not the number.
                decimal? exact = element.TryGetDecimal(out var d) && (d != 0 || number == 0) ? d : null;
                value = new PointWriteValue(JsonValueKind.Number, exact, number, false, null);
                return true;
            case JsonValueKind.True or JsonValueKind.False:
                value = FromBoolean(element.ValueKind == JsonValueKind.True);
                return true;
            case JsonValueKind.String:
                value = FromText(element.GetString() ?? string.Empty);
                return true;
            default:
                value = default;
                error = $"the value must be a number, true/false or a string (got {element.ValueKind.ToString().ToLowerInvariant()})";
                return false;
        }
    }

    public override string ToString() => Kind switch
    {
        JsonValueKind.Number => Exact?.ToString(CultureInfo.InvariantCulture) ?? Number.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => JsonSerializer.Serialize(Text, CoreJsonContext.Default.String),
    };

    /// <summary>Through the shortest round-trip text: (decimal)double would round to 15 digits (2^53 would lose its last one).</summary>
    private static decimal? ToDecimal(double number)
    {
        if (!double.IsFinite(number)
            || !decimal.TryParse(number.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
            || (exact == 0 && number != 0))
        {
            return null;
        }

        return exact;
    }
}
