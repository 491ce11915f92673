using System.Net;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>Text and scaled points polled from a <see cref="ModbusTcpSlave"/> reach the readings and the local API's latest values.</summary>
public sealed class PointPollingTests
{
    [Fact]
    public async Task StringAndOffsetPoints_ArePolled_AsTextAndScaledNumbers()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, holdingRegisterCount: 32, inputRegisterCount: 0);
        map.SetHoldingRegisters(1, 0, [0x5344, 0x4D36, 0x3330, 0x2020]); // "SDM630  "
        map.SetHoldingRegisters(1, 10, [unchecked((ushort)-125)]);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();
        var device = ModbusDevice.Create("dev", ModbusDevice.TcpProtocol, "127.0.0.1", slave.LocalEndPoint.Port, 1, TimeSpan.FromSeconds(2),
        [
            new PointDefinition("dev", "model", ModbusTable.Holding, 0, RegisterDataType.String, WordOrder.Abcd, 1, "", 50, "") { Length = 4, Alias = 1 },
            new PointDefinition("dev", "temperature", ModbusTable.Holding, 10, RegisterDataType.Int16, WordOrder.Abcd, 0.1, "C", 50, "") { Offset = 20, Alias = 2 },
        ]);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue(1000);
        var poller = new DevicePoller(device, 0, 1, new ModbusDeviceClientFactory(TimeProvider.System), queue.Writer, state, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards a broken build only

        Assert.Single(poller.Requests); // 0..10 across the hole
        var run = poller.RunAsync(cts.Token);
        var readings = new List<Reading>();
        while (readings.Count < 4)
        {
            readings.Add(await queue.Reader.ReadAsync(guard.Token));
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var model = readings.First(r => r.Alias == 1);
        Assert.Equal((Quality.Good, PointType.Text, "SDM630"), (model.Quality, model.Value.Type, model.Value.Text));
        Assert.Equal(7.5, readings.First(r => r.Alias == 2).Value.Number); // -125 x 0.1 + 20
        Assert.Equal("SDM630", state.Latest().Single(v => v.Id == "dev/model").Value.Text);

        // A text reading survives the contract's batch encoding.
        var decoded = BatchCodec.Flatten(BatchCodec.EncodeReadings(readings));
        Assert.Contains(decoded, r => r.Value.Type == PointType.Text && r.Value.Text == "SDM630");
    }
}
