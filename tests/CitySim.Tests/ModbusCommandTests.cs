using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Modbus;
using City.Sim.Devices;

namespace City.Sim.Tests;

public class ModbusCommandTests
{
    [Fact]
    public async Task Citysim_modbus_serves_meter_unit_1_traffic_controller_unit_2_and_three_phase_meter_unit_3_over_tcp()
    {
        var port = FreePort.Tcp();
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { ModbusCommand.Create(TimeProvider.System) };
        var run = root.Parse(["modbus", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]).InvokeAsync(cancellationToken: stop.Token);
        try
        {
            await using var client = new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, port), new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
            var meter = await RetryAsync(() => client.ReadInputRegistersAsync(ModbusCommand.MeterUnit, 0, EnergyMeter.RegisterCount), run);
            Assert.True(ModbusRegisterValue.TryReadFloat32(meter.AsSpan(0, 2), WordOrder.Abcd, out var voltage));
            Assert.InRange(voltage, 225f, 235f);

            var controller = await client.ReadInputRegistersAsync(ModbusCommand.TrafficControllerUnit, 0, TrafficController.InputRegisterCount);
            Assert.Equal((ushort)TrafficControllerMode.Actuated, controller[TrafficController.ModeRegister]);
            var occupied = await client.ReadCoilsAsync(ModbusCommand.TrafficControllerUnit, 0, TrafficController.DetectorCount);
            Assert.Equal(TrafficController.DetectorCount, occupied.Length);
            var cabinet = await client.ReadDiscreteInputsAsync(ModbusCommand.TrafficControllerUnit, 0, TrafficController.DiscreteInputCount);
            Assert.Equal([false, true, true, false], cabinet);

            await client.WriteSingleRegisterAsync(ModbusCommand.TrafficControllerUnit, TrafficController.RequestedModeRegister, (ushort)TrafficControllerMode.Flash);
            var requested = await client.ReadHoldingRegistersAsync(ModbusCommand.TrafficControllerUnit, TrafficController.RequestedModeRegister, 1);
            Assert.Equal([(ushort)TrafficControllerMode.Flash], requested);

            var threePhase = await client.ReadInputRegistersAsync(ModbusCommand.ThreePhaseMeterUnit, ThreePhaseMeter.FrequencyAddress, 2);
            Assert.True(ModbusRegisterValue.TryReadFloat32(threePhase, WordOrder.Abcd, out var frequency));
            Assert.InRange(frequency, 49.9f, 50.1f);

            var unknown = await Assert.ThrowsAsync<ModbusException>(() => client.ReadInputRegistersAsync(4, 0, 1));
            Assert.Equal(ModbusExceptionCode.GatewayPathUnavailable, unknown.ExceptionCode);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action, Task<int> run)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (ex is SocketException or IOException && attempt < 100 && !run.IsCompleted)
            {
                await Task.Delay(50);
            }
        }
    }
}
