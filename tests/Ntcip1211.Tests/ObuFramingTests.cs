using City.Protocols.Ntcip1211;

namespace City.Ntcip1211.Tests;

/// <summary>The on-board unit datagrams found in a byte stream (a serial link), with the vectors of <see cref="ObuDatagramTests"/>.</summary>
public sealed class ObuFramingTests
{
    private const string CheckIn = "42 01 01 03 02 05 0014 0023 08 4255532D31323334 02 4C35";
    private const string CheckOut = "42 01 03 00 00 00 0000 0000 08 4255532D31323334 00";

    [Fact]
    public void Datagrams_BackToBack_AreFoundOneAfterTheOther_AfterNoise()
    {
        var stream = Hex.Parse("00 FF 42 07 " + CheckIn + CheckOut);
        var found = new List<ObuMessageKind>();
        var dropped = 0;
        var at = 0;
        while (at < stream.Length)
        {
            switch (ObuFraming.Find(stream.AsSpan(at), out var length))
            {
                case ObuFrameStatus.Frame:
                    Assert.Equal(ObuDecodeStatus.Ok, ObuDatagram.TryDecode(stream.AsSpan(at, length), out var message));
                    found.Add(message!.Kind);
                    at += length;
                    break;
                case ObuFrameStatus.Garbage:
                    dropped++;
                    at++;
                    break;
                default:
                    Assert.Fail($"NeedMore at {at} of a stream that ends with a whole datagram");
                    break;
            }
        }

        Assert.Equal([ObuMessageKind.CheckIn, ObuMessageKind.CheckOut], found);
        Assert.Equal(4, dropped);
    }

    [Fact]
    public void EveryPrefixOfADatagram_NeedsMore_AndTheWholeIsAFrame()
    {
        var bytes = Hex.Parse(CheckIn);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(ObuFrameStatus.NeedMore, ObuFraming.Find(bytes.AsSpan(0, length), out _));
        }

        Assert.Equal(ObuFrameStatus.Frame, ObuFraming.Find(bytes, out var frame));
        Assert.Equal(bytes.Length, frame);
    }

    [Theory]
    [InlineData("43 01")] // magic
    [InlineData("42 02")] // version
    [InlineData("42 01 01 03 02 05 0014 0023 00")] // an empty vehicle id
    [InlineData("42 01 01 03 02 05 0014 0023 12")] // 18 bytes of vehicle id
    [InlineData("42 01 01 03 02 05 0014 0023 08 4255532D31323334 11")] // 17 bytes of route
    [InlineData("42 01 05 03 02 05 0014 0023 08 4255532D31323334 02 4C35")] // whole but no datagram (kind 5)
    public void BytesThatStartNoDatagram_AreGarbage(string hex) =>
        Assert.Equal(ObuFrameStatus.Garbage, ObuFraming.Find(Hex.Parse(hex), out _));
}
