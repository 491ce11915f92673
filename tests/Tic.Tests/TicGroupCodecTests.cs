namespace City.Protocols.Tic.Tests;

public sealed class TicGroupCodecTests
{
    [Theory]
    // Historic mode, method 1: label SP data, not the separator before the checksum.
    [InlineData("ISOUSC 30", '9')]
    [InlineData("PTEC HPJB", 'P')]
    [InlineData("HHPHC A", ',')]
    public void The_historic_checksum_covers_label_separator_and_data(string covered, char expected) =>
        Assert.Equal((byte)expected, TicChecksum.Compute(TicVectors.Ascii(covered)));

    [Theory]
    // Standard mode, method 2: from the label through the HT before the checksum.
    [InlineData("ADSC\t041776199277\t", 'I')]
    [InlineData("DATE\tH200214230804\t\t", ';')]
    [InlineData("SMAXSN-1\tH200213085118\t09562\t", ' ')]
    public void The_standard_checksum_covers_everything_through_the_last_separator(string covered, char expected) =>
        Assert.Equal((byte)expected, TicChecksum.Compute(TicVectors.Ascii(covered)));

    [Fact]
    public void A_historic_group_whose_checksum_is_a_space_decodes()
    {
        // "PTEC HP.." sums to a checksum of SP: the body ends with two spaces.
        byte checksum = TicChecksum.Compute(TicVectors.Ascii("PTEC HP.."));
        Assert.Equal((byte)' ', checksum);
        Assert.Equal(TicGroupError.None, TicGroupCodec.TryDecode(TicVectors.Ascii("PTEC HP..  "), null, out var group, out var mode));
        Assert.Equal(TicMode.Historic, mode);
        Assert.Equal(new TicGroup("PTEC", "HP.."), group);
    }

    [Fact]
    public void A_standard_group_with_a_date_gives_the_date_its_season_and_the_value()
    {
        Assert.Equal(TicGroupError.None, TicGroupCodec.TryDecode(TicVectors.Ascii("SMAXSN\tH200214175135\t10802\t7"), null, out var group, out var mode));
        Assert.Equal(TicMode.Standard, mode);
        Assert.Equal("SMAXSN", group!.Label);
        Assert.Equal("10802", group.Value);
        var timestamp = group.Timestamp!.Value;
        Assert.Equal(TicSeason.Winter, timestamp.Season);
        Assert.True(timestamp.ClockValid);
        Assert.Equal(new DateTimeOffset(2020, 2, 14, 17, 51, 35, TimeSpan.FromHours(1)), timestamp.Time);
        Assert.Equal("2020-02-14T17:51:35+01:00", timestamp.ToString());
    }

    [Theory]
    [InlineData("E200714120000", TicSeason.Summer, true, "2020-07-14T12:00:00+02:00")]
    [InlineData("e200714120000", TicSeason.Summer, false, "2020-07-14T12:00:00+02:00")]
    [InlineData("H200114120000", TicSeason.Winter, true, "2020-01-14T12:00:00+01:00")]
    [InlineData("h200114120000", TicSeason.Winter, false, "2020-01-14T12:00:00+01:00")]
    [InlineData(" 200214060000", TicSeason.None, true, "2020-02-14T06:00:00")]
    public void A_date_carries_its_season_and_whether_the_clock_is_valid(string text, TicSeason season, bool valid, string iso)
    {
        Assert.True(TicTimestamp.TryParse(TicVectors.Ascii(text), out var timestamp));
        Assert.Equal((season, valid, iso), (timestamp.Season, timestamp.ClockValid, timestamp.ToString()));
        var written = new byte[TicTimestamp.Length];
        timestamp.Write(written);
        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(written));
    }

    [Theory]
    [InlineData("X200714120000")]
    [InlineData("E201314120000")]
    [InlineData("E200230120000")]
    [InlineData("E2007141200")]
    [InlineData("E20071412000A")]
    public void A_bad_date_is_refused(string text) => Assert.False(TicTimestamp.TryParse(TicVectors.Ascii(text), out _));

    [Fact]
    public void A_changed_digit_is_a_bad_checksum_and_a_missing_separator_is_malformed()
    {
        Assert.Equal(TicGroupError.BadChecksum, TicGroupCodec.TryDecode(TicVectors.Ascii("ISOUSC 31 9"), null, out _, out _));
        Assert.Equal(TicGroupError.BadChecksum, TicGroupCodec.TryDecode(TicVectors.Ascii("EAST\t021849107\t."), null, out _, out _));
        Assert.Equal(TicGroupError.Malformed, TicGroupCodec.TryDecode(TicVectors.Ascii("ISOUSC309"), null, out _, out _));
        Assert.Equal(TicGroupError.Malformed, TicGroupCodec.TryDecode(TicVectors.Ascii("isousc 30 9"), null, out _, out _));
        // A standard group read as historic (configured mode) is malformed, not taken apart at its spaces.
        Assert.Equal(TicGroupError.Malformed, TicGroupCodec.TryDecode(TicVectors.Ascii("ADSC\t041776199277\tI"), TicMode.Historic, out _, out _));
    }

    [Fact]
    public void Encoding_a_group_gives_the_recorded_bytes()
    {
        var buffer = new byte[64];
        int length = TicGroupCodec.Encode(new TicGroup("ISOUSC", "45"), TicMode.Historic, buffer);
        Assert.Equal("\nISOUSC 45 ?\r", System.Text.Encoding.ASCII.GetString(buffer, 0, length));
        TicTimestamp.TryParse(TicVectors.Ascii("H200214230000"), out var date);
        length = TicGroupCodec.Encode(new TicGroup("CCASN", "01650", date), TicMode.Standard, buffer);
        Assert.Equal("\nCCASN\tH200214230000\t01650\t5\r", System.Text.Encoding.ASCII.GetString(buffer, 0, length));
        length = TicGroupCodec.Encode(new TicGroup("DATE", "", date with { LocalTime = new DateTime(2020, 2, 14, 23, 8, 4) }), TicMode.Standard, buffer);
        Assert.Equal("\nDATE\tH200214230804\t\t;\r", System.Text.Encoding.ASCII.GetString(buffer, 0, length));
    }
}
