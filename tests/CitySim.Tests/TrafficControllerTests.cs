using System.Net;
using City.Protocols.Modbus;
using City.Sim.Devices;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

public class TrafficControllerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_mode_write_takes_effect_on_the_next_second()
    {
        var controller = new TrafficController(2, Start, seed: 1);
        IModbusRegisterMap map = controller.RegisterMap;

        Assert.Null(map.WriteSingleRegister(2, TrafficController.RequestedModeRegister, (ushort)TrafficControllerMode.Flash));
        Assert.Equal([(ushort)TrafficControllerMode.Flash], Holding(map, TrafficController.RequestedModeRegister, 1));
        Assert.Equal((ushort)TrafficControllerMode.Actuated, Input(map, TrafficController.ModeRegister, 1)[0]);

        controller.Update(Start + TimeSpan.FromMilliseconds(999));
        Assert.Equal((ushort)TrafficControllerMode.Actuated, Input(map, TrafficController.ModeRegister, 1)[0]);

        controller.Update(Start + TimeSpan.FromSeconds(1));
        var registers = Input(map, 0, 3);
        Assert.Equal((ushort)TrafficControllerMode.Flash, registers[TrafficController.ModeRegister]);
        Assert.Equal(0, registers[TrafficController.StageRegister]);
    }

    [Fact]
    public void Invalid_writes_are_refused()
    {
        IModbusRegisterMap map = new TrafficController(2, Start, seed: 1).RegisterMap;

        Assert.Equal(ModbusExceptionCode.IllegalDataValue, map.WriteSingleRegister(2, TrafficController.RequestedModeRegister, 6));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.WriteSingleRegister(2, 0, 1));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.WriteCoils(2, 0, [true]));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.ReadInputRegisters(2, 10, new ushort[5]));
        Assert.Equal(ModbusExceptionCode.GatewayPathUnavailable, map.ReadInputRegisters(1, 0, new ushort[1]));
    }

    [Fact]
    public void Detector_counts_and_the_cycle_advance_with_a_fake_clock()
    {
        var clock = new FakeTimeProvider(Start);
        var controller = new TrafficController(2, clock.GetUtcNow(), seed: 3);
        IModbusRegisterMap map = controller.RegisterMap;
        var before = Input(map, TrafficController.DetectorCountRegister, TrafficController.DetectorCount);
        Assert.All(before, c => Assert.Equal(0, c));

        clock.Advance(TimeSpan.FromMinutes(10));
        controller.Update(clock.GetUtcNow());

        var registers = Input(map, 0, TrafficController.InputRegisterCount);
        var counts = registers.AsSpan(TrafficController.DetectorCountRegister, TrafficController.DetectorCount).ToArray();
        // 200..900 vehicles/h per detector: 33..150 expected in 10 minutes.
        Assert.All(counts, c => Assert.InRange(c, 5, 300));
        Assert.Equal(600 % TrafficController.CycleLength, registers[TrafficController.CycleSecondRegister]);
        Assert.InRange(registers[TrafficController.StageRegister], 1, 4);

        clock.Advance(TimeSpan.FromMinutes(10));
        controller.Update(clock.GetUtcNow());
        var later = Input(map, TrafficController.DetectorCountRegister, TrafficController.DetectorCount);
        Assert.All(Enumerable.Range(0, TrafficController.DetectorCount), i => Assert.True(later[i] > counts[i]));
    }

    [Fact]
    public void Alarms_show_in_the_alarm_word_and_on_the_discrete_inputs()
    {
        var controller = new TrafficController(2, Start, seed: 1);
        IModbusRegisterMap map = controller.RegisterMap;
        var inputs = new bool[TrafficController.DiscreteInputCount];
        Assert.Null(map.ReadDiscreteInputs(2, 0, inputs));
        Assert.Equal([false, true, true, false], inputs);

        controller.SetAlarms(TrafficControllerAlarms.DoorOpen | TrafficControllerAlarms.LampFailure, cabinetTemperatureAlarm: true);

        Assert.True(ModbusRegisterValue.TryReadUInt32(Input(map, TrafficController.AlarmRegister, 2), WordOrder.Abcd, out var alarms));
        Assert.Equal(0b1001u, alarms);
        Assert.Null(map.ReadDiscreteInputs(2, 0, inputs));
        Assert.Equal([true, true, false, true], inputs);
    }

    [Fact]
    public async Task The_host_ticks_the_controller_once_a_second_on_its_clock()
    {
        var clock = new FakeTimeProvider(Start);
        var controller = new TrafficController(2, clock.GetUtcNow(), seed: 1);
        await using var host = new ModbusDeviceHost(clock);
        var endPoint = await host.AddAsync(controller, controller.RegisterMap, new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
        await using var client = new ModbusTcpClient(endPoint);

        await client.WriteSingleRegisterAsync(2, TrafficController.RequestedModeRegister, (ushort)TrafficControllerMode.Manual);
        Assert.Equal((ushort)TrafficControllerMode.Actuated, (await client.ReadInputRegistersAsync(2, 0, 1))[0]);

        clock.Advance(TimeSpan.FromSeconds(1));
        ushort mode = 0;
        for (var i = 0; i < 100 && mode != (ushort)TrafficControllerMode.Manual; i++)
        {
            mode = (await client.ReadInputRegistersAsync(2, 0, 1))[0];
            await Task.Delay(10);
        }

        Assert.Equal((ushort)TrafficControllerMode.Manual, mode);
    }

    private static ushort[] Input(IModbusRegisterMap map, ushort address, int count)
    {
        var values = new ushort[count];
        Assert.Null(map.ReadInputRegisters(2, address, values));
        return values;
    }

    private static ushort[] Holding(IModbusRegisterMap map, ushort address, int count)
    {
        var values = new ushort[count];
        Assert.Null(map.ReadHoldingRegisters(2, address, values));
        return values;
    }
}
