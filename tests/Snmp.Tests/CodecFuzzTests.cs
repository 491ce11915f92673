namespace City.Protocols.Snmp.Tests;

public class CodecFuzzTests
{
    private static readonly string[] Seeds =
    [
        NetSnmpCaptures.V2cGetRequest, NetSnmpCaptures.V2cGetBulkResponse, NetSnmpCaptures.V1Trap, NetSnmpCaptures.V2Trap,
        NetSnmpCaptures.V3DiscoveryReport, NetSnmpCaptures.V3AuthPrivGetRequest,
    ];

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] buffer = new byte[random.Next(0, 200)];
            random.NextBytes(buffer);
            if (buffer.Length > 0 && random.Next(2) == 0)
            {
                buffer[0] = 0x30; // get past the first check more often
            }

            _ = SnmpCodec.TryDecode(buffer, out _);
            _ = SnmpCodec.TryDecodeScopedPdu(buffer, allowTrailingBytes: true, out _);
        }
    }

    [Fact]
    public void MutatedRealPackets_NeverThrow_AndWhatDecodesReencodes()
    {
        var random = new Random(11);
        int decoded = 0;
        foreach (string seed in Seeds)
        {
            byte[] original = Hex.Parse(seed);
            for (int i = 0; i < 5_000; i++)
            {
                byte[] mutated = (byte[])original.Clone();
                int mutations = random.Next(1, 4);
                for (int m = 0; m < mutations; m++)
                {
                    switch (random.Next(4))
                    {
                        case 0:
                            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                            break;
                        case 1:
                            mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                            break;
                        case 2:
                            mutated = mutated.AsSpan(0, random.Next(mutated.Length)).ToArray();
                            break;
                        default:
                            int at = random.Next(mutated.Length + 1);
                            mutated = [.. mutated.AsSpan(0, at), (byte)random.Next(256), .. mutated.AsSpan(at)];
                            break;
                    }

                    if (mutated.Length == 0)
                    {
                        break;
                    }
                }

                if (SnmpCodec.TryDecode(mutated, out SnmpMessage? message) == SnmpDecodeStatus.Ok)
                {
                    decoded++;
                    byte[] reencoded = SnmpCodec.Encode(message!);
                    Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(reencoded, out _));
                }
            }
        }

        Assert.True(decoded > 0, "some mutations (e.g. in values) should still decode");
    }
}
