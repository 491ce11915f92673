using System.Globalization;
using System.Text.Json;
using City.Protocols.Modbus;

namespace City.Edge.Tests;

/// <summary>
/// Writes to Modbus RTU devices through the local API of an in-process edge, on a socat pseudo-terminal pair with a
/// <see cref="ModbusRtuSlave"/> serving two units: the writes share the line's master with the polls of both devices,
/// and coils and discrete inputs are polled over RTU too.
/// </summary>
public sealed class RtuWriteTests
{
    [Fact]
    public async Task Writes_OnASharedLine_ReachTheSlave_WhileBothDevicesArePolled()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, holdingRegisterCount: 16, inputRegisterCount: 16, coilCount: 8, discreteInputCount: 8);
        map.AddUnit(2, holdingRegisterCount: 16, inputRegisterCount: 16, coilCount: 8, discreteInputCount: 8);
        map.SetDiscreteInputs(2, 0, [true]);
        await using var pair = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var slave = ModbusRtuSlave.Open(new ModbusRtuSerialSettings(pair.PortB), map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();

        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:Central:Port"] = "1";
        values["Edge:SerialLines:0:Name"] = "bus1";
        values["Edge:SerialLines:0:Port"] = pair.PortA;
        values["Edge:SerialLines:0:TimeoutMs"] = "1000";
        for (var unit = 1; unit <= 2; unit++)
        {
            var d = $"Edge:Devices:{unit - 1}";
            values[$"{d}:Name"] = $"io{unit}";
            values[$"{d}:Protocol"] = "modbus-rtu";
            values[$"{d}:Line"] = "bus1";
            values[$"{d}:UnitId"] = unit.ToString(CultureInfo.InvariantCulture);
            values[$"{d}:PauseBetweenRequestsMs"] = "20";
            values[$"{d}:Points:0:Name"] = "setpoint";
            values[$"{d}:Points:0:Register"] = "2";
            values[$"{d}:Points:0:DataType"] = "float32";
            values[$"{d}:Points:0:Writable"] = "true";
            values[$"{d}:Points:0:PeriodMs"] = "200";
            values[$"{d}:Points:1:Name"] = "relay";
            values[$"{d}:Points:1:Table"] = "coil";
            values[$"{d}:Points:1:Register"] = "3";
            values[$"{d}:Points:1:Writable"] = "true";
            values[$"{d}:Points:1:PeriodMs"] = "200";
            values[$"{d}:Points:2:Name"] = "door";
            values[$"{d}:Points:2:Table"] = "discrete";
            values[$"{d}:Points:2:Register"] = "0";
            values[$"{d}:Points:2:PeriodMs"] = "200";
        }

        await using var edge = await InProcessEdge.StartAsync(values);

        for (var round = 0; round < 5; round++)
        {
            foreach (var (device, unit) in new[] { ("io1", (byte)1), ("io2", (byte)2) })
            {
                var value = (round * 10) + unit + 0.5;
                var (status, body) = await edge.PostAsync($"/v1/points/{device}/setpoint", $$"""{"value": {{value.ToString(CultureInfo.InvariantCulture)}}}""");
                using (body)
                {
                    Assert.True(status == 200, body.RootElement.ToString());
                }

                var registers = map.GetHoldingRegisters(unit, 2, 2);
                Assert.True(ModbusRegisterValue.TryReadFloat32(registers, WordOrder.Abcd, out var written));
                Assert.Equal((float)value, written);

                var on = round % 2 == 0;
                (status, body) = await edge.PostAsync($"/v1/points/{device}/relay", on ? """{"value": true}""" : """{"value": false}""");
                using (body)
                {
                    Assert.True(status == 200, body.RootElement.ToString());
                    Assert.Equal("FC05", body.RootElement.GetProperty("function").GetString());
                }

                Assert.Equal([on], map.GetCoils(unit, 3, 1));
            }
        }

        // Both devices' coils and discrete inputs come back good over RTU (FC01/FC02), the written relay state included.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (_, points) = await edge.GetAsync("/v1/points");
            using (points)
            {
                var byId = points.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p);
                if (byId.TryGetValue("io2/door", out var door) && door.GetProperty("quality").GetString() == "good" && door.GetProperty("value").ValueKind == JsonValueKind.True
                    && byId.TryGetValue("io1/relay", out var relay) && relay.GetProperty("quality").GetString() == "good" && relay.GetProperty("value").ValueKind == JsonValueKind.True
                    && byId.TryGetValue("io1/setpoint", out var setpoint) && setpoint.GetProperty("value").ValueKind == JsonValueKind.Number
                    && setpoint.GetProperty("value").GetDouble() == 41.5)
                {
                    break;
                }
            }

            await Task.Delay(100, cts.Token);
        }
    }
}
