using System.CommandLine;
using City.Protocols.Dali;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>The simulated LED driver's power model (log curve, driver efficiency, standby) and the line's time scale.</summary>
public class DaliPowerModelTests
{
    private static readonly DriverEfficiencyCurve Losses = Parse("0.1:0.70,0.5:0.88,1:0.92");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("one flat efficiency", "0.9", 0.3, 0.9)]
    [InlineData("below the first point: flat", "0.1:0.70,1:0.92", 0.05, 0.70)]
    [InlineData("between points: linear", "0.1:0.70,0.5:0.90,1:0.92", 0.3, 0.80)]
    [InlineData("at the last point", "0.1:0.70,1:0.92", 1.0, 0.92)]
    public void The_efficiency_curve_is_linear_between_its_points(string description, string text, double fraction, double expected)
    {
        Assert.True(DriverEfficiencyCurve.TryParse(text, out var curve, out string error), $"{description}: {error}");
        Assert.Equal(expected, curve.At(fraction), 9);
    }

    [Theory]
    [InlineData("empty", "")]
    [InlineData("zero efficiency", "0")]
    [InlineData("above one", "1.2")]
    [InlineData("fractions not increasing", "0.5:0.9,0.2:0.8")]
    [InlineData("fraction zero", "0:0.5,1:0.9")]
    [InlineData("a bare number among points", "0.5:0.9,0.8")]
    [InlineData("not a number", "0.5:abc")]
    [InlineData("three parts", "0.1:0.2:0.3")]
    public void A_malformed_efficiency_curve_is_refused_with_a_reason(string description, string text)
    {
        Assert.False(DriverEfficiencyCurve.TryParse(text, out _, out string error), description);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Input_power_is_light_fraction_times_rated_over_efficiency_plus_standby()
    {
        var model = new DaliPowerModel(100, 0.5, Losses);
        Assert.Equal(0.5, model.InputWatts(0));
        Assert.Equal(0.5, model.InputWatts(254, lampFailed: true));
        Assert.Equal((100 / 0.92) + 0.5, model.InputWatts(254), 9);
        double half = DaliPowerModel.LightFraction(229); // the arc level of 50 % on the DALI log curve
        Assert.InRange(half, 0.49, 0.51);
        Assert.Equal((half * 100 / Losses.At(half)) + 0.5, model.InputWatts(229), 9);
        Assert.Equal(0.001, DaliPowerModel.LightFraction(1), 9);
    }

    [Fact]
    public async Task Energy_over_a_scaled_hour_at_a_fixed_level_equals_the_power_model()
    {
        var setup = new DaliLineSetup { Gear = 2, RatedWatts = 100, StandbyWatts = 0.5, DriverEfficiency = Losses, TimeScale = 1200 };
        var line = new DaliSimLine(setup, _time);
        var client = new DaliClient(new DirectLineMaster(line), _time);
        await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Short(0), 229));
        await client.ExecuteAsync(DaliGear.Off(DaliAddress.Short(1)));
        double before0 = line.With((g, now) => g[0].EnergyWh(now));
        double before1 = line.With((g, now) => g[1].EnergyWh(now));

        _time.Advance(TimeSpan.FromSeconds(3)); // 3 s real x 1200 = one hour on the gear's clock

        Assert.Equal(TimeSpan.FromHours(1), line.Now);
        Assert.Equal(setup.PowerModel.InputWatts(229), line.With((g, now) => g[0].EnergyWh(now)) - before0, 6);
        Assert.Equal(0.5, line.With((g, now) => g[1].EnergyWh(now)) - before1, 6);
        var d4i = await D4iEnergy.ReadAsync(client, 0);
        Assert.Equal(Math.Floor(setup.PowerModel.InputWatts(229)), (double)d4i.ActiveEnergy.Value);
    }

    [Fact]
    public async Task A_scaled_line_runs_fades_faster_but_keeps_send_twice_in_real_time()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 1, TimeScale = 100 }, _time);
        var client = new DaliClient(new DirectLineMaster(line), _time);
        var gear = DaliAddress.Short(0);
        await client.ConfigureWithDtr0Async(10, DaliGear.SetFadeTime(gear)); // 0.5 * sqrt(1024) = 16 s on the gear's clock
        Assert.Equal(10, line.Gear[0].FadeTime);
        await client.ExecuteAsync(DaliGear.DirectArcPower(gear, 54));
        _time.Advance(TimeSpan.FromSeconds(0.08)); // 8 s of gear time: half-way
        Assert.Equal((byte)154, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal((byte)54, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());

        var master = new DirectLineMaster(line);
        await client.ExecuteAsync(DaliSpecial.Dtr0(200));
        var setMax = DaliGear.SetMaxLevel(gear);
        await master.SendAsync(setMax.Frame, default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(150)); // 15 s of gear time, but 150 ms on the wire
        await master.SendAsync(setMax.Frame, default, CancellationToken.None);
        Assert.Equal(254, line.Gear[0].MaxLevel);
    }

    [Fact]
    public void The_dali_command_takes_the_power_model_and_the_time_scale_and_refuses_a_bad_curve()
    {
        var command = DaliLineCommand.Create(TimeProvider.System);
        var good = new RootCommand { command }.Parse(["dali", "--serial", "/dev/null", "--rated-watts", "80", "--standby-watts", "0.4",
            "--driver-efficiency", "0.1:0.7,1:0.9", "--time-scale", "1500"]);
        Assert.Empty(good.Errors);
        var legacy = new RootCommand { DaliLineCommand.Create(TimeProvider.System) }.Parse(["dali", "--serial", "/dev/null", "--watts", "80"]);
        Assert.Empty(legacy.Errors);
        var bad = new RootCommand { DaliLineCommand.Create(TimeProvider.System) }.Parse(["dali", "--serial", "/dev/null", "--driver-efficiency", "1:0.9,0.5:0.8"]);
        Assert.Contains(bad.Errors, e => e.Message.Contains("--driver-efficiency", StringComparison.Ordinal));
        var slow = new RootCommand { DaliLineCommand.Create(TimeProvider.System) }.Parse(["dali", "--serial", "/dev/null", "--time-scale", "0.5"]);
        Assert.NotEmpty(slow.Errors);
    }

    private static DriverEfficiencyCurve Parse(string text) =>
        DriverEfficiencyCurve.TryParse(text, out var curve, out string error) ? curve : throw new ArgumentException(error, nameof(text));
}
