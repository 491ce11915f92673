namespace City.Protocols.Modbus.Tests;

/// <summary><see cref="ModbusRtuMaster"/> over the real <see cref="ModbusRtuTransport"/> and an in-memory line with a scripted slave.</summary>
public sealed class RtuMasterTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Units 1 and 3 answer 03 with registers [unit, address, quantity...]; 06/16 are echoed; unit 2 is dead.</summary>
    private static SlaveAnswer Healthy(byte unit, byte[] pdu)
    {
        if (unit is 0 or 2)
        {
            return SlaveAnswer.Silence;
        }

        switch (pdu[0])
        {
            case 0x03 or 0x04:
                int quantity = (pdu[3] << 8) | pdu[4];
                byte[] response = new byte[2 + (quantity * 2)];
                response[0] = pdu[0];
                response[1] = (byte)(quantity * 2);
                for (int i = 0; i < quantity; i++)
                {
                    response[2 + (i * 2)] = unit;
                    response[3 + (i * 2)] = (byte)(pdu[2] + i);
                }

                return new(InMemoryRtuLine.Frame(unit, response));
            case 0x06 or 0x10:
                return new(InMemoryRtuLine.Frame(unit, pdu.AsSpan(0, 5)));
            default:
                return new(InMemoryRtuLine.Frame(unit, [(byte)(pdu[0] | 0x80), 0x01]));
        }
    }

    [Fact]
    public async Task ReadHoldingRegisters_SendsRtuFrameAndDecodesAnswer()
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        ushort[] registers = await master.ReadHoldingRegistersAsync(3, 0x10, 3);

        Assert.Equal([0x0310, 0x0311, 0x0312], registers);
        Assert.Equal(RtuCodecTests.Framed(3, "03 00 10 00 03"), Hex.Format(Assert.Single(line.Requests)));
    }

    [Fact]
    public async Task ReadInputAndWriteRegisters_RoundTrip()
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        Assert.Equal([0x0105], await master.ReadInputRegistersAsync(1, 5, 1));
        await master.WriteSingleRegisterAsync(1, 7, 0xBEEF);
        await master.WriteMultipleRegistersAsync(1, 8, new ushort[] { 1, 2 });

        Assert.Equal(
            [RtuCodecTests.Framed(1, "04 00 05 00 01"), RtuCodecTests.Framed(1, "06 00 07 BE EF"), RtuCodecTests.Framed(1, "10 00 08 00 02 04 00 01 00 02")],
            line.Requests.Select(r => Hex.Format(r)));
    }

    [Fact]
    public async Task ExceptionResponse_ThrowsModbusException()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) => new(Hex.Parse("01 83 02 C0 F1")));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 0, 1));

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, ex.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, ex.Function);
        Assert.Equal(1, ex.UnitId);
    }

    [Fact]
    public async Task CorruptedCrc_ThrowsProtocolExceptionNamingTheCrcError()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) =>
        {
            byte[] frame = InMemoryRtuLine.Frame(unit, [0x03, 0x02, 0x00, 0x2A]);
            frame[^1] ^= 0xFF;
            return new(frame);
        });
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => master.ReadHoldingRegistersAsync(1, 0, 1));

        Assert.Contains("CRC", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ModbusRtuFrameError.BadCrc), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerFromAnotherUnit_ThrowsProtocolException()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) => Healthy(3, pdu));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => master.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Contains(nameof(ModbusRtuFrameError.UnexpectedUnit), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadSlave_TimesOut_AndTheLineServesTheNextSlave()
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = ShortTimeout });

        ModbusTimeoutException ex = await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.ReadHoldingRegistersAsync(2, 0, 1));
        Assert.Contains("Unit 2", ex.Message, StringComparison.Ordinal);

        Assert.Equal([0x0100], await master.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Timeout_RunsOnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var line = new InMemoryRtuLine(Healthy);
        line.RequestReceived += _ => requestSeen.TrySetResult();
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5), TimeProvider = clock });

        Task read = master.ReadHoldingRegistersAsync(2, 0, 1);
        await requestSeen.Task.WaitAsync(TestDeadline);
        Assert.False(read.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => read.WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task LateAnswerOfATimedOutRequest_IsDiscardedBeforeTheNextRequest()
    {
        var lateAnswerSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var masterGaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var line = new InMemoryRtuLine((unit, pdu) =>
            unit == 2 ? Healthy(1, pdu) with { Bytes = InMemoryRtuLine.Frame(2, [0x03, 0x02, 0x12, 0x34]), HeldUntil = masterGaveUp.Task, Sent = lateAnswerSent }
            : Healthy(unit, pdu));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = ShortTimeout });

        // The answer is held until the timeout has happened, so a slow machine cannot let it arrive in time.
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.ReadHoldingRegistersAsync(2, 0, 1));
        masterGaveUp.SetResult();
        await lateAnswerSent.Task.WaitAsync(TestDeadline);

        Assert.Equal([0x0100], await master.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Broadcast_WritesWithoutWaitingForAnAnswer()
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline, BroadcastTurnaroundDelay = TimeSpan.FromMilliseconds(10) });

        await master.WriteSingleRegisterAsync(0, 1, 2).WaitAsync(TestDeadline);
        await master.WriteMultipleRegistersAsync(0, 1, new ushort[] { 3, 4 }).WaitAsync(TestDeadline);
        Assert.Equal([0x0100], await master.ReadHoldingRegistersAsync(1, 0, 1));

        Assert.Equal(RtuCodecTests.Framed(0, "06 00 01 00 02"), Hex.Format(line.Requests[0]));
        Assert.Equal(RtuCodecTests.Framed(0, "10 00 01 00 02 04 00 03 00 04"), Hex.Format(line.Requests[1]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(248)]
    public async Task Read_FromBroadcastOrReservedUnit_IsRejected(byte unit)
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadHoldingRegistersAsync(unit, 0, 1));
        Assert.Empty(line.Requests);
    }

    [Fact]
    public async Task ConcurrentCallers_AreSerializedOnTheLine()
    {
        await using var line = new InMemoryRtuLine(Healthy);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TestDeadline });

        Task<ushort[]>[] reads = [.. Enumerable.Range(0, 20).Select(i => master.ReadHoldingRegistersAsync((byte)(i % 2 == 0 ? 1 : 3), (ushort)i, 2))];
        ushort[][] results = await Task.WhenAll(reads).WaitAsync(TestDeadline);

        for (int i = 0; i < results.Length; i++)
        {
            int unit = i % 2 == 0 ? 1 : 3;
            Assert.Equal([(ushort)((unit << 8) | i), (ushort)((unit << 8) | (i + 1))], results[i]);
        }
    }
}
