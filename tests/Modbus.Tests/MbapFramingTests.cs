using System.Buffers;

namespace City.Protocols.Modbus.Tests;

public sealed class MbapFramingTests
{
    [Theory]
    [InlineData("Spec read holding registers request, unit 0x11", "00 01 00 00 00 06 11 03 00 6B 00 03", 1, 6, 0x11, "03006B0003")]
    [InlineData("Spec read holding registers response", "12 34 00 00 00 09 01 03 06 02 2B 00 00 00 64", 0x1234, 9, 1, "0306022B00000064")]
    [InlineData("Exception response, smallest useful length", "FF FF 00 00 00 03 FF 83 02", 0xFFFF, 3, 0xFF, "8302")]
    [InlineData("Length 2: unit id and function code only", "00 07 00 00 00 02 01 2B", 7, 2, 1, "2B")]
    public void TryReadFrame_ValidFrame_ReturnsHeaderAndPdu(string description, string hex, int transactionId, int length, int unitId, string pduHex)
    {
        _ = description;
        byte[] bytes = Hex.Parse(hex);

        OperationStatus status = ModbusTcpFraming.TryReadFrame(bytes, out ModbusTcpFrame frame, out int consumed);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(new MbapHeader((ushort)transactionId, 0, (ushort)length, (byte)unitId), frame.Header);
        Assert.Equal(pduHex, Hex.Format(frame.Pdu));
        Assert.Equal(bytes.Length, consumed);
    }

    [Theory]
    [InlineData("Empty buffer", "")]
    [InlineData("Header cut after the length field", "00 01 00 00 00 06")]
    [InlineData("PDU cut short", "00 01 00 00 00 06 11 03 00 6B 00")]
    [InlineData("Header only", "00 01 00 00 00 06 11")]
    public void TryReadFrame_PartialFrame_NeedsMoreDataAndConsumesNothing(string description, string hex)
    {
        _ = description;
        OperationStatus status = ModbusTcpFraming.TryReadFrame(Hex.Parse(hex), out _, out int consumed);

        Assert.Equal(OperationStatus.NeedMoreData, status);
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("Length 0", "00 01 00 00 00 00 11")]
    [InlineData("Length 1: unit id without function code", "00 01 00 00 00 01 11 03")]
    [InlineData("Length 255: PDU longer than 253", "00 01 00 00 00 FF 11 03")]
    [InlineData("Length 0xFFFF", "00 01 00 00 FF FF 11 03")]
    [InlineData("Protocol id 1 is not Modbus", "00 01 00 01 00 06 11 03 00 6B 00 03")]
    public void TryReadFrame_InvalidHeader_IsRejected(string description, string hex)
    {
        _ = description;
        OperationStatus status = ModbusTcpFraming.TryReadFrame(Hex.Parse(hex), out _, out int consumed);

        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void TryReadFrame_LargestFrame_IsAccepted()
    {
        byte[] bytes = new byte[MbapHeader.MaxAduLength];
        Hex.Parse("00 01 00 00 00 FE 01 03").CopyTo(bytes, 0);

        OperationStatus status = ModbusTcpFraming.TryReadFrame(bytes, out ModbusTcpFrame frame, out int consumed);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(253, frame.Pdu.Length);
        Assert.Equal(260, consumed);
    }

    [Fact]
    public void TryReadFrame_TwoFramesInBuffer_ConsumesOnlyTheFirst()
    {
        byte[] bytes = Hex.Parse("00 01 00 00 00 06 11 03 00 6B 00 03 00 02 00 00 00 06 11 04 00 08 00 01");

        ModbusTcpFraming.TryReadFrame(bytes, out ModbusTcpFrame first, out int consumed);
        ModbusTcpFraming.TryReadFrame(bytes.AsSpan(consumed), out ModbusTcpFrame second, out _);

        Assert.Equal(12, consumed);
        Assert.Equal(1, first.Header.TransactionId);
        Assert.Equal(2, second.Header.TransactionId);
        Assert.Equal("0400080001", Hex.Format(second.Pdu));
    }

    [Fact]
    public void TryReadFrame_SequenceSplitAtEveryPosition_MatchesSpanResult()
    {
        byte[] bytes = Hex.Parse("12 34 00 00 00 09 01 03 06 02 2B 00 00 00 64 AA");

        for (int split = 0; split <= bytes.Length; split++)
        {
            ReadOnlySequence<byte> sequence = Segments.Create(bytes[..split], bytes[split..]);

            OperationStatus status = ModbusTcpFraming.TryReadFrame(sequence, out MbapHeader header, out ReadOnlySequence<byte> pdu, out SequencePosition frameEnd);

            Assert.Equal(OperationStatus.Done, status);
            Assert.Equal(new MbapHeader(0x1234, 0, 9, 1), header);
            Assert.Equal("0306022B00000064", Hex.Format(pdu.ToArray()));
            Assert.Equal(15, sequence.Slice(0, frameEnd).Length);
        }
    }

    [Theory]
    [InlineData("00 01 00 00 00 06 11 03 00 6B", OperationStatus.NeedMoreData)]
    [InlineData("00 01 00 00 01 00 11 03 00 6B", OperationStatus.InvalidData)]
    public void TryReadFrame_SequenceIncompleteOrInvalid_PointsAtStart(string hex, OperationStatus expected)
    {
        byte[] bytes = Hex.Parse(hex);
        ReadOnlySequence<byte> sequence = Segments.Create(bytes[..3], bytes[3..]);

        OperationStatus status = ModbusTcpFraming.TryReadFrame(sequence, out _, out _, out SequencePosition frameEnd);

        Assert.Equal(expected, status);
        Assert.Equal(sequence.Start, frameEnd);
    }

    [Fact]
    public void TryWriteFrame_WrapsPduInMbapHeader()
    {
        byte[] destination = new byte[MbapHeader.MaxAduLength];

        bool written = ModbusTcpFraming.TryWriteFrame(1, 0x11, Hex.Parse("03 00 6B 00 03"), destination, out int length);

        Assert.True(written);
        Assert.Equal("0001000000061103006B0003", Hex.Format(destination.AsSpan(0, length)));
    }

    [Fact]
    public void TryWriteFrame_EmptyOrOversizedPduOrShortDestination_ReturnsFalse()
    {
        byte[] destination = new byte[300];

        Assert.False(ModbusTcpFraming.TryWriteFrame(1, 1, [], destination, out _));
        Assert.False(ModbusTcpFraming.TryWriteFrame(1, 1, new byte[254], destination, out _));
        Assert.False(ModbusTcpFraming.TryWriteFrame(1, 1, new byte[5], new byte[11], out _));
    }

    [Fact]
    public void MbapHeader_EncodeThenDecode_RoundTrips()
    {
        var header = new MbapHeader(0xBEEF, 0, 254, 0xFF);
        byte[] bytes = new byte[MbapHeader.Size];

        Assert.True(header.TryEncode(bytes, out int written));
        Assert.Equal(7, written);
        Assert.Equal("BEEF000000FEFF", Hex.Format(bytes));
        Assert.True(MbapHeader.TryDecode(bytes, out MbapHeader decoded));
        Assert.Equal(header, decoded);
        Assert.False(MbapHeader.TryDecode(bytes.AsSpan(0, 6), out _));
        Assert.False(header.TryEncode(new byte[6], out _));
    }
}
