using System.Diagnostics;
using System.Net.Sockets;

namespace City.Protocols.Modbus.Tests;

/// <summary>Our client against scripted servers that misbehave in the ways field devices do.</summary>
public sealed class ClientBehaviourTests
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(30);

    /// <summary>For tests that are not about timeouts: no loaded machine takes this long on loopback.</summary>
    private static readonly ModbusTcpClientOptions Patient = new() { RequestTimeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task ServerAcceptsButNeverAnswers_TimesOutAfterRequestTimeout()
    {
        var requestReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            await ScriptedPeer.ReadRequestAsync(socket, stopping);
            requestReceived.TrySetResult();
            await Task.Delay(Timeout.Infinite, stopping);
        });
        var clock = new ManualTimeProvider();
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { TimeProvider = clock });

        Task<ushort[]> read = client.ReadHoldingRegistersAsync(1, 0, 1);
        await requestReceived.Task.WaitAsync(TestDeadline);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(read.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => read.WaitAsync(TestDeadline));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task PauseAfterConnect_HoldsTheFirstRequestOfEachConnection()
    {
        var requestReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                requestReceived.TrySetResult();
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "03 02 00 2A", stopping);
            }
        });
        var clock = new ManualTimeProvider();
        DateTimeOffset pauseEnds = clock.GetUtcNow() + TimeSpan.FromSeconds(2);
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { TimeProvider = clock, PauseAfterConnect = TimeSpan.FromSeconds(2) });

        Task<ushort[]> read = client.ReadHoldingRegistersAsync(1, 0, 1);
        var waited = Stopwatch.StartNew();
        while (!clock.HasTimerDueAt(pauseEnds))
        {
            Assert.True(waited.Elapsed < TestDeadline, "the client never started its pause after connecting");
            await Task.Delay(10);
        }

        Assert.True(client.IsConnected);
        Assert.False(requestReceived.Task.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([42], await read.WaitAsync(TestDeadline));

        // Same connection: no pause.
        Assert.Equal([42], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task ServerAcceptsButNeverAnswers_RealClockShortTimeout_Throws()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) => await Task.Delay(Timeout.Infinite, stopping));
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(100) });

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadInputRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task AfterTimeout_NextCallReconnectsAndSucceeds()
    {
        var firstRequestReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = new ScriptedPeer(async (socket, index, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                if (index == 0)
                {
                    firstRequestReceived.TrySetResult();
                    continue;
                }

                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "03 02 00 2A", stopping);
            }
        });
        var clock = new ManualTimeProvider();
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { TimeProvider = clock });

        Task<ushort[]> unanswered = client.ReadHoldingRegistersAsync(1, 0, 1);
        await firstRequestReceived.Task.WaitAsync(TestDeadline);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => unanswered.WaitAsync(TestDeadline));
        ushort[] values = await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline);

        Assert.Equal([42], values);
        Assert.Equal(2, peer.AcceptedCount);
    }

    [Fact]
    public async Task ServerClosesConnection_CallFailsAndNextCallReconnects()
    {
        await using var peer = new ScriptedPeer(async (socket, index, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                if (index == 0)
                {
                    return;
                }

                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "06 00 05 00 07", stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        await Assert.ThrowsAnyAsync<IOException>(() => client.WriteSingleRegisterAsync(1, 5, 7).WaitAsync(TestDeadline));
        await client.WriteSingleRegisterAsync(1, 5, 7).WaitAsync(TestDeadline);

        Assert.Equal(2, peer.AcceptedCount);
    }

    [Fact]
    public async Task ResponseWithUnknownTransactionId_IsSkippedAndCounted()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                await ScriptedPeer.SendResponseAsync(socket, (ushort)(request.TransactionId + 100), request.UnitId, "03 02 FF FF", stopping);
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "03 02 00 01", stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        Assert.Equal([1], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));
        Assert.Equal([1], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));

        Assert.Equal(2, client.UnmatchedResponseCount);
    }

    [Fact]
    public async Task ResponseFromAnotherUnit_ThrowsProtocolException()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, (byte)(request.UnitId + 1), "03 02 00 01", stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => client.ReadHoldingRegistersAsync(3, 0, 1).WaitAsync(TestDeadline));

        Assert.Contains("unit 4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Byte count for two registers, one asked", "03 04 00 01 00 02", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Answer to another function", "04 02 00 01", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Exception response with trailing byte", "83 02 00", ModbusPduStatus.TrailingBytes)]
    public async Task MalformedResponse_ThrowsProtocolExceptionWithStatus(string description, string responsePduHex, ModbusPduStatus expected)
    {
        _ = description;
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, responsePduHex, stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));

        Assert.Equal(expected, ex.Status);
    }

    [Theory]
    [InlineData("Coils: byte count 1 for 9 coils", "01 01 FF", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Coils: answer to discrete inputs", "02 02 FF 01", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Single coil echoing value 1234", "05 00 01 12 34", ModbusPduStatus.EchoMismatch)]
    [InlineData("Server id with run indicator 12", "11 02 01 12", ModbusPduStatus.InvalidValue)]
    [InlineData("Device identification object overrunning the PDU", "2B 0E 01 01 00 00 01 00 09 41", ModbusPduStatus.Truncated)]
    [InlineData("Read/write answer with byte count for 2 registers", "17 04 00 01 00 02", ModbusPduStatus.ByteCountMismatch)]
    public async Task MalformedResponseToNewFunctions_ThrowsProtocolExceptionWithStatus(string description, string responsePduHex, ModbusPduStatus expected)
    {
        _ = description;
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, responsePduHex, stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);
        Task call = Hex.Parse(responsePduHex)[0] switch
        {
            0x01 or 0x02 => client.ReadCoilsAsync(1, 0, 9),
            0x05 => client.WriteSingleCoilAsync(1, 1, true),
            0x11 => client.ReportServerIdAsync(1),
            0x2B => client.ReadDeviceIdentificationAsync(1),
            _ => client.ReadWriteMultipleRegistersAsync(1, 0, 1, 0, new ushort[] { 1 }),
        };

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => call.WaitAsync(TestDeadline));

        Assert.Equal(expected, ex.Status);
    }

    [Fact]
    public async Task DeviceIdentificationWhoseMoreFollowsDoesNotAdvance_ThrowsProtocolException()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            while (await ScriptedPeer.ReadRequestAsync(socket, stopping) is { } request)
            {
                await ScriptedPeer.SendResponseAsync(socket, request.TransactionId, request.UnitId, "2B 0E 01 01 FF 00 01 00 01 41", stopping);
            }
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        ModbusProtocolException ex = await Assert.ThrowsAsync<ModbusProtocolException>(() => client.ReadDeviceIdentificationAsync(1).WaitAsync(TestDeadline));

        Assert.Contains("does not advance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidMbapHeaderInResponse_ThrowsProtocolExceptionAndDropsConnection()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            await ScriptedPeer.ReadRequestAsync(socket, stopping);
            await socket.SendAsync(Hex.Parse("00 01 00 00 FF FF 01 03"), SocketFlags.None, stopping);
            await Task.Delay(Timeout.Infinite, stopping);
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        await Assert.ThrowsAsync<ModbusProtocolException>(() => client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));

        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task ResponseSplitAcrossSegments_IsReassembled()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            ushort transaction = (await ScriptedPeer.ReadRequestAsync(socket, stopping))!.Value.TransactionId;
            byte[] adu = new byte[11];
            ModbusTcpFraming.TryWriteFrame(transaction, 1, Hex.Parse("03 02 12 34"), adu, out _);
            foreach (byte b in adu)
            {
                await socket.SendAsync(new[] { b }, SocketFlags.None, stopping);
                await Task.Delay(2, stopping);
            }

            await Task.Delay(Timeout.Infinite, stopping);
        });
        await using var client = new ModbusTcpClient(peer.EndPoint, Patient);

        Assert.Equal([0x1234], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task CallerCancels_ThrowsOperationCanceledNotTimeout()
    {
        await using var peer = new ScriptedPeer(async (socket, _, stopping) => await Task.Delay(Timeout.Infinite, stopping));
        await using var client = new ModbusTcpClient(peer.EndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromMinutes(5) });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Exception ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadHoldingRegistersAsync(1, 0, 1, cancellation.Token).WaitAsync(TestDeadline));

        Assert.IsNotType<ModbusTimeoutException>(ex);
    }

    [Fact]
    public async Task NothingListening_ConnectFailsWithSocketException()
    {
        var unusedPort = FreePort.TcpEndPoint();
        await using var client = new ModbusTcpClient(unusedPort);

        await Assert.ThrowsAsync<SocketException>(() => client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task InvalidCounts_ThrowArgumentOutOfRange()
    {
        await using var client = new ModbusTcpClient(FreePort.TcpEndPoint());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadHoldingRegistersAsync(1, 0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadInputRegistersAsync(1, 0, 126));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WriteMultipleRegistersAsync(1, 0, new ushort[124]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WriteMultipleRegistersAsync(1, 0, ReadOnlyMemory<ushort>.Empty));
    }

    [Fact]
    public async Task DisposedClient_ThrowsObjectDisposed()
    {
        var client = new ModbusTcpClient(FreePort.TcpEndPoint());
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
    }
}
