using System.Globalization;
using City.Contract.Wire;

namespace City.Contract;

/// <summary>A reading's value: a number, a boolean or a short text, as the point's type says.</summary>
public readonly struct PointValue : IEquatable<PointValue>
{
    /// <summary>Longest text value the contract carries; longer texts are cut by <see cref="FromText"/>.</summary>
    public const int MaxTextLength = 256;

    private PointValue(PointType type, double number, string? text)
    {
        Type = type;
        Number = number;
        Text = text;
    }

    public PointType Type { get; }

    /// <summary>The number, or 1/0 for a boolean.</summary>
    public double Number { get; }

    public string? Text { get; }

    public bool Boolean => Number != 0;

    public static PointValue FromNumber(double number) => new(PointType.Number, number, null);

    public static PointValue FromBoolean(bool value) => new(PointType.Boolean, value ? 1 : 0, null);

    public static PointValue FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(PointType.Text, 0, text.Length > MaxTextLength ? text[..MaxTextLength] : text);
    }

    public bool Equals(PointValue other) =>
        Type == other.Type && Number.Equals(other.Number) && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is PointValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, Number, Text);

    public static bool operator ==(PointValue left, PointValue right) => left.Equals(right);

    public static bool operator !=(PointValue left, PointValue right) => !left.Equals(right);

    public override string ToString() => Type switch
    {
        PointType.Boolean => Boolean ? "true" : "false",
        PointType.Text => Text ?? string.Empty,
        _ => Number.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>One reading of one point: source timestamp (UTC, ms), value and quality.</summary>
public readonly record struct Reading(uint Alias, long TimestampUnixMs, PointValue Value, Quality Quality = Quality.Good);
