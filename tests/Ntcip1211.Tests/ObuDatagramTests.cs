using City.Protocols.Ntcip1211;

namespace City.Ntcip1211.Tests;

/// <summary>The on-board unit datagram (our own format, protocols/Ntcip1211/README.md) against byte vectors written field by field.</summary>
public sealed class ObuDatagramTests
{
    // 'B', v1, check-in, class 3, level 2, approach 5, arrival 20 s, departure 35 s, "BUS-1234", route "L5".
    private const string CheckInVector = "42 01 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35";

    // check-out of BUS-1234 (no class, approach or times), no route.
    private const string CheckOutVector = "42 01 03 00 00 00 0000 0000 08 4255532D31323334 00";

    private static readonly ObuMessage CheckIn = new(ObuMessageKind.CheckIn, "BUS-1234", "L5", 5, 3, 2, 20, 35);

    [Fact]
    public void CheckIn_RoundTrips()
    {
        Assert.Equal(Hex.Parse(CheckInVector), ObuDatagram.Encode(CheckIn));
        Assert.Equal(ObuDecodeStatus.Ok, ObuDatagram.TryDecode(Hex.Parse(CheckInVector), out var message));
        Assert.Equal(CheckIn, message);
    }

    [Fact]
    public void CheckOut_NeedsOnlyTheVehicle()
    {
        var checkOut = new ObuMessage(ObuMessageKind.CheckOut, "BUS-1234", "", 0, 0, 0, 0, 0);
        Assert.Equal(Hex.Parse(CheckOutVector), ObuDatagram.Encode(checkOut));
        Assert.Equal(ObuDecodeStatus.Ok, ObuDatagram.TryDecode(Hex.Parse(CheckOutVector), out var message));
        Assert.Equal(checkOut, message);
    }

    [Theory]
    [InlineData("42 01 01 03 02 05 0014 0023 08 4255532D313233", ObuDecodeStatus.Truncated)]
    [InlineData("42 01 01 03 02 05 0014", ObuDecodeStatus.Truncated)]
    [InlineData("43 01 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35", ObuDecodeStatus.BadMagic)]
    [InlineData("42 02 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35", ObuDecodeStatus.UnsupportedVersion)]
    [InlineData("42 01 05 03 02 05 0014 0023 08 4255532D31323334 02 4C35", ObuDecodeStatus.UnknownKind)]
    [InlineData("42 01 01 00 02 05 0014 0023 08 4255532D31323334 02 4C35", ObuDecodeStatus.OutOfRange)] // check-in without a class
    [InlineData("42 01 01 03 02 00 0014 0023 08 4255532D31323334 02 4C35", ObuDecodeStatus.OutOfRange)] // no approach
    [InlineData("42 01 01 03 02 05 0023 0014 08 4255532D31323334 02 4C35", ObuDecodeStatus.OutOfRange)] // departs before arriving
    [InlineData("42 01 01 03 02 05 0014 0023 12 4255532D31323334 02 4C35", ObuDecodeStatus.OutOfRange)] // id of 18
    [InlineData("42 01 01 03 02 05 0014 0023 08 4255532031323334 02 4C35", ObuDecodeStatus.InvalidText)] // space in the id
    [InlineData("42 01 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35 00", ObuDecodeStatus.TrailingData)]
    public void Malformed_NamesWhy(string vector, ObuDecodeStatus expected)
    {
        Assert.Equal(expected, ObuDatagram.TryDecode(Hex.Parse(vector), out var message));
        Assert.Null(message);
    }

    [Fact]
    public void RandomAndMutatedBytes_NeverThrow()
    {
        var random = new Random(1211);
        var seed = Hex.Parse(CheckInVector);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seed.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            ObuDatagram.TryDecode(bytes, out _);
            var noise = new byte[random.Next(0, ObuDatagram.MaxLength + 4)];
            random.NextBytes(noise);
            ObuDatagram.TryDecode(noise, out _);
        }
    }
}
