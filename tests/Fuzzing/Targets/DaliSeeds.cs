using City.Protocols.Dali;
using City.Protocols.Dali.Luba;

namespace City.Fuzzing.Targets;

/// <summary>Seeds from tests/Dali.Tests (LubaCodecTests, D4iBankTests, AnswerAndD4iTests) and the LUBA writers.</summary>
internal static class DaliSeeds
{
    public static IEnumerable<byte[]> LubaFrames()
    {
        // ADD DALI FRAME requests and events as in LubaCodecTests (Lunatone's LUBA protocol document's layout).
        yield return SeedHex.Parse("59 32 07 00 10 02 FF 00 00 00 D8");
        yield return SeedHex.Parse("59 32 07 00 10 85 03 2A 00 00 89");
        yield return SeedHex.Parse("59 32 07 00 18 05 07 FE 30 00 E1");
        yield return SeedHex.Parse("59 31 05 00 10 00 88 FF 59 31 04 00 11 00 BF");
        var buffer = new byte[LubaFraming.MaxFrameLength];
        int n;
        LubaTransmitResponse.Accept(7, 1).TryWrite(buffer, out n, out _);
        byte[] accept = buffer[..n];
        LubaTransmitResponse.Reject(3).TryWrite(buffer, out n, out _);
        yield return [.. accept, .. buffer[..n]];
        LubaEvent.Sent(0x0102, 0, 7, DaliForwardFrame.Frame16(0xFF, 0x90)).TryWrite(buffer, out n, out _);
        byte[] sent = buffer[..n];
        LubaEvent.Backward(0x0103, 0, 0xFF).TryWrite(buffer, out n, out _);
        byte[] backward = buffer[..n];
        LubaEvent.BusPower(0x0104, 0, false).TryWrite(buffer, out n, out _);
        yield return [.. sent, .. backward, .. buffer[..n]];
        new LubaDeviceInfoQuery(0).TryWrite(buffer, out n, out _);
        yield return buffer[..n];
        new LubaDeviceInfo(4_251_234_567_890, 0x1122334455, 3, 1, 24_138_100).TryWrite(buffer, out n, out _);
        yield return buffer[..n];
        new LubaSettings(1, 0x0F).TryWrite(LubaCommand.Settings, buffer, out n, out _);
        yield return buffer[..n];
    }

    /// <summary>[first length][second length] first second third, as <see cref="DaliTargets.D4iBanks"/> splits them.</summary>
    public static IEnumerable<byte[]> D4iBanks()
    {
        byte[] bank1 = SeedHex.Parse("77 00 FF  03 A6 32 70 5C 35  00 00 00 00 3A DE 68 B1  00 03  18 25  00 78  00 0C");
        byte[] bank0 = SeedHex.Parse("1A 00 CF  00 00 12 34 56 78  02 01  01 02 03 04 05 06 07 08");
        byte[] legacyBank0 = SeedHex.Parse("0E 00 00  00 00 00 00 00 2A  01 00  00 00 01 00");
        byte[] gear = SeedHex.Parse("1C 00 AA 01  01 B7 74 00  00 01 9C");
        byte[] lamp = SeedHex.Parse("20 00 AA 01  00 00 05  00 05 DF  00 00 00 10  00 DB BA 00");
        byte[] maintenance = SeedHex.Parse("07 00 FF 01  64 FF 01 F4");
        byte[] energy = SeedHex.Parse("FD 0000000F4240 FF 000000FA");
        yield return [(byte)bank1.Length, (byte)bank0.Length, .. bank1, .. bank0, .. bank1];
        yield return [(byte)gear.Length, (byte)lamp.Length, .. gear, .. lamp, .. maintenance];
        yield return [(byte)energy.Length, (byte)legacyBank0.Length, .. energy, .. legacyBank0, .. SeedHex.Parse("00 FFFFFFFFFFFD 00 FFFFFFFD")];
    }
}
