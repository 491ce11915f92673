using System.Globalization;

namespace City.Sim.Dali;

/// <summary>
/// LED driver efficiency as a function of the light fraction (0..1]: points (fraction, efficiency) joined by straight
/// lines, flat beyond the first and the last point. Written <c>0.1:0.70,0.5:0.88,1:0.92</c>; a single number is a flat
/// curve (<c>1</c> = an ideal driver).
/// </summary>
internal sealed class DriverEfficiencyCurve
{
    private readonly (double Fraction, double Efficiency)[] _points;

    private DriverEfficiencyCurve((double Fraction, double Efficiency)[] points) => _points = points;

    public static DriverEfficiencyCurve Ideal { get; } = new([(1, 1)]);

    public IReadOnlyList<(double Fraction, double Efficiency)> Points => _points;

    /// <summary>Efficiency at <paramref name="fraction"/> of full light, linear between points.</summary>
    public double At(double fraction)
    {
        if (fraction <= _points[0].Fraction)
        {
            return _points[0].Efficiency;
        }

        for (int i = 1; i < _points.Length; i++)
        {
            var (f1, e1) = _points[i];
            if (fraction <= f1)
            {
                var (f0, e0) = _points[i - 1];
                return e0 + ((e1 - e0) * (fraction - f0) / (f1 - f0));
            }
        }

        return _points[^1].Efficiency;
    }

    /// <summary>Parses <c>F:E,F:E,...</c> (fractions strictly increasing in (0, 1], efficiencies in (0, 1]) or one efficiency.</summary>
    public static bool TryParse(string? text, out DriverEfficiencyCurve curve, out string error)
    {
        curve = Ideal;
        error = "";
        var items = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            error = "an efficiency curve needs at least one point (F:E, or one efficiency)";
            return false;
        }

        var points = new List<(double, double)>();
        foreach (var item in items)
        {
            var parts = item.Split(':', StringSplitOptions.TrimEntries);
            double fraction = 1;
            string efficiencyText = parts[^1];
            if (parts.Length > 2 || (parts.Length == 2 && !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out fraction)))
            {
                error = $"'{item}' is not FRACTION:EFFICIENCY";
                return false;
            }

            if (!double.TryParse(efficiencyText, NumberStyles.Float, CultureInfo.InvariantCulture, out double efficiency))
            {
                error = $"'{item}' has no efficiency number";
                return false;
            }

            if (parts.Length == 1 && items.Length > 1)
            {
                error = $"'{item}': with several points each is FRACTION:EFFICIENCY";
                return false;
            }

            if (!(fraction > 0 && fraction <= 1) || !(efficiency > 0 && efficiency <= 1))
            {
                error = $"'{item}': fraction and efficiency must be in (0, 1]";
                return false;
            }

            if (points.Count > 0 && fraction <= points[^1].Item1)
            {
                error = $"'{item}': fractions must increase";
                return false;
            }

            points.Add((fraction, efficiency));
        }

        curve = new DriverEfficiencyCurve([.. points]);
        return true;
    }

    public override string ToString() => string.Join(',', _points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Fraction}:{p.Efficiency}")));
}

/// <summary>
/// Input power of one simulated LED driver: light fraction x rated W / efficiency(fraction) + standby W, the fraction from
/// the DALI logarithmic dimming curve (0.1 % at arc level 1, 100 % at 254). Off (level 0) or a failed lamp: standby only.
/// </summary>
internal sealed record DaliPowerModel(double RatedWatts, double StandbyWatts, DriverEfficiencyCurve Efficiency)
{
    public const double DefaultStandbyWatts = 0.3;

    public static DaliPowerModel Ideal(double ratedWatts) => new(ratedWatts, DefaultStandbyWatts, DriverEfficiencyCurve.Ideal);

    /// <summary>Share of full light at an arc level: 10^((level-1)/(253/3) - 1) %, 0 when off.</summary>
    public static double LightFraction(byte level) => level == 0 ? 0 : Math.Pow(10, ((level - 1) / (253.0 / 3.0)) - 1) / 100.0;

    /// <summary>Input power at <paramref name="level"/>, W.</summary>
    public double InputWatts(byte level, bool lampFailed = false)
    {
        if (lampFailed || level == 0)
        {
            return StandbyWatts;
        }

        double fraction = LightFraction(level);
        return (fraction * RatedWatts / Efficiency.At(fraction)) + StandbyWatts;
    }
}
