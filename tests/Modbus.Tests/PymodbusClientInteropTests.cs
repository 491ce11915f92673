using System.Globalization;
using System.IO.Ports;
using System.Net;
using System.Text.Json;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// pymodbus' client (Debian python3-pymodbus, a master nobody here wrote) against our slaves, over TCP and over RTU on
/// a socat pseudo-terminal pair. The peer runs a fixed script of requests (peers/pymodbus_client.py) covering functions
/// 01/02/03/04/05/06/15/16/22/23 and a read beyond the map; the test checks what it read and what it wrote. Never skipped.
/// </summary>
public sealed class PymodbusClientInteropTests
{
    private const string SystemPython = "/usr/bin/python3";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PymodbusClient_AgainstOurTcpSlave()
    {
        InMemoryRegisterMap map = ScriptMap(unit: 1);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();

        (int exitCode, string output) = await PeerProcess.RunAsync(
            Deadline, SystemPython, Script(), "tcp", "127.0.0.1", slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "1");

        AssertScriptResult(map, unit: 1, exitCode, output);
    }

    [Fact]
    public async Task PymodbusClient_AgainstOurRtuSlave()
    {
        InMemoryRegisterMap map = ScriptMap(unit: 7);
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        // 8N1: a pseudo-terminal cannot be given a parity.
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(
            new ModbusRtuSerialSettings(pair.PortB) { Parity = Parity.None }, map, new ModbusRtuSlaveOptions { UnitIds = [7] });
        slave.Start();

        (int exitCode, string output) = await PeerProcess.RunAsync(Deadline, SystemPython, Script(), "rtu", pair.PortA, "19200", "7");

        AssertScriptResult(map, unit: 7, exitCode, output);
    }

    private static string Script()
    {
        PeerProcess.RequireExecutable(SystemPython, "apt-get install -y python3-pymodbus");
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "pymodbus_client.py");
        Assert.True(File.Exists(script), $"Peer script missing from the test output: {script}");
        return script;
    }

    /// <summary>The map peers/pymodbus_client.py expects: 100 holding, 20 input registers, 40 coils, 40 discrete inputs.</summary>
    private static InMemoryRegisterMap ScriptMap(byte unit)
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(unit, holdingRegisterCount: 100, inputRegisterCount: 20, coilCount: 40, discreteInputCount: 40);
        map.SetHoldingRegisters(unit, 0, [0x022B, 0, 100, 0xFFFF, 0x42F6, 0xE979, 6, 7, 8, 9]);
        map.SetHoldingRegisters(unit, 20, [0x1234]);
        map.SetInputRegisters(unit, 0, [10, 20, 30, 40, 50]);
        map.SetCoils(unit, 0, Bits("101100111101"));
        map.SetDiscreteInputs(unit, 0, Bits("001101011101"));
        return map;
    }

    private static void AssertScriptResult(InMemoryRegisterMap map, byte unit, int exitCode, string output)
    {
        Assert.True(exitCode == 0, $"pymodbus client exited with {exitCode}:\n{output}");
        string json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(line => line.StartsWith('{'));
        using JsonDocument result = JsonDocument.Parse(json);
        JsonElement root = result.RootElement;

        Assert.Equal([0x022B, 0, 100, 0xFFFF, 0x42F6, 0xE979, 6, 7, 8, 9], Registers(root, "holding"));
        Assert.Equal([10, 20, 30, 40, 50], Registers(root, "input"));
        Assert.Equal(Bits("101100111101"), root.GetProperty("coils").EnumerateArray().Select(e => e.GetBoolean()));
        Assert.Equal(Bits("001101011101"), root.GetProperty("discrete").EnumerateArray().Select(e => e.GetBoolean()));
        // Function 23 writes before it reads: registers 10-12 hold what function 16 wrote.
        Assert.Equal([1, 2, 3], Registers(root, "readwrite"));
        Assert.Equal((int)ModbusExceptionCode.IllegalDataAddress, root.GetProperty("beyond_exception_code").GetInt32());

        Assert.Equal([4242], map.GetHoldingRegisters(unit, 5, 1));
        Assert.Equal([1, 2, 3], map.GetHoldingRegisters(unit, 10, 3));
        // Function 22: (0x1234 AND 0x00F2) OR (0x0025 AND NOT 0x00F2) = 0x0030 | 0x0005.
        Assert.Equal([0x0035], map.GetHoldingRegisters(unit, 20, 1));
        Assert.Equal([7, 8], map.GetHoldingRegisters(unit, 30, 2));
        // Function 05 set coil 4; function 15 wrote 1, 0, 1 at coils 8-10.
        Assert.Equal(Bits("101110111011"), map.GetCoils(unit, 0, 12));
    }

    private static ushort[] Registers(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.GetUInt16())];

    private static bool[] Bits(string ones) => [.. ones.Select(c => c == '1')];
}
