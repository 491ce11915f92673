using System.Buffers;
using City.Protocols.MBus;

namespace City.MBus.Tests;

/// <summary>
/// Frames of EN 13757-2 (FT 1.2). The RSP_UD example is the variable data example of "The M-Bus: A Documentation" rev. 4.8
/// (M-Bus Usergroup, section 6.5): identification 12345678, manufacturer PAD, water, three records.
/// </summary>
public sealed class FramingTests
{
    internal const string DocumentationExample =
        "68 1F 1F 68 08 02 72 78 56 34 12 24 40 01 07 55 00 00 00 03 13 15 31 00 DA 02 3B 13 01 8B 60 04 37 18 02 18 16";

    [Theory]
    [InlineData(0x01, true, "10 7B 01 7C 16")]
    [InlineData(0x01, false, "10 5B 01 5C 16")]
    [InlineData(0xFE, true, "10 7B FE 79 16")]
    public void Req_ud2_is_a_short_frame_with_the_frame_count_bit(byte address, bool fcb, string expected)
    {
        Assert.Equal(Hex.Parse(expected), MBusFraming.Encode(MBusRequests.ReqUd2(address, fcb)));
    }

    [Fact]
    public void Snd_nke_and_the_ack()
    {
        Assert.Equal(Hex.Parse("10 40 05 45 16"), MBusFraming.Encode(MBusRequests.SndNke(5)));
        Assert.Equal(new byte[] { 0xE5 }, MBusFraming.Encode(MBusFrame.Ack));
        Assert.Equal(OperationStatus.Done, MBusFraming.TryRead([0xE5, 0x10], out var frame, out int consumed, out _));
        Assert.Equal(MBusFrameKind.Ack, frame.Kind);
        Assert.Equal(1, consumed);
    }

    [Fact]
    public void Selection_by_secondary_address_is_snd_ud_to_253_with_ci_52()
    {
        Assert.True(MBusSecondaryAddress.TryParse("12345678", out var pattern));
        byte[] bytes = MBusFraming.Encode(MBusRequests.SelectSecondary(pattern));
        Assert.Equal(Hex.Parse("68 0B 0B 68 53 FD 52 78 56 34 12 FF FF FF FF"), bytes[..15]);
        Assert.Equal(MBusFraming.Checksum(bytes.AsSpan(4, 11)), bytes[15]);
        Assert.Equal(0x16, bytes[16]);
    }

    [Fact]
    public void Reads_the_documentation_example_and_writes_it_back()
    {
        byte[] bytes = Hex.Parse(DocumentationExample);
        Assert.Equal(OperationStatus.Done, MBusFraming.TryRead(bytes, out var frame, out int consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(MBusFrameKind.Long, frame.Kind);
        Assert.Equal(MBusControl.RspUd, frame.Control);
        Assert.Equal(2, frame.Address);
        Assert.Equal(0x72, frame.ControlInformation);
        Assert.Equal(bytes, MBusFraming.Encode(frame));
    }

    [Fact]
    public void Every_prefix_of_a_frame_needs_more_data()
    {
        byte[] bytes = Hex.Parse(DocumentationExample);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, MBusFraming.TryRead(bytes.AsSpan(0, length), out _, out _, out _));
        }
    }

    [Theory]
    [InlineData(35, 0x19, MBusFrameError.BadChecksum)]
    [InlineData(36, 0x17, MBusFrameError.BadStop)]
    [InlineData(2, 0x20, MBusFrameError.BadLength)]
    [InlineData(3, 0x69, MBusFrameError.BadLength)]
    [InlineData(0, 0x55, MBusFrameError.BadStart)]
    public void A_damaged_frame_is_invalid_with_its_reason(int index, byte value, MBusFrameError expected)
    {
        byte[] bytes = Hex.Parse(DocumentationExample);
        bytes[index] = value;
        Assert.Equal(OperationStatus.InvalidData, MBusFraming.TryRead(bytes, out _, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_short_frame_with_a_bad_checksum_is_invalid()
    {
        Assert.Equal(OperationStatus.InvalidData, MBusFraming.TryRead(Hex.Parse("10 7B 01 7D 16"), out _, out _, out var error));
        Assert.Equal(MBusFrameError.BadChecksum, error);
    }

    [Fact]
    public void A_long_frame_carries_at_most_252_data_bytes()
    {
        var full = MBusFrame.Long(MBusControl.RspUd, 1, 0x72, new byte[252]);
        byte[] bytes = MBusFraming.Encode(full);
        Assert.Equal(MBusFraming.MaxFrameLength, bytes.Length);
        Assert.Equal(OperationStatus.Done, MBusFraming.TryRead(bytes, out var read, out _, out _));
        Assert.Equal(252, read.Data.Length);
        Assert.Throws<ArgumentException>(() => MBusFraming.Encode(MBusFrame.Long(MBusControl.RspUd, 1, 0x72, new byte[253])));
    }
}
