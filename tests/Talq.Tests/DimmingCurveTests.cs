using City.Protocols.Talq;

namespace Talq.Tests;

public sealed class DimmingCurveTests
{
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.1, 1)]
    [InlineData(0.05, 1)]
    [InlineData(1.0, 85)]
    [InlineData(10.0, 170)]
    [InlineData(50.0, 229)]
    [InlineData(100.0, 254)]
    public void ArcLevel_follows_the_logarithmic_curve(double percent, int arcLevel)
    {
        Assert.Equal(arcLevel, DimmingCurve.ArcLevel(percent));
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.1)]
    [InlineData(254, 100.0)]
    public void Percent_gives_the_light_output_of_an_arc_level(int arcLevel, double percent)
    {
        Assert.Equal(percent, DimmingCurve.Percent((byte)arcLevel), 9);
    }

    [Fact]
    public void Percent_of_229_is_about_half_light()
    {
        Assert.InRange(DimmingCurve.Percent(229), 50.0, 51.0);
    }

    [Fact]
    public void Every_arc_level_survives_a_round_trip()
    {
        for (var level = 0; level <= 254; level++)
        {
            Assert.Equal(level, DimmingCurve.ArcLevel(DimmingCurve.Percent((byte)level)));
        }
    }

    [Fact]
    public void Mask_255_is_not_a_level()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DimmingCurve.Percent(255));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void ArcLevel_refuses_a_percent_outside_0_to_100(double percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DimmingCurve.ArcLevel(percent));
    }
}
