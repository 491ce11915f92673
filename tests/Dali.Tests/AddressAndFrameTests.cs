namespace City.Protocols.Dali.Tests;

public class AddressAndFrameTests
{
    [Theory]
    [InlineData("short 0, DAPC", DaliAddressKind.Short, 0, false, 0x00)]
    [InlineData("short 0, command", DaliAddressKind.Short, 0, true, 0x01)]
    [InlineData("short 63, command", DaliAddressKind.Short, 63, true, 0x7F)]
    [InlineData("short 5, DAPC", DaliAddressKind.Short, 5, false, 0x0A)]
    [InlineData("group 0, command", DaliAddressKind.Group, 0, true, 0x81)]
    [InlineData("group 15, DAPC", DaliAddressKind.Group, 15, false, 0x9E)]
    [InlineData("broadcast, DAPC", DaliAddressKind.Broadcast, 0, false, 0xFE)]
    [InlineData("broadcast, command", DaliAddressKind.Broadcast, 0, true, 0xFF)]
    [InlineData("broadcast unaddressed, command", DaliAddressKind.BroadcastUnaddressed, 0, true, 0xFD)]
    [InlineData("broadcast unaddressed, DAPC", DaliAddressKind.BroadcastUnaddressed, 0, false, 0xFC)]
    public void Address_byte_round_trips(string description, DaliAddressKind kind, int value, bool isCommand, int expected)
    {
        var address = kind switch
        {
            DaliAddressKind.Short => DaliAddress.Short(value),
            DaliAddressKind.Group => DaliAddress.Group(value),
            DaliAddressKind.Broadcast => DaliAddress.Broadcast,
            _ => DaliAddress.BroadcastUnaddressed,
        };

        Assert.True(expected == address.ToAddressByte(isCommand), description);
        Assert.True(DaliAddress.TryParse((byte)expected, out var parsed, out bool parsedIsCommand));
        Assert.Equal(address, parsed);
        Assert.Equal(isCommand, parsedIsCommand);
    }

    [Theory]
    [InlineData(0xA1)] // TERMINATE
    [InlineData(0xA3)] // DTR0
    [InlineData(0xC9)] // WRITE MEMORY LOCATION NO REPLY
    [InlineData(0xCC)] // reserved
    [InlineData(0xFB)] // reserved
    public void Special_and_reserved_first_bytes_address_no_gear(int addressByte)
    {
        Assert.False(DaliAddress.TryParse((byte)addressByte, out _, out _));
    }

    [Fact]
    public void Addressing_rules_select_the_right_gear()
    {
        ushort groups = (1 << 2) | (1 << 15);
        Assert.True(DaliAddress.Short(7).Addresses(7, groups));
        Assert.False(DaliAddress.Short(7).Addresses(8, groups));
        Assert.True(DaliAddress.Group(15).Addresses(8, groups));
        Assert.False(DaliAddress.Group(3).Addresses(8, groups));
        Assert.True(DaliAddress.Broadcast.Addresses(null, 0));
        Assert.True(DaliAddress.BroadcastUnaddressed.Addresses(null, 0));
        Assert.False(DaliAddress.BroadcastUnaddressed.Addresses(3, 0));
    }

    [Fact]
    public void Out_of_range_addresses_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliAddress.Short(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliAddress.Group(16));
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliAddress.Short(-1));
    }

    [Theory]
    [InlineData("16-bit", "FF00")]
    [InlineData("24-bit", "07FE30")]
    public void Forward_frames_write_and_read_their_bytes(string description, string hex)
    {
        var bytes = Hex.Parse(hex);
        Assert.True(DaliForwardFrame.TryRead(bytes, out var frame), description);
        Assert.Equal(bytes.Length * 8, frame.Bits);
        var written = new byte[4];
        Assert.True(frame.TryWrite(written, out int count));
        Assert.Equal(hex, Hex.Format(written.AsSpan(0, count)));
        Assert.Equal(hex, frame.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("FF")]
    [InlineData("01020304")]
    public void Frames_of_other_lengths_are_not_forward_frames(string hex)
    {
        Assert.False(DaliForwardFrame.TryRead(Hex.Parse(hex), out _));
    }

    [Fact]
    public void A_24_bit_frame_exposes_address_instance_and_opcode()
    {
        var frame = DaliControlDevice.ShortFrame(3, DaliControlDevice.InstanceDevice, 0x30);
        Assert.Equal("07FE30", frame.ToString());
        Assert.Equal(0x07, frame.AddressByte);
        Assert.Equal(0xFE, frame.InstanceByte);
        Assert.Equal(0x30, frame.LastByte);
        Assert.Equal("FFFE30", DaliControlDevice.BroadcastFrame(0xFE, 0x30).ToString());
        Assert.Equal("BFFE30", DaliControlDevice.GroupFrame(31, 0xFE, 0x30).ToString());
    }

    [Fact]
    public void Writing_into_a_short_buffer_fails_cleanly()
    {
        Assert.False(DaliForwardFrame.Frame24(1, 2, 3).TryWrite(new byte[2], out int written));
        Assert.Equal(0, written);
    }
}
