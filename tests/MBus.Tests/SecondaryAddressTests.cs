using City.Protocols.MBus;

namespace City.MBus.Tests;

public sealed class SecondaryAddressTests
{
    [Fact]
    public void Manufacturer_letters_pack_into_15_bits()
    {
        Assert.Equal(0x4024, MBusSecondaryAddress.PackManufacturer("PAD"));
        Assert.Equal(0x2C2D, MBusSecondaryAddress.PackManufacturer("KAM"));
        Assert.Equal("KAM", MBusSecondaryAddress.ManufacturerLetters(0x2C2D));
    }

    [Fact]
    public void Wildcard_digits_match_any_digit()
    {
        var meter = new MBusSecondaryAddress(0x12345678, 0x2C2D, 8, 4);
        Assert.True(MBusSecondaryAddress.Wildcard.Matches(meter));
        Assert.True(MBusSecondaryAddress.Wildcard.WithDigit(0, 1).Matches(meter));
        Assert.False(MBusSecondaryAddress.Wildcard.WithDigit(0, 2).Matches(meter));
        Assert.True(MBusSecondaryAddress.Wildcard.WithDigit(0, 1).WithDigit(7, 8).Matches(meter));
        Assert.False(MBusSecondaryAddress.Wildcard.WithDigit(7, 9).Matches(meter));
        Assert.False((MBusSecondaryAddress.Wildcard with { Medium = 7 }).Matches(meter));
        Assert.Equal("1FFFFFFF", MBusSecondaryAddress.Wildcard.WithDigit(0, 1).Identification);
    }

    [Fact]
    public void Parses_and_prints_16_hex_digits()
    {
        Assert.True(MBusSecondaryAddress.TryParse("123456782D2C0804", out var address));
        Assert.Equal(new MBusSecondaryAddress(0x12345678, 0x2C2D, 8, 4), address);
        Assert.Equal("123456782D2C0804", address.ToString());
        Assert.True(MBusSecondaryAddress.TryParse("12345678", out var idOnly));
        Assert.True(idOnly.IsPattern);
        Assert.False(MBusSecondaryAddress.TryParse("1234567A", out _));
        Assert.False(MBusSecondaryAddress.TryParse("123", out _));
    }
}
