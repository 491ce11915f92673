using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus.Tests;

/// <summary>Our client against our slave over 127.0.0.1 with an OS-assigned port.</summary>
public sealed class ClientSlaveLoopbackTests : IAsyncLifetime
{
    private const byte Unit = 1;
    private readonly InMemoryRegisterMap _registers = new();
    private readonly ConcurrentQueue<ModbusConnectionFaultEventArgs> _faults = new();
    private ModbusTcpSlave _slave = null!;

    public async Task InitializeAsync()
    {
        _registers.AddUnit(Unit, holdingRegisterCount: 1000, inputRegisterCount: 100);
        _registers.AddUnit(2, holdingRegisterCount: 10, inputRegisterCount: 10);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _registers);
        _slave.ConnectionFaulted += (_, e) => _faults.Enqueue(e);
        await _slave.StartAsync();
    }

    public async Task DisposeAsync() => await _slave.DisposeAsync();

    [Fact]
    public void LocalEndPoint_AfterStartOnPortZero_HasTheBoundPort()
    {
        Assert.Equal(IPAddress.Loopback, _slave.LocalEndPoint.Address);
        Assert.NotEqual(0, _slave.LocalEndPoint.Port);
    }

    [Fact]
    public async Task ReadHoldingRegisters_ReturnsMapValues()
    {
        _registers.SetHoldingRegisters(Unit, 0x6B, [0x022B, 0x0000, 0x0064]);
        await using var client = NewClient(_slave.LocalEndPoint);

        ushort[] values = await client.ReadHoldingRegistersAsync(Unit, 0x6B, 3);

        Assert.Equal([0x022B, 0x0000, 0x0064], values);
    }

    [Fact]
    public async Task ClientWithDnsEndPoint_ConnectsByName()
    {
        _registers.SetHoldingRegisters(Unit, 0, [77]);
        await using var client = new ModbusTcpClient(
            new DnsEndPoint("localhost", _slave.LocalEndPoint.Port), new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });

        Assert.Equal([77], await client.ReadHoldingRegistersAsync(Unit, 0, 1));
    }

    [Fact]
    public async Task ReadInputRegisters_IntoMemory_ReturnsMapValues()
    {
        _registers.SetInputRegisters(Unit, 8, [10, 20]);
        await using var client = NewClient(_slave.LocalEndPoint);
        ushort[] destination = new ushort[2];

        await client.ReadInputRegistersAsync(Unit, 8, destination);

        Assert.Equal([10, 20], destination);
    }

    [Fact]
    public async Task ReadHoldingRegisters_125Registers_ReturnsAll()
    {
        ushort[] expected = [.. Enumerable.Range(0, 125).Select(i => (ushort)(i * 257))];
        _registers.SetHoldingRegisters(Unit, 500, expected);
        await using var client = NewClient(_slave.LocalEndPoint);

        Assert.Equal(expected, await client.ReadHoldingRegistersAsync(Unit, 500, 125));
    }

    [Fact]
    public async Task WriteSingleAndMultipleRegisters_UpdateTheMap()
    {
        await using var client = NewClient(_slave.LocalEndPoint);

        await client.WriteSingleRegisterAsync(Unit, 1, 3);
        await client.WriteMultipleRegistersAsync(Unit, 10, new ushort[] { 0x000A, 0x0102, 0xFFFF });

        Assert.Equal([3], _registers.GetHoldingRegisters(Unit, 1, 1));
        Assert.Equal([0x000A, 0x0102, 0xFFFF], _registers.GetHoldingRegisters(Unit, 10, 3));
        Assert.Equal([0x000A, 0x0102, 0xFFFF], await client.ReadHoldingRegistersAsync(Unit, 10, 3));
    }

    [Fact]
    public async Task FloatWrittenInCdab_ReadsBackInCdab()
    {
        await using var client = NewClient(_slave.LocalEndPoint);
        ushort[] encoded = new ushort[2];
        ModbusRegisterValue.TryWriteFloat32(-1.5f, WordOrder.Cdab, encoded);

        await client.WriteMultipleRegistersAsync(Unit, 20, encoded);
        ushort[] read = await client.ReadHoldingRegistersAsync(Unit, 20, 2);

        Assert.Equal([0x0000, 0xBFC0], read);
        Assert.True(ModbusRegisterValue.TryReadFloat32(read, WordOrder.Cdab, out float value));
        Assert.Equal(-1.5f, value);
    }

    [Fact]
    public async Task ReadBeyondTheMap_ThrowsIllegalDataAddress()
    {
        await using var client = NewClient(_slave.LocalEndPoint);

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(Unit, 999, 2));

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, ex.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, ex.Function);
        Assert.Equal(Unit, ex.UnitId);
    }

    [Fact]
    public async Task ExceptionResponse_LeavesTheConnectionUsable()
    {
        _registers.SetInputRegisters(Unit, 0, [42]);
        await using var client = NewClient(_slave.LocalEndPoint);

        await Assert.ThrowsAsync<ModbusException>(() => client.WriteSingleRegisterAsync(Unit, 5000, 1));

        Assert.True(client.IsConnected);
        Assert.Equal([42], await client.ReadInputRegistersAsync(Unit, 0, 1));
    }

    [Fact]
    public async Task UnknownUnit_ThrowsGatewayPathUnavailable()
    {
        await using var client = NewClient(_slave.LocalEndPoint);

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => client.ReadInputRegistersAsync(99, 0, 1));

        Assert.Equal(ModbusExceptionCode.GatewayPathUnavailable, ex.ExceptionCode);
    }

    [Theory]
    [InlineData("Device identification on a unit without it", "2B 0E 01 00", "AB01")]
    [InlineData("Read exception status is not implemented", "07", "8701")]
    [InlineData("Read coils on a unit without coils", "01 00 00 00 08", "8102")]
    [InlineData("Write single coil value 1234", "05 00 00 12 34", "8503")]
    [InlineData("Read quantity 126", "03 00 00 00 7E", "8303")]
    [InlineData("Read quantity 0", "04 00 00 00 00", "8403")]
    [InlineData("Write multiple byte count mismatch", "10 00 01 00 02 03 00 0A 01", "9003")]
    [InlineData("Write multiple quantity 0", "10 00 01 00 00 00", "9003")]
    public async Task RawRequest_IsAnsweredWithExceptionCode(string description, string requestPduHex, string expectedResponsePduHex)
    {
        _ = description;
        using Socket socket = await ConnectRawAsync();

        byte[] response = await ExchangeRawAsync(socket, 0x4242, Unit, Hex.Parse(requestPduHex));

        Assert.Equal("4242" + "0000" + (expectedResponsePduHex.Length / 2 + 1).ToString("X4", null) + "01" + expectedResponsePduHex, Hex.Format(response));
    }

    [Fact]
    public async Task RawRequest_ResponseEchoesTransactionAndUnit()
    {
        _registers.SetHoldingRegisters(2, 0, [7]);
        using Socket socket = await ConnectRawAsync();

        byte[] response = await ExchangeRawAsync(socket, 0xABCD, 2, Hex.Parse("03 00 00 00 01"));

        Assert.Equal("ABCD00000005020302" + "0007", Hex.Format(response));
    }

    [Theory]
    [InlineData("Length field 0x1000", "00 01 00 00 10 00 01 03 00 00 00 01")]
    [InlineData("Protocol id 5", "00 01 00 05 00 06 01 03 00 00 00 01")]
    [InlineData("Truncated read request in a valid MBAP frame", "00 01 00 00 00 04 01 03 00 00")]
    [InlineData("Write single request with trailing bytes", "00 01 00 00 00 08 01 06 00 00 00 01 00 00")]
    public async Task MalformedFrame_ClosesThatConnectionOnly(string description, string frameHex)
    {
        _ = description;
        _registers.SetHoldingRegisters(Unit, 0, [11, 22]);
        await using var healthyClient = NewClient(_slave.LocalEndPoint);
        Assert.Equal([11, 22], await healthyClient.ReadHoldingRegistersAsync(Unit, 0, 2));
        using Socket badSocket = await ConnectRawAsync();

        await badSocket.SendAsync(Hex.Parse(frameHex), SocketFlags.None);
        int received = await badSocket.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, received);
        Assert.Equal([11, 22], await healthyClient.ReadHoldingRegistersAsync(Unit, 0, 2));
        Assert.Contains(_faults, f => f.Exception is ModbusProtocolException);
    }

    [Fact]
    public async Task ManyClientsConcurrently_EachGetsItsOwnValues()
    {
        const int clientCount = 16;
        for (ushort i = 0; i < clientCount; i++)
        {
            _registers.SetHoldingRegisters(Unit, (ushort)(i * 10), [i, (ushort)(i + 1000)]);
        }

        await Task.WhenAll(Enumerable.Range(0, clientCount).Select(async i =>
        {
            await using var client = NewClient(_slave.LocalEndPoint);
            for (int round = 0; round < 25; round++)
            {
                ushort[] values = await client.ReadHoldingRegistersAsync(Unit, (ushort)(i * 10), 2);
                Assert.Equal([(ushort)i, (ushort)(i + 1000)], values);
            }
        }));
    }

    [Fact]
    public async Task ConcurrentCallsOnOneClient_AreSerialisedAndMatched()
    {
        _registers.SetInputRegisters(Unit, 0, [.. Enumerable.Range(0, 50).Select(i => (ushort)i)]);
        await using var client = NewClient(_slave.LocalEndPoint);

        ushort[][] results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.ReadInputRegistersAsync(Unit, (ushort)i, 1)));

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal([(ushort)i], results[i]);
        }
    }

    [Fact]
    public async Task RegisterMapThatThrows_AnswersServerDeviceFailureAndReportsTheFault()
    {
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), new ThrowingRegisterMap());
        var faults = new ConcurrentQueue<Exception>();
        slave.ConnectionFaulted += (_, e) => faults.Enqueue(e.Exception);
        await slave.StartAsync();
        await using var client = NewClient(slave.LocalEndPoint);

        ModbusException ex = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));

        Assert.Equal(ModbusExceptionCode.ServerDeviceFailure, ex.ExceptionCode);
        Assert.Contains(faults, f => f is InvalidOperationException);
    }

    [Fact]
    public async Task SlaveDisposed_ClientCallFailsThenReconnectsToANewSlave()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, 10, 10);
        map.SetHoldingRegisters(1, 0, [5]);
        var first = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await first.StartAsync();
        IPEndPoint endPoint = first.LocalEndPoint;
        await using var client = NewClient(endPoint);
        Assert.Equal([5], await client.ReadHoldingRegistersAsync(1, 0, 1));

        await first.DisposeAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.False(client.IsConnected);

        await using var second = new ModbusTcpSlave(endPoint, map);
        await second.StartAsync();
        Assert.Equal([5], await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Dispose_ClosesOpenConnections()
    {
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _registers);
        await slave.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(slave.LocalEndPoint);
        await ExchangeRawAsync(socket, 1, Unit, Hex.Parse("03 00 00 00 01"));
        Assert.Equal(1, slave.ActiveConnectionCount);

        await slave.DisposeAsync();

        Assert.Equal(0, await socket.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, slave.ActiveConnectionCount);
    }

    /// <summary>A client whose timeout is far beyond any loopback round trip, so a loaded test machine cannot fail these tests.</summary>
    private static ModbusTcpClient NewClient(IPEndPoint endPoint) =>
        new(endPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });

    private async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_slave.LocalEndPoint);
        return socket;
    }

    private static async Task<byte[]> ExchangeRawAsync(Socket socket, ushort transactionId, byte unitId, byte[] pdu)
    {
        byte[] adu = new byte[MbapHeader.Size + pdu.Length];
        ModbusTcpFraming.TryWriteFrame(transactionId, unitId, pdu, adu, out _);
        await socket.SendAsync(adu, SocketFlags.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        (ushort responseTransaction, byte responseUnit, byte[] responsePdu) = await ScriptedPeer.ReadRequestAsync(socket, timeout.Token)
            ?? throw new IOException("The slave closed the connection instead of answering.");
        byte[] response = new byte[MbapHeader.Size + responsePdu.Length];
        ModbusTcpFraming.TryWriteFrame(responseTransaction, responseUnit, responsePdu, response, out _);
        return response;
    }

    private sealed class ThrowingRegisterMap : IModbusRegisterMap
    {
        public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) =>
            throw new InvalidOperationException("Simulated device fault.");

        public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) =>
            throw new InvalidOperationException("Simulated device fault.");

        public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) =>
            throw new InvalidOperationException("Simulated device fault.");

        public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) =>
            throw new InvalidOperationException("Simulated device fault.");
    }
}
