using City.Protocols.MBus;

namespace City.MBus.Tests;

public sealed class VariableDataTests
{
    private static MBusTelegram Decode(string hex)
    {
        byte[] bytes = Hex.Parse(hex);
        Assert.Equal(System.Buffers.OperationStatus.Done, MBusFraming.TryRead(bytes, out var frame, out _, out _));
        Assert.True(MBusVariableData.TryDecode(frame, out var telegram, out string error), error);
        return telegram!;
    }

    [Fact]
    public void The_documentation_example_header_and_records()
    {
        var telegram = Decode(FramingTests.DocumentationExample);
        Assert.Equal("12345678", telegram.Header.Identification);
        Assert.Equal("PAD", telegram.Header.Manufacturer);
        Assert.Equal((byte)1, telegram.Header.Version);
        Assert.Equal("Water", telegram.Header.MediumName);
        Assert.Equal(0x55, telegram.Header.AccessNumber);
        Assert.Null(telegram.Error);
        Assert.Equal(3, telegram.Records.Count);

        var volume = telegram.Records[0];
        Assert.Equal(("Volume", "m3", 12.565), (volume.Quantity.Name, volume.Unit, volume.Value));
        Assert.Equal(MBusDataCoding.Int24, volume.Coding);

        var flow = telegram.Records[1];
        Assert.Equal(("Volume flow", "m3/h", 0.113), (flow.Quantity.Name, flow.Unit, flow.Value));
        Assert.Equal(MBusFunction.Maximum, flow.Function);
        Assert.Equal(5, flow.StorageNumber);

        var energy = telegram.Records[2];
        Assert.Equal(("Energy", "Wh", 218370.0), (energy.Quantity.Name, energy.Unit, energy.Value));
        Assert.Equal((0L, 2, 1), (energy.StorageNumber, energy.Tariff, energy.Subunit));
        Assert.Equal("8B6004", energy.Header);
    }

    [Theory]
    [InlineData("78 56 34 12", 12345678L)]
    [InlineData("12 F0", -12L)]
    [InlineData("99", 99L)]
    public void Bcd_type_a_with_a_negative_sign_nibble(string hex, long expected)
    {
        Assert.True(MBusDataTypes.TryBcd(Hex.Parse(hex), out long value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void An_invalid_bcd_digit_gives_no_value()
    {
        Assert.False(MBusDataTypes.TryBcd(Hex.Parse("1A 00"), out _));
    }

    [Theory]
    [InlineData("FF", -1L)]
    [InlineData("00 80", -32768L)]
    [InlineData("FF FF 7F", 8388607L)]
    [InlineData("01 00 00 00 00 80", -140737488355327L)]
    public void Integers_type_b_are_twos_complement(string hex, long expected)
    {
        Assert.Equal(expected, MBusDataTypes.SignedInteger(Hex.Parse(hex)));
    }

    [Fact]
    public void Dates_type_g_f_and_i()
    {
        // 2012-01-13 16:34 (type F, as abb_f95 of libmbus's corpus: 22 10 8D 11).
        var f = MBusDataTypes.DateFields(Hex.Parse("22 10 8D 11"))!.Value;
        Assert.Equal(new DateTime(2012, 1, 13, 16, 34, 0), f.ToDateTime());
        // 2010-12-31 (type G, kamstrup_multical_601: 5F 1C).
        Assert.Equal(new DateTime(2010, 12, 31), MBusDataTypes.DateFields(Hex.Parse("5F 1C"))!.Value.ToDateTime());
        // Type I with seconds: 2026-12-05 08:30:15.
        var i = MBusDataTypes.DateFields(Hex.Parse("0F 1E 08 45 3C 00"))!.Value;
        Assert.Equal(new DateTime(2026, 12, 5, 8, 30, 15), i.ToDateTime());
        // The invalid bit (IV) set: the fields stay, the time does not.
        Assert.Null(MBusDataTypes.DateFields(Hex.Parse("A2 10 8D 11"))!.Value.ToDateTime());
        Span<byte> written = stackalloc byte[4];
        MBusDataTypes.WriteDateTimeF(new DateTime(2012, 1, 13, 16, 34, 0), written);
        Assert.Equal(Hex.Parse("22 10 8D 11"), written.ToArray());
    }

    [Fact]
    public void Manufacturer_specific_data_and_fillers_are_skipped_cleanly()
    {
        var address = new MBusSecondaryAddress(0x12345678, MBusSecondaryAddress.PackManufacturer("ABC"), 1, MBusMedium.Water);
        var data = new MBusTelegramWriter(address, 7).Integer(MBusDataCoding.Int32, 0x13, 1234).ToArray().ToList();
        data.Add(0x2F);
        data.Add(0x2F);
        data.AddRange(new MBusTelegramWriter(address, 7).Bcd(MBusDataCoding.Bcd8, 0x06, 42, storage: 3).ToArray()[12..]);
        data.AddRange(new byte[] { 0x1F, 0xDE, 0xAD, 0x0F });
        Assert.True(MBusVariableData.TryDecode(0x72, data.ToArray(), out var telegram, out _));
        Assert.Equal(2, telegram!.Records.Count);
        Assert.Equal(1.234, telegram.Records[0].Value);
        Assert.Equal((42000.0, "Wh", 3L), (telegram.Records[1].Value!.Value, telegram.Records[1].Unit, telegram.Records[1].StorageNumber));
        Assert.True(telegram.MoreRecordsFollow);
        Assert.Equal(Hex.Parse("DE AD 0F"), telegram.ManufacturerData.ToArray());
    }

    [Fact]
    public void What_the_writer_builds_decodes_back()
    {
        var address = new MBusSecondaryAddress(0x00001234, MBusSecondaryAddress.PackManufacturer("CTY"), 3, MBusMedium.HeatOutlet);
        var time = new DateTime(2026, 12, 5, 8, 30, 0);
        byte[] data = new MBusTelegramWriter(address, 9, status: 0x10)
            .Bcd(MBusDataCoding.Bcd8, 0x06, 12345678)
            .Integer(MBusDataCoding.Int16, 0x59, 6543)
            .Integer(MBusDataCoding.Int32, 0x2B, -20, storage: 12, tariff: 3, subunit: 1)
            .Real(0, 229.9f, fdCode: 0x49)
            .Integer(MBusDataCoding.Int64, 0x3B, 1L << 40, function: MBusFunction.Maximum)
            .DateTime(time)
            .Date(time.Date, storage: 1)
            .ManufacturerData([1, 2, 3])
            .ToArray();
        Assert.True(MBusVariableData.TryDecode(0x72, data, out var telegram, out _));
        var records = telegram!.Records;
        Assert.Equal(address, telegram.Header.Address);
        Assert.Equal(0x10, telegram.Header.Status);
        Assert.Equal(7, records.Count);
        Assert.Equal((12345678000.0, "Wh"), (records[0].Value!.Value, records[0].Unit));
        Assert.Equal((65.43, "°C", "Flow temperature"), (records[1].Value!.Value, records[1].Unit, records[1].Quantity.Name));
        Assert.Equal((-20.0, 12L, 3, 1), (records[2].Value!.Value, records[2].StorageNumber, records[2].Tariff, records[2].Subunit));
        Assert.Equal(("Voltage", "V"), (records[3].Quantity.Name, records[3].Unit));
        Assert.Equal(229.9, records[3].Value!.Value, 4);
        Assert.Equal((1099511627.776, MBusFunction.Maximum), (records[4].Value!.Value, records[4].Function));
        Assert.Equal(time, records[5].Time);
        Assert.Equal(time.Date, records[6].Time);
        Assert.Equal(new byte[] { 1, 2, 3 }, telegram.ManufacturerData.ToArray());
    }

    [Fact]
    public void A_cut_record_stops_decoding_with_the_records_before_it()
    {
        byte[] data = new MBusTelegramWriter(MBusSecondaryAddress.Wildcard, 1).Integer(MBusDataCoding.Int32, 0x13, 5).Integer(MBusDataCoding.Int32, 0x13, 6).ToArray();
        Assert.True(MBusVariableData.TryDecode(0x72, data.AsSpan(0, data.Length - 2), out var telegram, out _));
        Assert.Single(telegram!.Records);
        Assert.Contains("needs 4 data bytes", telegram.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_data_structure_is_refused_with_the_reason()
    {
        Assert.False(MBusVariableData.TryDecode(0x73, new byte[16], out _, out string error));
        Assert.Contains("fixed data structure", error, StringComparison.Ordinal);
    }
}
