namespace City.Sim.Load;

/// <summary>
/// A slow sine around a base value plus a little noise, rounded to one or two decimals: what a power
/// or temperature point looks like at one reading per second.
/// </summary>
internal readonly record struct SmoothSignal(double Base, double Amplitude, double PeriodSeconds, double Phase, int Decimals)
{
    public static SmoothSignal ForPoint(int index, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var baseValue = 50 + random.Next(0, 2000);
        return new SmoothSignal(
            Base: baseValue,
            Amplitude: baseValue * (0.05 + (0.25 * random.NextDouble())),
            PeriodSeconds: 60 + random.Next(0, 900),
            Phase: random.NextDouble() * 2 * Math.PI,
            Decimals: index % 2 == 0 ? 1 : 2);
    }

    /// <summary>The value at <paramref name="seconds"/>; <paramref name="noise"/> in [-1, 1] adds a few least-significant steps.</summary>
    public double ValueAt(double seconds, double noise)
    {
        var step = Decimals == 1 ? 0.1 : 0.01;
        var raw = Base + (Amplitude * Math.Sin((2 * Math.PI * seconds / PeriodSeconds) + Phase)) + (3 * step * noise);
        return Math.Round(raw, Decimals, MidpointRounding.AwayFromZero);
    }
}
