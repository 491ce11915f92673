using City.Protocols.Modbus;
using City.Sim.Devices;

namespace City.Sim.Tests;

public class ThreePhaseMeterTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Registers_hold_the_values_at_the_sdm630_addresses()
    {
        var meter = new ThreePhaseMeter(unitId: 3, Start, seed: 5);
        meter.Update(Start.AddSeconds(10));
        var input = new ushort[ThreePhaseMeter.RegisterCount];
        Assert.Null(meter.RegisterMap.ReadInputRegisters(3, 0, input));

        var values = meter.Values;
        for (var phase = 0; phase < 3; phase++)
        {
            Assert.Equal(values.Voltage[phase], Float(input, 0x0000 + (2 * phase)));
            Assert.Equal(values.Current[phase], Float(input, 0x0006 + (2 * phase)));
            Assert.Equal(values.Power[phase], Float(input, 0x000C + (2 * phase)));
            Assert.Equal(values.PowerFactor[phase], Float(input, 0x001E + (2 * phase)));
            Assert.InRange(values.Voltage[phase], 225f, 235f);
            Assert.InRange(values.PowerFactor[phase], 0.9f, 0.99f);
        }

        Assert.Equal(values.TotalPower, Float(input, 0x0034));
        Assert.InRange(Float(input, 0x0046), 49.9f, 50.1f);
        Assert.Equal(values.ImportKwh, Float(input, 0x0048));
        Assert.Equal(0f, Float(input, 0x004A));
        Assert.Equal(values.ImportKwh, Float(input, 0x0156));
        Assert.Equal(values.Power.Sum(), values.TotalPower, 0.5f);
    }

    [Fact]
    public void Import_energy_integrates_the_total_power()
    {
        var meter = new ThreePhaseMeter(unitId: 3, Start, seed: 1, initialImportKwh: 100);
        double expected = 100;
        for (var second = 1; second <= 3600; second++)
        {
            expected += meter.Values.TotalPower / 1000.0 / 3600.0;
            meter.Update(Start.AddSeconds(second));
        }

        Assert.Equal(expected, meter.Values.ImportKwh, 0.1);
        Assert.True(meter.Values.ImportKwh > 100);
    }

    [Fact]
    public void Holding_registers_and_writes_are_refused()
    {
        var meter = new ThreePhaseMeter(unitId: 3, Start, seed: 1);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, meter.RegisterMap.ReadHoldingRegisters(3, 0, new ushort[1]));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, meter.RegisterMap.WriteSingleRegister(3, 0, 1));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, meter.RegisterMap.ReadInputRegisters(3, ThreePhaseMeter.RegisterCount - 1, new ushort[2]));
    }

    private static float Float(ushort[] registers, int address)
    {
        Assert.True(ModbusRegisterValue.TryReadFloat32(registers.AsSpan(address, 2), WordOrder.Abcd, out var value));
        return value;
    }
}
