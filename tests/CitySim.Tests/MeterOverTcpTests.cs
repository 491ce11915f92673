using System.Net;
using City.Protocols.Modbus;
using City.Sim.Devices;

namespace City.Sim.Tests;

public class MeterOverTcpTests
{
    [Fact]
    public async Task A_Modbus_client_reads_the_same_values_from_input_and_holding_registers()
    {
        var meter = new EnergyMeter(7, DateTimeOffset.UtcNow, seed: 9);
        await using var host = new ModbusDeviceHost(TimeProvider.System);
        var endPoint = await host.AddAsync(meter, meter.RegisterMap, new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
        await using var client = new ModbusTcpClient(endPoint);

        var input = await client.ReadInputRegistersAsync(7, 0, EnergyMeter.RegisterCount);
        var holding = await client.ReadHoldingRegistersAsync(7, 0, EnergyMeter.RegisterCount);

        Assert.True(ModbusRegisterValue.TryReadFloat32(input.AsSpan(0, 2), WordOrder.Abcd, out var voltage));
        Assert.InRange(voltage, 225f, 235f);
        Assert.True(ModbusRegisterValue.TryReadUInt64(input.AsSpan(8, 4), WordOrder.Abcd, out var energy));
        Assert.InRange(energy, 100_000UL, 100_100UL);

        // The model may tick between the two reads; the energy words are the only ones that cannot go back.
        Assert.True(ModbusRegisterValue.TryReadUInt64(holding.AsSpan(8, 4), WordOrder.Abcd, out var holdingEnergy));
        Assert.True(holdingEnergy >= energy);
    }

    [Fact]
    public async Task Injected_failures_reach_the_client_as_exception_04()
    {
        var meter = new EnergyMeter(1, DateTimeOffset.UtcNow, seed: 0);
        await using var host = new ModbusDeviceHost(TimeProvider.System);
        var endPoint = await host.AddAsync(meter, new FaultInjectingRegisterMap(meter.RegisterMap, 1.0), new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
        await using var client = new ModbusTcpClient(endPoint);

        var error = await Assert.ThrowsAsync<ModbusException>(() => client.ReadInputRegistersAsync(1, 0, 2));

        Assert.Equal(ModbusExceptionCode.ServerDeviceFailure, error.ExceptionCode);
    }
}
