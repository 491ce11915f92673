using City.Protocols.Dali.Luba;

namespace City.Protocols.Dali.Tests;

/// <summary>
/// Byte vectors built from the LUBA layout that python-dali's luba232 driver implements from Lunatone's LUBA document:
/// 'Y' (0x59), command, length, payload, XOR of command..payload.
/// </summary>
public class LubaCodecTests
{
    [Theory]
    [InlineData("OFF broadcast, priority 2", "FF00", DaliPriority.P2, false, "59 32 07 00 10 02 FF 00 00 00 D8")]
    [InlineData("SET MAX LEVEL A1, send twice, priority 5", "032A", DaliPriority.P5, true, "59 32 07 00 10 85 03 2A 00 00 89")]
    [InlineData("24-bit control device frame", "07FE30", DaliPriority.P5, false, "59 32 07 00 18 05 07 FE 30 00 E1")]
    public void Transmit_requests_encode_and_decode(string description, string frameHex, DaliPriority priority, bool twice, string expected)
    {
        DaliForwardFrame.TryRead(Hex.Parse(frameHex), out var frame);
        var request = new LubaTransmitRequest(0, frame, priority, twice);
        var buffer = new byte[LubaFraming.MaxFrameLength];
        Assert.True(request.TryWrite(buffer, out int written, out _), description);
        Assert.Equal(expected.Replace(" ", "", StringComparison.Ordinal), Hex.Format(buffer.AsSpan(0, written)));

        Assert.Equal(LubaReadStatus.Done, LubaFraming.TryRead(buffer.AsSpan(0, written), out var read, out int consumed, out _));
        Assert.Equal(written, consumed);
        Assert.True(LubaTransmitRequest.TryRead(read, out var decoded, out _));
        Assert.Equal(request, decoded);
    }

    [Fact]
    public void Settings_and_device_info_query_match_the_drivers_bytes()
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        new LubaSettings(0, LubaSettings.DefaultEventFilter).TryWrite(LubaCommand.ReadWriteSettings, buffer, out int written, out _);
        Assert.Equal("592A0200123A", Hex.Format(buffer.AsSpan(0, written)));
        new LubaDeviceInfoQuery(0).TryWrite(buffer, out written, out _);
        Assert.Equal("5920010021", Hex.Format(buffer.AsSpan(0, written)));
    }

    [Theory]
    [InlineData("frame sent, id 7, FF90", "59 31 07 01 02 00 10 07 FF 90", LubaEventType.FrameSent, 16)]
    [InlineData("backward frame 0xFF", "59 31 05 00 10 00 88 FF", LubaEventType.FrameReceived, 8)]
    [InlineData("framing error", "59 31 04 00 11 00 BF", LubaEventType.FrameReceived, 63)]
    [InlineData("start/stop only", "59 31 04 00 11 00 BE", LubaEventType.FrameReceived, 62)]
    public void Events_decode(string description, string hexWithoutChecksum, LubaEventType type, int info)
    {
        var body = Hex.Parse(hexWithoutChecksum);
        var bytes = body.Append(LubaFraming.Checksum(body.AsSpan(1))).ToArray();
        Assert.Equal(LubaReadStatus.Done, LubaFraming.TryRead(bytes, out var frame, out _, out _));
        Assert.True(LubaEvent.TryRead(frame, out var message, out _), description);
        Assert.Equal(type, message.Type);
        Assert.Equal(info, message.Info);

        var buffer = new byte[LubaFraming.MaxFrameLength];
        Assert.True(message.TryWrite(buffer, out int written, out _));
        Assert.Equal(Hex.Format(bytes), Hex.Format(buffer.AsSpan(0, written)));
    }

    [Fact]
    public void Event_helpers_describe_answers_and_collisions()
    {
        Assert.True(LubaEvent.Backward(1, 0, 0x42).IsBackwardFrame);
        Assert.Equal(0x42, LubaEvent.Backward(1, 0, 0x42).BackwardValue);
        Assert.True(LubaEvent.FramingError(1, 0).IsFramingError);
        Assert.False(LubaEvent.Sent(1, 0, 3, DaliForwardFrame.Frame16(0xFF, 0x90)).IsBackwardFrame);
    }

    [Fact]
    public void Transmit_responses_accept_with_an_id_or_reject_with_a_code()
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        LubaTransmitResponse.Accept(9).TryWrite(buffer, out int written, out _);
        Assert.Equal("5933020900" + "38", Hex.Format(buffer.AsSpan(0, written)));
        LubaFraming.TryRead(buffer.AsSpan(0, written), out var frame, out _, out _);
        Assert.True(LubaTransmitResponse.TryRead(frame, out var accepted, out _));
        Assert.True(accepted.Accepted);
        Assert.Equal(9, accepted.FrameId);

        LubaTransmitResponse.Reject(LubaTransmitResponse.ErrorBusPowerFailure).TryWrite(buffer, out written, out _);
        LubaFraming.TryRead(buffer.AsSpan(0, written), out frame, out _, out _);
        Assert.True(LubaTransmitResponse.TryRead(frame, out var rejected, out _));
        Assert.False(rejected.Accepted);
        Assert.Equal(LubaTransmitResponse.ErrorBusPowerFailure, rejected.ErrorCode);
    }

    [Fact]
    public void Device_info_round_trips()
    {
        var info = new LubaDeviceInfo(9010342014000, 0x0102030405060708, 2, 3, LubaDeviceInfo.Rs232ArticleNumber);
        var buffer = new byte[LubaFraming.MaxFrameLength];
        Assert.True(info.TryWrite(buffer, out int written, out _));
        Assert.Equal(24, written);
        LubaFraming.TryRead(buffer.AsSpan(0, written), out var frame, out _, out _);
        Assert.True(LubaDeviceInfo.TryRead(frame, out var decoded, out _));
        Assert.Equal(info, decoded);
    }

    [Theory]
    [InlineData("empty", "", LubaReadStatus.NeedMoreData, 0, LubaError.None)]
    [InlineData("start byte only", "59", LubaReadStatus.NeedMoreData, 0, LubaError.None)]
    [InlineData("truncated payload", "59 33 02 09", LubaReadStatus.NeedMoreData, 0, LubaError.None)]
    [InlineData("garbage before a start byte", "00 11 59 33", LubaReadStatus.Invalid, 2, LubaError.BadStart)]
    [InlineData("garbage only", "00 11 22", LubaReadStatus.Invalid, 3, LubaError.BadStart)]
    [InlineData("zero length", "59 33 00 33", LubaReadStatus.Invalid, 1, LubaError.BadLength)]
    [InlineData("length 24 is too long", "59 33 18", LubaReadStatus.Invalid, 1, LubaError.BadLength)]
    [InlineData("bad checksum", "59 33 02 09 00 39", LubaReadStatus.Invalid, 1, LubaError.BadChecksum)]
    public void Malformed_and_partial_frames_are_named(string description, string hex, LubaReadStatus status, int consumed, LubaError error)
    {
        var actual = LubaFraming.TryRead(Hex.Parse(hex), out _, out int actualConsumed, out var actualError);
        Assert.True(status == actual, description);
        Assert.Equal(consumed, actualConsumed);
        Assert.Equal(error, actualError);
    }

    [Theory]
    [InlineData("bit count 8", "59 32 07 00 08 05 FF 00 00 00", LubaError.BadField)]
    [InlineData("priority 0", "59 32 07 00 10 00 FF 00 00 00", LubaError.BadField)]
    [InlineData("priority 6", "59 32 07 00 10 06 FF 00 00 00", LubaError.BadField)]
    [InlineData("unknown mode bits", "59 32 07 00 10 45 FF 00 00 00", LubaError.BadField)]
    [InlineData("payload too short", "59 32 06 00 10 05 FF 00 00", LubaError.BadPayloadLength)]
    [InlineData("another command", "59 34 07 00 10 05 FF 00 00 00", LubaError.UnexpectedCommand)]
    public void Invalid_transmit_requests_are_refused_with_a_reason(string description, string hexWithoutChecksum, LubaError expected)
    {
        var body = Hex.Parse(hexWithoutChecksum);
        var bytes = body.Append(LubaFraming.Checksum(body.AsSpan(1))).ToArray();
        Assert.Equal(LubaReadStatus.Done, LubaFraming.TryRead(bytes, out var frame, out _, out _));
        Assert.False(LubaTransmitRequest.TryRead(frame, out _, out var error));
        Assert.True(expected == error, description);
    }

    [Fact]
    public void Payloads_too_long_or_empty_are_not_written()
    {
        var buffer = new byte[64];
        Assert.False(LubaFraming.TryWrite(0x31, new byte[24], buffer, out _, out var error));
        Assert.Equal(LubaError.BadLength, error);
        Assert.False(LubaFraming.TryWrite(0x31, [], buffer, out _, out error));
        Assert.Equal(LubaError.BadLength, error);
        Assert.False(LubaFraming.TryWrite(0x31, [1, 2], new byte[5], out _, out error));
        Assert.Equal(LubaError.DestinationTooSmall, error);
    }

    [Fact]
    public void Random_and_mutated_bytes_never_throw_and_always_make_progress()
    {
        var random = new Random(1200);
        var valid = new byte[LubaFraming.MaxFrameLength];
        new LubaTransmitRequest(0, DaliForwardFrame.Frame16(0xFF, 0x90), DaliPriority.P5, false).TryWrite(valid, out int validLength, out _);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] bytes;
            if (round % 2 == 0)
            {
                bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
            }
            else
            {
                bytes = valid.AsSpan(0, validLength).ToArray();
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            int offset = 0;
            while (offset < bytes.Length)
            {
                var status = LubaFraming.TryRead(bytes.AsSpan(offset), out var frame, out int consumed, out _);
                if (status == LubaReadStatus.NeedMoreData)
                {
                    break;
                }

                Assert.True(consumed > 0);
                offset += consumed;
                if (status == LubaReadStatus.Done)
                {
                    _ = LubaTransmitRequest.TryRead(frame, out _, out _);
                    _ = LubaTransmitResponse.TryRead(frame, out _, out _);
                    _ = LubaEvent.TryRead(frame, out _, out _);
                    _ = LubaDeviceInfo.TryRead(frame, out _, out _);
                    _ = LubaSettings.TryRead(frame, frame.Command, out _, out _);
                    _ = LubaDeviceInfoQuery.TryRead(frame, out _, out _);
                }
            }
        }
    }
}
