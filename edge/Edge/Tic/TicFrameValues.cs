using City.Contract;
using City.Protocols.Tic;

namespace City.Edge.Tic;

/// <summary>Turns the groups of a frame into values of a meter's points (pure).</summary>
internal sealed class TicFrameValues
{
    private readonly Dictionary<string, List<TicPoint>> _byLabel;

    public TicFrameValues(IEnumerable<TicPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        _byLabel = points.Where(p => p.Label is not null).GroupBy(p => p.Label!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }

    /// <summary>
    /// The value of every point the frame's groups give: numbers for numeric labels (a group whose data is not a number is
    /// skipped), trimmed text, DATE as ISO text and clock-valid, STGE as hex text and one value per field. Groups whose label
    /// has no point (unknown to the specification, or of the other mode) give nothing.
    /// </summary>
    public IEnumerable<(TicPoint Point, PointValue Value)> Of(TicFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (TicGroup group in frame.Groups)
        {
            if (!_byLabel.TryGetValue(group.Label, out var points) || TicLabels.Find(frame.Mode, group.Label) is not { } label)
            {
                continue;
            }

            TicStatusRegister? status = label.Kind == TicValueKind.StatusRegister && TicStatusRegister.TryParse(group.Value, out var parsed) ? parsed : null;
            foreach (TicPoint point in points)
            {
                if (ValueOf(point, label, group, status) is { } value)
                {
                    yield return (point, value);
                }
            }
        }
    }

    private static PointValue? ValueOf(TicPoint point, TicLabel label, TicGroup group, TicStatusRegister? status)
    {
        switch (label.Kind)
        {
            case TicValueKind.Number:
                return label.TryGetNumber(group.Value, out long number) ? PointValue.FromNumber(number) : null;
            case TicValueKind.Date when group.Timestamp is { } date:
                return point.Name == TicDeviceConfig.ClockValidPoint ? PointValue.FromBoolean(date.ClockValid) : PointValue.FromText(date.ToString());
            case TicValueKind.StatusRegister when status is not null:
                if (point.StatusField is null)
                {
                    return PointValue.FromText(group.TrimmedValue.ToUpperInvariant());
                }

                return status.Fields().FirstOrDefault(f => f.Name == point.StatusField).Value switch
                {
                    bool flag => PointValue.FromBoolean(flag),
                    int integer => PointValue.FromNumber(integer),
                    string text => PointValue.FromText(text),
                    _ => null,
                };
            case TicValueKind.Text:
                return PointValue.FromText(group.TrimmedValue);
            default:
                return null;
        }
    }
}
