using City.Protocols.Dali;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>The simulated gear's memory banks 0, 1 and 205-207, read with the protocol library's D4i readers.</summary>
public class DaliD4iBankTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Each_gear_has_the_luminaires_gtin_and_its_own_serial_in_bank_1()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 4 });

        var first = await D4iReader.ReadIdentityAsync(client, 0);
        var third = await D4iReader.ReadIdentityAsync(client, 2);

        Assert.Equal((DaliSimGear.LuminaireGtin, "2400001", (byte?)1), (first.Value!.Gtin, first.Value.Serial, first.Value.SourceBank));
        Assert.Equal("2400003", third.Value!.Serial);
        Assert.Equal("4012345000016", DaliSimGear.LuminaireGtin); // GS1 check digit: 10 - (34 mod 10)
        Assert.Equal(60m, first.Value.Luminaire!.NominalPower.Value);
        Assert.Equal(2023m, first.Value.Luminaire.YearOfManufacture.Value);
        Assert.Empty(first.MissingBanks);
    }

    [Fact]
    public async Task Operating_time_follows_the_clock_and_on_time_and_starts_follow_the_lamp()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 2 });
        var before = (await D4iReader.ReadDiagnosticsAsync(client, 1)).Value!;
        Assert.Equal(6250.0, D4iDiagnostics.Hours(before.OperatingTime)!.Value, 3);
        Assert.Equal(new D4iQuantity(100_000, "h", D4iValueState.Valid), before.RatedLife);

        // Two hours lit, then off for three hours, then on again.
        _time.Advance(TimeSpan.FromHours(2));
        Assert.True((await client.ExecuteAsync(DaliGear.Off(DaliAddress.Short(1)))).BusWorked);
        _time.Advance(TimeSpan.FromHours(3));
        Assert.True((await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Short(1), 200))).BusWorked);
        var after = (await D4iReader.ReadDiagnosticsAsync(client, 1)).Value!;

        Assert.Equal(5.0, D4iDiagnostics.Hours(after.OperatingTime)!.Value - D4iDiagnostics.Hours(before.OperatingTime)!.Value, 2);
        Assert.Equal(2.0, D4iDiagnostics.Hours(after.LampOnTime)!.Value - D4iDiagnostics.Hours(before.LampOnTime)!.Value, 2);
        Assert.Equal(before.LampStartCount.Value + 1, after.LampStartCount.Value);
        Assert.Equal(before.GearStartCount.Value, after.GearStartCount.Value);
        Assert.Equal(line.Gear[1].LampStarts, (uint)after.LampStartCount.Value);
    }

    [Fact]
    public async Task The_latch_freezes_the_counters_until_the_next_latch()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 1 });
        await client.ExecuteAllAsync([DaliSpecial.Dtr1(D4iDiagnostics.GearBank), DaliGear.EnableWriteMemory(DaliAddress.Short(0)),
            DaliSpecial.Dtr0(DaliMemoryBank.LatchOffset), DaliSpecial.WriteMemoryLocationNoReply(DaliMemoryBank.LatchValue)]);
        _time.Advance(TimeSpan.FromHours(1));

        var frozen = await DaliMemoryBank.ReadAsync(client, 0, D4iDiagnostics.GearBank, D4iDiagnostics.GearFirst, D4iDiagnostics.GearLast);
        var fresh = (await D4iReader.ReadDiagnosticsAsync(client, 0)).Value!;

        Assert.Equal(6000.0, D4iDiagnostics.Hours(D4iDiagnostics.Decode(frozen.Image, [], []).OperatingTime)!.Value, 3);
        Assert.Equal(6001.0, D4iDiagnostics.Hours(fresh.OperatingTime)!.Value, 3);
    }

    [Fact]
    public async Task Gear_without_d4i_has_only_bank_0()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 4, NoD4iGear = [2] });

        var identity = await D4iReader.ReadIdentityAsync(client, 2);
        var diagnostics = await D4iReader.ReadDiagnosticsAsync(client, 2);
        var energy = await D4iEnergy.ReadAsync(client, 2);

        Assert.False(line.Gear[2].HasD4iBanks);
        Assert.Equal([(byte)1], identity.MissingBanks);
        Assert.Equal((DaliSimGear.DriverGtin, (byte?)0), (identity.Value!.Gtin, identity.Value.SourceBank));
        Assert.Null(diagnostics.Value);
        Assert.Equal([(byte)205, (byte)206, (byte)207], diagnostics.MissingBanks);
        Assert.Equal(D4iValueState.NotRead, energy.ActiveEnergy.State);
        Assert.True((await D4iReader.ReadDiagnosticsAsync(client, 3)).Value is not null);
    }

    [Theory]
    [InlineData("", 4, true, new int[0])]
    [InlineData("3,1", 4, true, new[] { 3, 1 })]
    [InlineData(" 0 , 2 ", 4, true, new[] { 0, 2 })]
    [InlineData("4", 4, false, new int[0])]
    [InlineData("1,1", 4, false, new int[0])]
    [InlineData("-1", 4, false, new int[0])]
    [InlineData("a", 4, false, new int[0])]
    public void No_d4i_gear_option_takes_distinct_positions_on_the_line(string text, int gear, bool valid, int[] expected)
    {
        Assert.Equal(valid, DaliLineCommand.TryParsePositions(text, gear, out var positions));
        if (valid)
        {
            Assert.Equal(expected, positions);
        }
    }

    private (DaliSimLine Line, DaliClient Client) Line(DaliLineSetup setup)
    {
        var line = new DaliSimLine(setup, _time);
        return (line, new DaliClient(new DirectLineMaster(line), _time));
    }
}
