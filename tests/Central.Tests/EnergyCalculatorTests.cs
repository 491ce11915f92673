using City.Central.Energy;

namespace City.Central.Tests;

public sealed class EnergyCalculatorTests
{
    private const long Hour = EnergyCalculator.MsPerHour;
    private static readonly long T0 = 490_000 * Hour;

    [Fact]
    public void AddEnergy_ReadingsAcrossHours_DeltaSplitByTimeInEachHour()
    {
        var hours = new HourFigures[3];
        EnergyCalculator.AddEnergy([new(T0 + (Hour / 2), 1000), new(T0 + (Hour * 3 / 2), 1100), new(T0 + (Hour * 5 / 2), 1160)], 490_000, hours);

        Assert.Equal(50, hours[0].MeasuredWh, 9);
        Assert.Equal(50 + 30, hours[1].MeasuredWh, 9);
        Assert.Equal(30, hours[2].MeasuredWh, 9);
        Assert.All(hours, h => Assert.Equal(0, h.CounterResets));
    }

    [Fact]
    public void AddEnergy_CounterGoesDown_ResetCountedAndNewValueCountsFromZero()
    {
        var hours = new HourFigures[2];
        EnergyCalculator.AddEnergy([new(T0, 5000), new(T0 + (Hour / 2), 5020), new(T0 + Hour + (Hour / 2), 12)], 490_000, hours);

        Assert.Equal(20 + 6, hours[0].MeasuredWh, 9);
        Assert.Equal(6, hours[1].MeasuredWh, 9);
        Assert.Equal(0, hours[0].CounterResets);
        Assert.Equal(1, hours[1].CounterResets);
    }

    [Fact]
    public void AddEnergy_OnlyTheHoursAsked_PairsOutsideAddNothing()
    {
        var hours = new HourFigures[1];
        EnergyCalculator.AddEnergy([new(T0 - Hour, 0), new(T0 - 1, 100), new(T0 + Hour, 200), new(T0 + (2 * Hour), 900)], 490_000, hours);

        Assert.Equal(100, hours[0].MeasuredWh, 3);
    }

    [Fact]
    public void AddLevel_ReadingHoldsUntilTheNextAtMostOneHour()
    {
        var hours = new HourFigures[4];
        // Lit at 00:30, dimmed at 01:00 (still lit), nothing until 03:30 (the 01:00 reading holds to 02:00), off at 03:30.
        EnergyCalculator.AddLevel([new(T0 + (Hour / 2), 254), new(T0 + Hour, 100), new(T0 + (Hour * 7 / 2), 0)], 490_000, hours);

        Assert.Equal(1800, hours[0].LitSeconds, 9);
        Assert.Equal(3600, hours[1].LitSeconds, 9);
        Assert.Equal(0, hours[2].LitSeconds, 9);
        Assert.Equal(0, hours[3].LitSeconds, 9);
        Assert.True(hours[3].LevelCovered);
        Assert.False(hours[2].LevelCovered);
    }

    [Fact]
    public void AddLevel_TheNewestReadingHoldsOnlyUntilItWasReceived()
    {
        var hours = new HourFigures[2];
        // Lit at 00:30, received at 00:40: ten minutes lit so far, not the hour a reading may hold.
        EnergyCalculator.AddLevel([new(T0 + (Hour / 2), 254)], 490_000, hours, T0 + (Hour * 2 / 3));

        Assert.Equal(600, hours[0].LitSeconds, 9);
        Assert.Equal(0, hours[1].LitSeconds, 9);
    }

    [Fact]
    public void Merge_SameInstantTwice_KeepsOneReadingTheNewest()
    {
        var merged = EnergyCalculator.Merge([new(T0, 1), new(T0 + 10, 2)], [new(T0 + 10, 3), new(T0 + 5, 4)]);

        Assert.Equal([new EnergySample(T0, 1), new EnergySample(T0 + 5, 4), new EnergySample(T0 + 10, 3)], merged);
    }
}
