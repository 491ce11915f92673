using System.Net;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// Retries (reads only, after silence or a bad answer) and busy retries (any request, after exception 05/06) in both masters.
/// Timeouts and busy pauses run on a manual clock; the tests wait on counters, never on the wall clock.
/// </summary>
public sealed class RetryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BusyDelay = TimeSpan.FromSeconds(1);

    private static byte[] Answer03(byte unit, ushort value) => InMemoryRtuLine.Frame(unit, [0x03, 0x02, (byte)(value >> 8), (byte)value]);

    private static byte[] ExceptionAnswer(byte unit, byte[] pdu, ModbusExceptionCode code) =>
        InMemoryRtuLine.Frame(unit, [(byte)(pdu[0] | 0x80), (byte)code]);

    /// <summary>A slave that answers by request number (1-based), counting every request it framed.</summary>
    private static Func<byte, byte[], SlaveAnswer> ByRequestNumber(Func<int, byte, byte[], SlaveAnswer> answer)
    {
        int count = 0;
        return (unit, pdu) => answer(Interlocked.Increment(ref count), unit, pdu);
    }

    [Fact]
    public async Task Rtu_ReadThatTimesOut_IsSentAgain_AndSucceeds()
    {
        var clock = new ManualTimeProvider();
        await using var line = new InMemoryRtuLine(ByRequestNumber((n, unit, _) => n <= 2 ? SlaveAnswer.Silence : new(Answer03(unit, 42))));
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = RequestTimeout, Retries = 2, TimeProvider = clock });

        Task<ushort[]> read = master.ReadHoldingRegistersAsync(1, 0, 1);
        await WaitUntilAsync(() => line.Requests.Count == 1);
        clock.Advance(RequestTimeout);
        await WaitUntilAsync(() => line.Requests.Count == 2);
        clock.Advance(RequestTimeout);

        Assert.Equal([42], await read.WaitAsync(Deadline));
        Assert.Equal(3, line.Requests.Count);
        Assert.Equal(2, master.RetryCount);
        Assert.All(line.Requests, r => Assert.Equal(RtuCodecTests.Framed(1, "03 00 00 00 01"), Hex.Format(r)));
    }

    [Fact]
    public async Task Rtu_ReadRetriesRunOut_TimeoutSurfaces()
    {
        var clock = new ManualTimeProvider();
        await using var line = new InMemoryRtuLine((_, _) => SlaveAnswer.Silence);
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = RequestTimeout, Retries = 2, TimeProvider = clock });

        Task<bool[]> read = master.ReadCoilsAsync(1, 0, 8);
        for (int sent = 1; sent <= 3; sent++)
        {
            int expected = sent;
            await WaitUntilAsync(() => line.Requests.Count == expected);
            clock.Advance(RequestTimeout);
        }

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => read.WaitAsync(Deadline));
        Assert.Equal(3, line.Requests.Count);
        Assert.Equal(2, master.RetryCount);
    }

    [Theory]
    [InlineData("CRC error")]
    [InlineData("another unit")]
    [InlineData("another function")]
    [InlineData("malformed PDU")]
    public async Task Rtu_ReadWithACorruptOrMismatchedAnswer_IsSentAgain(string fault)
    {
        await using var line = new InMemoryRtuLine(ByRequestNumber((n, unit, pdu) =>
        {
            if (n > 1)
            {
                return new(Answer03(unit, 7));
            }

            byte[] bad = fault switch
            {
                "CRC error" => Answer03(unit, 7),
                "another unit" => Answer03((byte)(unit + 1), 7),
                "another function" => InMemoryRtuLine.Frame(unit, [0x04, 0x02, 0x00, 0x07]),
                _ => InMemoryRtuLine.Frame(unit, [0x03, 0x04, 0x00, 0x07, 0x00, 0x08]), // two registers for one asked
            };
            if (fault == "CRC error")
            {
                bad[^1] ^= 0xFF;
            }

            return new(bad);
        }));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, Retries = 1 });

        Assert.Equal([7], await master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        Assert.Equal(2, line.Requests.Count);
        Assert.Equal(1, master.RetryCount);
    }

    [Fact]
    public async Task Rtu_WriteThatTimesOut_IsNeverSentAgain()
    {
        var clock = new ManualTimeProvider();
        await using var line = new InMemoryRtuLine((_, _) => SlaveAnswer.Silence);
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = RequestTimeout, Retries = 3, TimeProvider = clock });

        Task write = master.WriteSingleRegisterAsync(1, 0, 5);
        await WaitUntilAsync(() => line.Requests.Count == 1);
        clock.Advance(RequestTimeout);

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => write.WaitAsync(Deadline));
        Assert.Single(line.Requests);
        Assert.Equal(0, master.RetryCount);
    }

    [Fact]
    public async Task Rtu_WriteWithACorruptAnswer_IsNeverSentAgain()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) =>
        {
            byte[] echo = InMemoryRtuLine.Frame(unit, pdu);
            echo[^1] ^= 0xFF;
            return new(echo);
        });
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, Retries = 3 });

        await Assert.ThrowsAsync<ModbusProtocolException>(() => master.WriteMultipleRegistersAsync(1, 0, new ushort[] { 1, 2 }).WaitAsync(Deadline));
        Assert.Single(line.Requests);
    }

    [Fact]
    public async Task Rtu_BusyAnswer_IsSentAgainAfterTheDelayOnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        await using var line = new InMemoryRtuLine(ByRequestNumber((n, unit, pdu) =>
            n <= 2 ? new(ExceptionAnswer(unit, pdu, ModbusExceptionCode.ServerDeviceBusy)) : new(InMemoryRtuLine.Frame(unit, pdu))));
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions
        {
            RequestTimeout = TimeSpan.FromHours(1), BusyRetries = 3, BusyRetryDelay = BusyDelay, TimeProvider = clock,
        });

        Task write = master.WriteSingleRegisterAsync(1, 9, 0x1234);
        await WaitUntilAsync(() => master.BusyRetryCount == 1);

        // The pause is on the manual clock: nothing is sent again until it moves.
        Assert.Single(line.Requests);
        await AdvanceUntilAsync(clock, BusyDelay, () => write.IsCompleted);

        await write.WaitAsync(Deadline);
        Assert.Equal(3, line.Requests.Count);
        Assert.Equal(2, master.BusyRetryCount);
    }

    [Fact]
    public async Task Rtu_AcknowledgeAnswer_IsSentAgainLikeBusy()
    {
        await using var line = new InMemoryRtuLine(ByRequestNumber((n, unit, pdu) =>
            n == 1 ? new(ExceptionAnswer(unit, pdu, ModbusExceptionCode.Acknowledge)) : new(Answer03(unit, 3))));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, BusyRetryDelay = TimeSpan.Zero });

        Assert.Equal([3], await master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        Assert.Equal(1, master.BusyRetryCount);
    }

    [Fact]
    public async Task Rtu_BusyRetriesRunOut_ModbusExceptionWithItsNameSurfaces()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) => new(ExceptionAnswer(unit, pdu, ModbusExceptionCode.ServerDeviceBusy)));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, BusyRetries = 2, BusyRetryDelay = TimeSpan.Zero });

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => master.ReadInputRegistersAsync(1, 0, 1).WaitAsync(Deadline));

        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, ex.ExceptionCode);
        Assert.Contains(nameof(ModbusExceptionCode.ServerDeviceBusy), ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, line.Requests.Count);
        Assert.Equal(2, master.BusyRetryCount);
    }

    [Fact]
    public async Task Rtu_OtherExceptions_AreNotRetried()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) => new(ExceptionAnswer(unit, pdu, ModbusExceptionCode.IllegalDataAddress)));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, Retries = 3, BusyRetries = 3 });

        await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        Assert.Single(line.Requests);
        Assert.Equal(0, master.RetryCount + master.BusyRetryCount);
    }

    [Fact]
    public async Task Rtu_DuringABusyPause_TheLineServesOtherUnits()
    {
        var clock = new ManualTimeProvider();
        int unitOneRequests = 0;
        await using var line = new InMemoryRtuLine((unit, pdu) =>
            unit == 1 && Interlocked.Increment(ref unitOneRequests) == 1
                ? new(ExceptionAnswer(unit, pdu, ModbusExceptionCode.ServerDeviceBusy))
                : new(Answer03(unit, unit)));
        using ModbusRtuTransport transport = line.CreateTransport(clock);
        TimeSpan longPause = TimeSpan.FromHours(1);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions
        {
            RequestTimeout = TimeSpan.FromDays(1), BusyRetryDelay = longPause, TimeProvider = clock,
        });

        Task<ushort[]> busy = master.ReadHoldingRegistersAsync(1, 0, 1);
        await WaitUntilAsync(() => master.BusyRetryCount == 1);

        // The transport keeps t3.5 of silence between frames on the same clock: move it in steps far shorter than the pause.
        Task<ushort[]> other = master.ReadHoldingRegistersAsync(3, 0, 1);
        await AdvanceUntilAsync(clock, TimeSpan.FromMilliseconds(1), () => other.IsCompleted);
        Assert.Equal([3], await other.WaitAsync(Deadline));
        Assert.False(busy.IsCompleted);

        await AdvanceUntilAsync(clock, longPause, () => busy.IsCompleted);
        Assert.Equal([1], await busy.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Tcp_ReadThatTimesOut_IsSentAgainOnANewConnection()
    {
        var clock = new ManualTimeProvider();
        int requests = 0;
        await using var peer = new ScriptedPeer(async (socket, index, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                Interlocked.Increment(ref requests);
                if (index > 0)
                {
                    await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "04 02 00 2A", stopping);
                }
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { Retries = 1, TimeProvider = clock });

        Task<ushort[]> read = client.ReadInputRegistersAsync(1, 0, 1);
        await WaitUntilAsync(() => Volatile.Read(ref requests) == 1);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([42], await read.WaitAsync(Deadline));
        Assert.Equal(2, peer.AcceptedCount);
        Assert.Equal(1, client.RetryCount);
    }

    [Fact]
    public async Task Tcp_ReadWhoseConnectionWasClosed_IsSentAgainOnANewConnection()
    {
        await using var peer = new ScriptedPeer(async (socket, index, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                if (index == 0)
                {
                    return;
                }

                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "03 02 00 07", stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { RequestTimeout = Deadline, Retries = 1 });

        Assert.Equal([7], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        Assert.Equal(1, client.RetryCount);
    }

    [Fact]
    public async Task Tcp_BusySlave_IsRetried_ThenAnswers_AndAWriteIsExecutedOnce()
    {
        InMemoryRegisterMap map = MasterContractTests.CreateMap();
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map, new ModbusTcpSlaveOptions
        {
            Faults = new ModbusFaults { BusyFirstRequests = 2 },
        });
        await slave.StartAsync();
        await using var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = Deadline, BusyRetryDelay = TimeSpan.Zero });

        Assert.Equal([100, 101], await client.ReadHoldingRegistersAsync(1, 0, 2).WaitAsync(Deadline));
        Assert.Equal(2, client.BusyRetryCount);

        slave.AnswerBusy(1);
        await client.MaskWriteRegisterAsync(1, 0, 0x0000, 0x00F0).WaitAsync(Deadline);
        Assert.Equal([0x00F0], map.GetHoldingRegisters(1, 0, 1));
        Assert.Equal(3, client.BusyRetryCount);
        Assert.Equal(3, slave.BusyAnswerCount);
    }

    [Fact]
    public async Task Tcp_BusyRetriesRunOut_ModbusExceptionSurfaces()
    {
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), MasterContractTests.CreateMap(), new ModbusTcpSlaveOptions
        {
            Faults = new ModbusFaults { BusyProbability = 1.0 },
        });
        await slave.StartAsync();
        await using var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions
        {
            RequestTimeout = Deadline, BusyRetries = 1, BusyRetryDelay = TimeSpan.Zero,
        });

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => client.WriteSingleCoilAsync(1, 0, true).WaitAsync(Deadline));

        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, ex.ExceptionCode);
        Assert.Equal(2, slave.BusyAnswerCount);
        Assert.Equal(1, client.BusyRetryCount);
    }

    [Fact]
    public void NegativeRetrySettings_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, 1), new ModbusTcpClientOptions { Retries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, 1), new ModbusTcpClientOptions { BusyRetries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModbusRtuMaster(new NoLine(), new ModbusRtuMasterOptions { BusyRetryDelay = TimeSpan.FromSeconds(-1) }));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    /// <summary>Moves the clock by <paramref name="step"/> until <paramref name="done"/>, letting the awaiting code run between steps.</summary>
    internal static async Task AdvanceUntilAsync(ManualTimeProvider clock, TimeSpan step, Func<bool> done)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!done())
        {
            clock.Advance(step);
            await Task.Delay(5, deadline.Token);
        }
    }

    private sealed class NoLine : IModbusRtuLine
    {
        public Task<int> ExchangeAsync(ReadOnlyMemory<byte> request, Memory<byte> response, byte unit, byte function, TimeSpan timeout, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
