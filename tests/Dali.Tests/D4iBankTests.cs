namespace City.Protocols.Dali.Tests;

/// <summary>
/// Memory banks 0, 1 (DALI part 251) and 205-207 (part 253). The layouts in the vectors follow python-dali
/// (sde1000/python-dali, dali/memory/info.py, oem.py, diagnostics.py and maintenance.py, which implement IEC 62386-102
/// section 9.10 and the DiiA specifications "DALI Part 251 - Memory Bank 1 Extension" and "DALI Part 253 - Diagnostics &amp;
/// Maintenance", version 1.1, October 2019); the bytes are this project's own examples.
/// </summary>
public class D4iBankTests
{
    // Bank 1 image from location 0: last location 0x77, indicator, lock byte, GTIN 4012345678901 (0x03A6 3270 5C35),
    // luminaire id 987654321 (0x3ADE68B1), content format 0x0003, year 24, week 37, 120 W nominal, 12 W at minimum dim.
    private const string Bank1 = "77 00 FF  03 A6 32 70 5C 35  00 00 00 00 3A DE 68 B1  00 03  18 25  00 78  00 0C";

    [Fact]
    public void Bank_1_gives_the_luminaire_gtin_serial_date_and_power()
    {
        var data = D4iLuminaireData.Decode(Hex.Parse(Bank1));

        Assert.Equal(4012345678901m, data.Gtin.Value);
        Assert.Equal(987654321m, data.IdentificationNumber.Value);
        Assert.Equal(3m, data.ContentFormat.Value);
        Assert.Equal(2024m, data.YearOfManufacture.Value);
        Assert.Equal(37m, data.WeekOfManufacture.Value);
        Assert.Equal(new D4iQuantity(120, "W", D4iValueState.Valid), data.NominalPower);
        Assert.Equal(new D4iQuantity(12, "W", D4iValueState.Valid), data.MinimumDimPower);
        // The image ends at 0x18: the light output (0x1D-0x1F) was not read.
        Assert.Equal(D4iValueState.NotImplemented, data.NominalLightOutput.State);

        var identity = D4iIdentity.From(data, null);
        Assert.Equal(("4012345678901", "987654321", (byte?)1), (identity.Gtin, identity.Serial, identity.SourceBank));
    }

    [Theory]
    [InlineData("unknown year and week (MASK)", "FF FF", D4iValueState.NotImplemented, D4iValueState.NotImplemented)]
    [InlineData("year 100 and week 0 are out of range", "64 00", D4iValueState.Invalid, D4iValueState.Invalid)]
    [InlineData("week 54 is out of range", "00 36", D4iValueState.Valid, D4iValueState.Invalid)]
    [InlineData("year 0 (2000), week 53", "00 35", D4iValueState.Valid, D4iValueState.Valid)]
    public void Bank_1_dates_outside_their_range_are_named(string description, string yearWeek, D4iValueState year, D4iValueState week)
    {
        var image = Hex.Parse(Bank1);
        Hex.Parse(yearWeek).CopyTo(image, 0x13);

        var data = D4iLuminaireData.Decode(image);

        Assert.True(year == data.YearOfManufacture.State, description);
        Assert.True(week == data.WeekOfManufacture.State, description);
    }

    [Fact]
    public void An_unprogrammed_bank_1_falls_back_to_the_gears_own_identity_in_bank_0()
    {
        // Factory default of bank 1: every value 0xFF.
        var blank = D4iLuminaireData.Decode(Hex.Parse("77 00 FF" + string.Concat(Enumerable.Repeat(" FF", 22))));
        Assert.Equal(D4iValueState.NotImplemented, blank.Gtin.State);

        // Bank 0 from location 0: last 0x1A, reserved, last bank 207, GTIN 0x0000 1234 5678 (305419896), firmware 2.1,
        // identification number 0x0102030405060708.
        var bank0 = DaliBank0Identity.Decode(Hex.Parse("1A 00 CF  00 00 12 34 56 78  02 01  01 02 03 04 05 06 07 08"));
        Assert.Equal(207m, bank0.LastMemoryBank.Value);
        Assert.Equal(513m, bank0.FirmwareVersion.Value);

        var identity = D4iIdentity.From(blank, bank0);

        Assert.Equal("0000305419896", identity.Gtin);
        Assert.Equal("72623859790382856", identity.Serial);
        Assert.Equal((byte?)0, identity.SourceBank);
    }

    [Fact]
    public void Bank_0_of_a_2009_gear_ends_at_0x0E_with_a_32_bit_number()
    {
        var bank0 = DaliBank0Identity.Decode(Hex.Parse("0E 00 00  00 00 00 00 00 2A  01 00  00 00 01 00"));

        Assert.Equal(42m, bank0.Gtin.Value);
        Assert.Equal(256m, bank0.IdentificationNumber.Value);
    }

    [Fact]
    public void No_identity_at_all_gives_nulls_not_zeros()
    {
        var bank0 = DaliBank0Identity.Decode(Hex.Parse("1A 00 00  00 00 00 00 00 00  00 00  00 00 00 00 00 00 00 00"));

        var identity = D4iIdentity.From(null, bank0);

        Assert.Equal((null, null, null), (identity.Gtin, identity.Serial, identity.SourceBank));
    }

    [Fact]
    public void Banks_205_to_207_give_hours_starts_and_rated_life()
    {
        // 205: last 0x1C, indicator, latch, version 1, operating time 0x01B77400 s (8000 h), 412 gear starts.
        var gear = Hex.Parse("1C 00 AA 01  01 B7 74 00  00 01 9C");
        // 206: last 0x20, ..., version 1, resettable starts, starts 1503 (0x0005DF), resettable on time, on time 14 400 000 s (4000 h).
        var lamp = Hex.Parse("20 00 AA 01  00 00 05  00 05 DF  00 00 00 10  00 DB BA 00");
        // 207: last 0x07, indicator, lock, version 1, rated life 100 (x 1000 h), reference temperature MASK, rated starts 500 (x 100).
        var maintenance = Hex.Parse("07 00 FF 01  64 FF 01 F4");

        var d = D4iDiagnostics.Decode(gear, lamp, maintenance);

        Assert.Equal(28_800_000m, d.OperatingTime.Value);
        Assert.Equal(8000.0, D4iDiagnostics.Hours(d.OperatingTime));
        Assert.Equal(412m, d.GearStartCount.Value);
        Assert.Equal(1503m, d.LampStartCount.Value);
        Assert.Equal(4000.0, D4iDiagnostics.Hours(d.LampOnTime));
        Assert.Equal(new D4iQuantity(100_000, "h", D4iValueState.Valid), d.RatedLife);
        Assert.Equal(50_000m, d.RatedLampStarts.Value);
    }

    [Theory]
    [InlineData("MASK: not implemented", "FF FF FF FF", D4iValueState.NotImplemented)]
    [InlineData("TMASK: temporarily unavailable", "FF FF FF FE", D4iValueState.TemporarilyUnavailable)]
    [InlineData("largest valid count", "FF FF FF FD", D4iValueState.Valid)]
    public void Diagnostic_counters_name_their_special_values(string description, string onTime, D4iValueState expected)
    {
        var lamp = Hex.Parse("20 00 AA 01  00 00 00  00 00 00  00 00 00 00" + onTime);

        var d = D4iDiagnostics.Decode([], lamp, []);

        Assert.True(expected == d.LampOnTime.State, description);
        Assert.Null(expected == D4iValueState.Valid ? null : D4iDiagnostics.Hours(d.LampOnTime));
        // Missing banks (empty images) leave their values not implemented.
        Assert.Equal(D4iValueState.NotImplemented, d.OperatingTime.State);
        Assert.Equal(D4iValueState.NotImplemented, d.RatedLife.State);
    }

    [Fact]
    public void Random_and_short_images_never_throw()
    {
        var random = new Random(251);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            _ = D4iLuminaireData.Decode(bytes);
            _ = DaliBank0Identity.Decode(bytes);
            _ = D4iIdentity.From(D4iLuminaireData.Decode(bytes), DaliBank0Identity.Decode(bytes));
            _ = D4iDiagnostics.Decode(bytes, bytes, bytes);
        }
    }
}
