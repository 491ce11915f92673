namespace City.Protocols.Talq;

/// <summary>
/// The DALI logarithmic dimming curve (IEC 62386-102): arc level n in 1..254 gives 10^((n-1)/(253/3) - 1) percent of
/// full light, so 1 = 0.1 %, 254 = 100 % and each step is about 2.8 % more light than the one below; 0 is off.
/// </summary>
public static class DimmingCurve
{
    private const double StepsPerDecade = 253.0 / 3.0;

    /// <summary>The arc level closest on the curve to a light output; 0 % is off (0), any positive level at least 1.</summary>
    public static byte ArcLevel(double percent)
    {
        if (double.IsNaN(percent) || percent < 0 || percent > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a light level is 0-100 percent");
        }

        if (percent == 0)
        {
            return 0;
        }

        var level = Math.Round(1 + ((Math.Log10(percent) + 1) * StepsPerDecade), MidpointRounding.AwayFromZero);
        return (byte)Math.Clamp(level, 1, 254);
    }

    /// <summary>The light output, in percent of full, of an arc level (0 = off); 255 (MASK) is not a level.</summary>
    public static double Percent(byte arcLevel)
    {
        if (arcLevel == 255)
        {
            throw new ArgumentOutOfRangeException(nameof(arcLevel), arcLevel, "255 is DALI's MASK, not a level");
        }

        return arcLevel == 0 ? 0 : Math.Pow(10, ((arcLevel - 1) / StepsPerDecade) - 1);
    }
}
