namespace City.Protocols.Talq;

/// <summary>The DALI logarithmic dimming curve between percent and arc level.</summary>
public static class DimmingCurve
{
    public static byte ArcLevel(double percent) => throw new NotImplementedException();

    public static double Percent(byte arcLevel) => throw new NotImplementedException();
}
