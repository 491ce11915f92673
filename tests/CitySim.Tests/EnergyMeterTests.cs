using City.Protocols.Modbus;
using City.Sim.Devices;

namespace City.Sim.Tests;

public class EnergyMeterTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Registers_decode_to_the_values_in_the_documented_layout()
    {
        var meter = new EnergyMeter(unitId: 1, Start, seed: 3);
        meter.Update(Start.AddSeconds(5));
        Span<ushort> input = stackalloc ushort[EnergyMeter.RegisterCount];

        Assert.Null(meter.RegisterMap.ReadInputRegisters(1, 0, input));

        var values = meter.Values;
        Assert.True(ModbusRegisterValue.TryReadFloat32(input[0..2], WordOrder.Abcd, out var voltage));
        Assert.True(ModbusRegisterValue.TryReadFloat32(input[2..4], WordOrder.Abcd, out var current));
        Assert.True(ModbusRegisterValue.TryReadFloat32(input[4..6], WordOrder.Abcd, out var power));
        Assert.True(ModbusRegisterValue.TryReadFloat32(input[6..8], WordOrder.Abcd, out var powerFactor));
        Assert.True(ModbusRegisterValue.TryReadUInt64(input[8..12], WordOrder.Abcd, out var energy));
        Assert.Equal(values.Voltage, voltage);
        Assert.Equal(values.Current, current);
        Assert.Equal(values.ActivePower, power);
        Assert.Equal(values.PowerFactor, powerFactor);
        Assert.Equal(values.EnergyWh, energy);
        Assert.Equal(0, input[12]);
    }

    [Fact]
    public void Holding_registers_mirror_the_input_registers()
    {
        var meter = new EnergyMeter(1, Start, seed: 1);
        meter.Update(Start.AddSeconds(42));
        var input = new ushort[EnergyMeter.RegisterCount];
        var holding = new ushort[EnergyMeter.RegisterCount];

        Assert.Null(meter.RegisterMap.ReadInputRegisters(1, 0, input));
        Assert.Null(meter.RegisterMap.ReadHoldingRegisters(1, 0, holding));

        Assert.Equal(input, holding);
    }

    [Fact]
    public void Values_stay_in_their_ranges_and_power_is_the_product_rounded_to_a_tenth()
    {
        var meter = new EnergyMeter(1, Start, seed: 7);
        for (var s = 1; s <= 3600; s += 7)
        {
            meter.Update(Start.AddSeconds(s));
            var v = meter.Values;
            Assert.InRange(v.Voltage, 225f, 235f);
            Assert.InRange(v.Current, 0.1f, 40f);
            Assert.InRange(v.PowerFactor, 0.895f, 0.995f);
            Assert.Equal(Math.Round(v.Voltage, 2), Math.Round((double)v.Voltage, 2), 4);
            var expected = Math.Round(Math.Round((double)v.Voltage, 2) * Math.Round((double)v.Current, 2) * Math.Round((double)v.PowerFactor, 2), 1);
            Assert.Equal(expected, v.ActivePower, 0.05);
        }
    }

    [Fact]
    public void Energy_integrates_the_power_over_time_keeping_fractions()
    {
        var meter = new EnergyMeter(1, Start, seed: 2, initialEnergyWh: 1000);
        var expected = 1000.0;
        for (var s = 1; s <= 600; s++)
        {
            // One-second steps: the power shown during a second is what the counter integrates.
            expected += meter.Values.ActivePower / 3600.0;
            meter.Update(Start.AddSeconds(s));
        }

        Assert.Equal(expected, meter.EnergyWh, 1e-6);
        Assert.Equal((ulong)Math.Floor(expected), meter.Values.EnergyWh);
        Assert.True(meter.EnergyWh > 1000 + 100, "ten minutes at more than 600 W add more than 100 Wh");
    }

    [Fact]
    public void A_long_jump_of_the_clock_is_integrated_in_bounded_steps()
    {
        var meter = new EnergyMeter(1, Start, seed: 4, initialEnergyWh: 0);

        meter.Update(Start.AddDays(3));

        // Between 0.1 A x 225 V x 0.9 and 40 A x 235 V x 0.99, for 72 hours.
        Assert.InRange(meter.EnergyWh, 0.1 * 225 * 0.9 * 72, 40 * 235 * 0.99 * 72);
    }

    [Fact]
    public void Writes_another_unit_and_addresses_beyond_the_layout_are_refused()
    {
        var map = new EnergyMeter(5, Start, seed: 0).RegisterMap;
        var buffer = new ushort[2];

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.WriteSingleRegister(5, 0, 1));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.WriteMultipleRegisters(5, 0, [1, 2]));
        Assert.Equal(ModbusExceptionCode.GatewayPathUnavailable, map.ReadInputRegisters(1, 0, buffer));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.ReadInputRegisters(5, 12, buffer));
        Assert.Null(map.ReadInputRegisters(5, 11, buffer));
    }
}
