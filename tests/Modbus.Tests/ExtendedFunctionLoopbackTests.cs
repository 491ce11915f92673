using System.Collections.Concurrent;
using System.Net;

namespace City.Protocols.Modbus.Tests;

/// <summary>Our client against our slave over 127.0.0.1 for functions 01, 02, 05, 15, 17, 22, 23 and 43/14.</summary>
public sealed class ExtendedFunctionLoopbackTests : IAsyncLifetime
{
    private const byte Unit = 1;
    private readonly InMemoryRegisterMap _map = new();
    private readonly ConcurrentQueue<ModbusConnectionFaultEventArgs> _faults = new();
    private ModbusTcpSlave _slave = null!;
    private ModbusTcpClient _client = null!;

    public async Task InitializeAsync()
    {
        _map.AddUnit(Unit, holdingRegisterCount: 200, inputRegisterCount: 10, coilCount: 4000, discreteInputCount: 2500);
        _map.SetDeviceIdentification(Unit, "City Lighting", "CAB-GW-7", "2.11");
        _map.SetServerId(Unit, [0x42, 0x07], isRunning: true);
        _map.AddUnit(2, holdingRegisterCount: 10, inputRegisterCount: 0);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        _slave.ConnectionFaulted += (_, e) => _faults.Enqueue(e);
        await _slave.StartAsync();
        _client = new ModbusTcpClient(_slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _slave.DisposeAsync();
    }

    [Fact]
    public async Task ReadCoils_ReturnsMapBits()
    {
        bool[] expected = ExtendedPduCodecTests.Bits("1011001111010110101");
        _map.SetCoils(Unit, 19, expected);

        Assert.Equal(expected, await _client.ReadCoilsAsync(Unit, 19, 19));
    }

    [Fact]
    public async Task ReadCoilsAndDiscreteInputs_2000Bits_ReturnsAll()
    {
        bool[] expected = [.. Enumerable.Range(0, 2000).Select(i => i % 3 == 0 || i % 7 == 0)];
        _map.SetCoils(Unit, 1000, expected);
        _map.SetDiscreteInputs(Unit, 500, expected);

        Assert.Equal(expected, await _client.ReadCoilsAsync(Unit, 1000, 2000));
        Assert.Equal(expected, await _client.ReadDiscreteInputsAsync(Unit, 500, 2000));
    }

    [Fact]
    public async Task ReadDiscreteInputs_ReturnsMapBits()
    {
        bool[] expected = ExtendedPduCodecTests.Bits("0011010111011011101011");
        _map.SetDiscreteInputs(Unit, 196, expected);

        Assert.Equal(expected, await _client.ReadDiscreteInputsAsync(Unit, 196, 22));
    }

    [Fact]
    public async Task WriteSingleCoil_OnThenOff_UpdatesTheMap()
    {
        await _client.WriteSingleCoilAsync(Unit, 172, true);
        Assert.Equal([true], _map.GetCoils(Unit, 172, 1));

        await _client.WriteSingleCoilAsync(Unit, 172, false);
        Assert.Equal([false], _map.GetCoils(Unit, 172, 1));
    }

    [Fact]
    public async Task WriteMultipleCoils_1968Coils_ReadBack()
    {
        bool[] values = [.. Enumerable.Range(0, ModbusPdu.MaxWriteCoils).Select(i => i % 5 == 1)];

        await _client.WriteMultipleCoilsAsync(Unit, 7, values);

        Assert.Equal(values, _map.GetCoils(Unit, 7, values.Length));
        Assert.Equal(values, (await _client.ReadCoilsAsync(Unit, 7, 2000))[..values.Length]);
    }

    [Fact]
    public async Task MaskWriteRegister_AppliesTheSpecExample()
    {
        _map.SetHoldingRegisters(Unit, 4, [0x0012]);

        await _client.MaskWriteRegisterAsync(Unit, 4, 0x00F2, 0x0025);

        Assert.Equal([0x0017], _map.GetHoldingRegisters(Unit, 4, 1));
    }

    [Fact]
    public async Task ReadWriteMultipleRegisters_WritesThenReads()
    {
        _map.SetHoldingRegisters(Unit, 3, [0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF]);

        ushort[] read = await _client.ReadWriteMultipleRegistersAsync(Unit, readAddress: 3, readCount: 6, writeAddress: 14, new ushort[] { 0xFF, 0xFF, 0xFF });

        Assert.Equal([0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF], read);
        Assert.Equal([0xFF, 0xFF, 0xFF], _map.GetHoldingRegisters(Unit, 14, 3));
        Assert.Equal([9, 8], await _client.ReadWriteMultipleRegistersAsync(Unit, 50, 2, 50, new ushort[] { 9, 8 }));
    }

    [Fact]
    public async Task ReadWriteMultipleRegisters_LargestRequest_RoundTrips()
    {
        ushort[] values = [.. Enumerable.Range(0, 121).Select(i => (ushort)(i * 3))];

        ushort[] read = await _client.ReadWriteMultipleRegistersAsync(Unit, 0, 125, 0, values);

        Assert.Equal(values, read[..121]);
    }

    [Fact]
    public async Task ReportServerId_ReturnsIdAndRunIndicator()
    {
        ModbusServerIdentification identification = await _client.ReportServerIdAsync(Unit);

        Assert.Equal([0x42, 0x07], identification.ServerId);
        Assert.True(identification.IsRunning);
    }

    [Fact]
    public async Task ReadDeviceIdentification_ReturnsTheBasicObjects()
    {
        IReadOnlyDictionary<byte, string> objects = await _client.ReadDeviceIdentificationAsync(Unit);

        Assert.Equal(3, objects.Count);
        Assert.Equal("City Lighting", objects[ModbusPdu.ObjectIdVendorName]);
        Assert.Equal("CAB-GW-7", objects[ModbusPdu.ObjectIdProductCode]);
        Assert.Equal("2.11", objects[ModbusPdu.ObjectIdMajorMinorRevision]);
    }

    [Fact]
    public async Task ReadDeviceIdentification_LongStrings_FollowsMoreFollows()
    {
        _map.AddUnit(3, 0, 0);
        // 7 + 2 + 200 bytes fill most of the first response, so ProductCode comes in a second one.
        string vendor = new('V', 200);
        string product = new('P', 244);
        _map.SetDeviceIdentification(3, vendor, product, "9.9");

        IReadOnlyDictionary<byte, string> objects = await _client.ReadDeviceIdentificationAsync(3);

        Assert.Equal(vendor, objects[0]);
        Assert.Equal(product, objects[1]);
        Assert.Equal("9.9", objects[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _map.SetDeviceIdentification(3, new string('V', 245), "", ""));
    }

    [Fact]
    public async Task ReadDeviceIdentification_IndividualObject_ReturnsOnlyThatObject()
    {
        IReadOnlyDictionary<byte, string> vendor = await _client.ReadDeviceIdentificationAsync(Unit, ModbusReadDeviceIdCode.Individual);
        IReadOnlyDictionary<byte, string> revision = await _client.ReadDeviceIdentificationAsync(Unit, ModbusReadDeviceIdCode.Individual, objectId: 2);

        Assert.Equal("City Lighting", Assert.Single(vendor).Value);
        Assert.Equal(KeyValuePair.Create((byte)2, "2.11"), Assert.Single(revision));
        ModbusException notBasic = await Assert.ThrowsAsync<ModbusException>(
            () => _client.ReadDeviceIdentificationAsync(Unit, ModbusReadDeviceIdCode.Individual, objectId: 3));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, notBasic.ExceptionCode);
    }

    [Fact]
    public async Task UnitWithoutCoilsOrIdentification_AnswersWithExceptions()
    {
        ModbusException coils = await Assert.ThrowsAsync<ModbusException>(() => _client.ReadCoilsAsync(2, 0, 1));
        ModbusException identification = await Assert.ThrowsAsync<ModbusException>(() => _client.ReadDeviceIdentificationAsync(2));
        ModbusException serverId = await Assert.ThrowsAsync<ModbusException>(() => _client.ReportServerIdAsync(2));

        Assert.Equal((ModbusExceptionCode.IllegalDataAddress, ModbusFunctionCode.ReadCoils), (coils.ExceptionCode, coils.Function));
        Assert.Equal(ModbusExceptionCode.IllegalFunction, identification.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.EncapsulatedInterfaceTransport, identification.Function);
        Assert.Equal(ModbusExceptionCode.IllegalFunction, serverId.ExceptionCode);
        Assert.True(_client.IsConnected);
        Assert.Empty(_faults);
    }

    [Fact]
    public async Task ClientRefusesOutOfRangeQuantities_WithoutSending()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadCoilsAsync(Unit, 0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadCoilsAsync(Unit, 0, 2001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadDiscreteInputsAsync(Unit, 0, 2001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.WriteMultipleCoilsAsync(Unit, 0, Array.Empty<bool>()));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.WriteMultipleCoilsAsync(Unit, 0, new bool[1969]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadWriteMultipleRegistersAsync(Unit, 0, 126, 0, new ushort[1]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadWriteMultipleRegistersAsync(Unit, 0, 0, 0, new ushort[1]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadWriteMultipleRegistersAsync(Unit, 0, 1, 0, new ushort[122]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadWriteMultipleRegistersAsync(Unit, 0, 1, 0, Array.Empty<ushort>()));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.ReadDeviceIdentificationAsync(Unit, (ModbusReadDeviceIdCode)5));

        Assert.False(_client.IsConnected);
    }
}
