using City.Protocols.Tic;
using City.Sim.Tic;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>citysim tic's meter on a fake clock: indexes that follow the power, the tariff period's change, frames our decoder reads.</summary>
public sealed class TicMeterTests
{
    // 21:00 in Paris (winter time, UTC+1): peak hours until the off-peak period starts at 22:00.
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_peak_index_grows_until_22_00_then_the_off_peak_one_and_the_period_changes()
    {
        var time = new FakeTimeProvider(Start);
        var meter = new TicMeter(new TicMeterSetup { PowerVa = 2000 }, time);
        meter.Advance();
        var before = Groups(meter, TicMode.Historic);
        Assert.Equal("HP..", before["PTEC"]);

        time.Advance(TimeSpan.FromMinutes(59));
        meter.Advance();
        var peak = Groups(meter, TicMode.Historic);
        Assert.Equal("HP..", peak["PTEC"]);
        Assert.Equal(before["HCHC"], peak["HCHC"]);
        // 59 minutes at about 2000 VA x 0.95 (the load swings ±30 % over 10 minutes, which averages out over an hour).
        Assert.InRange(long.Parse(peak["HCHP"]) - long.Parse(before["HCHP"]), 1600, 2100);

        time.Advance(TimeSpan.FromMinutes(31));
        meter.Advance();
        var offPeak = Groups(meter, TicMode.Historic);
        Assert.Equal("HC..", offPeak["PTEC"]);
        Assert.InRange(long.Parse(offPeak["HCHC"]) - long.Parse(peak["HCHC"]), 700, 1200); // the 30 minutes after 22:00
        Assert.InRange(long.Parse(offPeak["HCHP"]) - long.Parse(peak["HCHP"]), 1, 100); // the minute before

        var standard = Groups(meter, TicMode.Standard);
        Assert.Equal("HEURE  CREUSE", standard["LTARF"].Trim());
        Assert.Equal("01", standard["NTARF"]);
        Assert.Equal(long.Parse(standard["EASF01"]) + long.Parse(standard["EASF02"]), long.Parse(standard["EAST"]));
        Assert.True(TicStatusRegister.TryParse(standard["STGE"], out var status));
        Assert.Equal((1, true, false), (status.SupplierTariffIndex, status.StandardTic, status.ClockDegraded));
    }

    [Fact]
    public void A_faster_meter_clock_moves_its_dates_and_indexes_faster()
    {
        var time = new FakeTimeProvider(Start);
        var meter = new TicMeter(new TicMeterSetup { PowerVa = 1000, TimeScale = 60 }, time);
        meter.Advance();
        time.Advance(TimeSpan.FromSeconds(60));
        meter.Advance();

        var frame = Decode(meter, TicMode.Standard);
        Assert.Equal("2026-01-15T22:00:00+01:00", frame.Find("DATE")!.Timestamp.ToString());
        Assert.True(frame.Find("DATE")!.Timestamp!.Value.ClockValid);
        Assert.InRange(meter.PeakWh - (long)new TicMeterSetup().InitialPeakWh, 600, 1300);
    }

    [Theory]
    [InlineData(TicMode.Historic, 11)]
    [InlineData(TicMode.Standard, 37)]
    public void Every_frame_reads_back_whole_and_a_fault_rate_of_one_spoils_every_checksum(TicMode mode, int groups)
    {
        var time = new FakeTimeProvider(Start);
        var meter = new TicMeter(new TicMeterSetup(), time);
        meter.Advance();
        var frame = Decode(meter, mode);
        Assert.Equal((mode, groups, 0), (frame.Mode, frame.Groups.Count, frame.BadGroups));

        var sender = new TicFrameSender(Stream.Null, meter, mode, badChecksumRate: 1, seed: 1, time);
        var spoiled = Assert.Single(new TicFrameDecoder().Feed(sender.Encode(meter.Frame(mode))));
        Assert.Equal((0, groups, 0), (spoiled.Groups.Count, spoiled.BadChecksums, spoiled.MalformedGroups));
        Assert.Equal(groups, sender.BadChecksums);
    }

    private static TicFrame Decode(TicMeter meter, TicMode mode) =>
        Assert.Single(new TicFrameDecoder().Feed(TicFrameEncoder.Encode(meter.Frame(mode), mode)));

    private static Dictionary<string, string> Groups(TicMeter meter, TicMode mode) =>
        Decode(meter, mode).Groups.ToDictionary(g => g.Label, g => g.Value);
}
