namespace City.Protocols.Modbus.Tests;

/// <summary>
/// Random and mutated answers to every <see cref="IModbusMaster"/> function, whole frames from a scripted TCP server: the
/// master answers each call with a value or a named failure (<see cref="ModbusException"/>, <see cref="ModbusProtocolException"/>),
/// never anything else. The decoding path is the one both masters share.
/// </summary>
public sealed class MasterFuzzTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RandomAnswers_GiveAValueOrANamedFailure()
    {
        var random = new Random(20261126);
        var answers = new Random(7);
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                byte[] pdu = RandomAnswer(answers, request.Pdu);
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, Convert.ToHexString(pdu), stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(20), BusyRetries = 0 });
        IModbusMaster master = client;
        var outcomes = new Dictionary<string, int>();

        for (int i = 0; i < 400; i++)
        {
            string outcome;
            try
            {
                await CallAsync(master, i % 10, random).WaitAsync(Deadline);
                outcome = "value";
            }
            catch (ModbusException)
            {
                outcome = nameof(ModbusException);
            }
            catch (ModbusProtocolException)
            {
                outcome = nameof(ModbusProtocolException);
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // All three outcomes occur, so the mutations reach past the first checks.
        Assert.Equal(3, outcomes.Count);
    }

    private static Task CallAsync(IModbusMaster master, int function, Random random)
    {
        ushort address = (ushort)random.Next(0, 100);
        ushort count = (ushort)random.Next(1, 20);
        return function switch
        {
            0 => master.ReadHoldingRegistersAsync(1, address, count),
            1 => master.ReadInputRegistersAsync(1, address, count),
            2 => master.ReadCoilsAsync(1, address, count),
            3 => master.ReadDiscreteInputsAsync(1, address, count),
            4 => master.WriteSingleRegisterAsync(1, address, count),
            5 => master.WriteMultipleCoilsAsync(1, address, new bool[count]),
            6 => master.MaskWriteRegisterAsync(1, address, 0x00F2, 0x0025),
            7 => master.ReadWriteMultipleRegistersAsync(1, address, count, address, new ushort[count]),
            8 => master.ReportServerIdAsync(1),
            _ => master.ReadDeviceIdentificationAsync(1),
        };
    }

    /// <summary>A plausible answer mutated at random: echoes, byte counts off by a little, flipped bytes, exception answers, noise.</summary>
    private static byte[] RandomAnswer(Random random, byte[] request)
    {
        byte function = request[0];
        int kind = random.Next(6);
        byte[] pdu = kind switch
        {
            0 => [(byte)(function | 0x80), (byte)random.Next(0, 16)],
            1 => [.. request],
            2 => RandomBytes(random, random.Next(1, 253)),
            _ => [function, .. RandomBytes(random, random.Next(0, 40))],
        };
        if (kind == 3 && pdu.Length > 1)
        {
            pdu[1] = (byte)(pdu.Length - 2 + random.Next(-1, 2));
        }

        if (kind == 4 && pdu.Length > 2)
        {
            pdu[random.Next(1, pdu.Length)] ^= (byte)(1 << random.Next(8));
        }

        return pdu;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
