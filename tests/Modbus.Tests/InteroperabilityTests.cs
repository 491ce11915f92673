using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// Our code against Modbus implementations nobody here wrote: pymodbus (Debian python3-pymodbus, run by
/// /usr/bin/python3) and mbpoll (libmodbus). These tests never skip: a missing peer is a failure.
/// </summary>
public sealed partial class InteroperabilityTests
{
    private const string SystemPython = "/usr/bin/python3";
    private const string InstallHint = "apt-get install -y python3-pymodbus mbpoll";
    private static readonly TimeSpan PeerDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OurClient_ReadsAndWritesRegistersOfPymodbusServer()
    {
        PeerProcess.RequireExecutable(SystemPython, InstallHint);
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "pymodbus_tcp_server.py");
        Assert.True(File.Exists(script), $"Peer script missing from the test output: {script}");
        ushort[] holding = [0x022B, 0x0000, 0x0064, 0xFFFF, 0x42F6, 0xE979, 0, 0, 0, 0];
        ushort[] input = [10, 20, 30];
        IPEndPoint endPoint = FreePort.TcpEndPoint();

        await using PeerProcess server = PeerProcess.Start(
            SystemPython, script, endPoint.Port.ToString(CultureInfo.InvariantCulture), string.Join(',', holding), string.Join(',', input));
        await server.WaitUntilListeningAsync(endPoint, PeerDeadline);
        await using var client = new ModbusTcpClient(endPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(20) });

        try
        {
            Assert.Equal(holding[..4], await client.ReadHoldingRegistersAsync(1, 0, 4));
            Assert.Equal(input, await client.ReadInputRegistersAsync(1, 0, 3));

            ushort[] floatRegisters = await client.ReadHoldingRegistersAsync(1, 4, 2);
            Assert.True(ModbusRegisterValue.TryReadFloat32(floatRegisters, WordOrder.Abcd, out float value));
            Assert.Equal(123.456f, value);

            await client.WriteMultipleRegistersAsync(1, 6, new ushort[] { 1, 2, 3 });
            await client.WriteSingleRegisterAsync(1, 9, 0xBEEF);
            Assert.Equal([1, 2, 3, 0xBEEF], await client.ReadHoldingRegistersAsync(1, 6, 4));

            ModbusException outOfRange = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(1, 8, 5));
            Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outOfRange.ExceptionCode);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex}\npymodbus output:\n{server.Output}");
        }
    }

    [Fact]
    public async Task OurClient_UsesCoilsMaskWriteReadWriteAndIdentificationOfPymodbusServer()
    {
        PeerProcess.RequireExecutable(SystemPython, InstallHint);
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "pymodbus_tcp_server.py");
        Assert.True(File.Exists(script), $"Peer script missing from the test output: {script}");
        const string coils = "1011001111010110101000000000000";
        const string discrete = "0011010111011011101011";
        IPEndPoint endPoint = FreePort.TcpEndPoint();

        await using PeerProcess server = PeerProcess.Start(
            SystemPython, script, endPoint.Port.ToString(CultureInfo.InvariantCulture), "0,0,0,0", "0", coils, discrete);
        await server.WaitUntilListeningAsync(endPoint, PeerDeadline);
        await using var client = new ModbusTcpClient(endPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(20) });

        try
        {
            Assert.Equal(Bits(coils[..19]), await client.ReadCoilsAsync(1, 0, 19));
            Assert.Equal(Bits(discrete), await client.ReadDiscreteInputsAsync(1, 0, 22));

            await client.WriteSingleCoilAsync(1, 1, true);
            await client.WriteMultipleCoilsAsync(1, 20, Bits("1101"));
            Assert.Equal(Bits("1111"), await client.ReadCoilsAsync(1, 0, 4));
            Assert.Equal(Bits("011010"), await client.ReadCoilsAsync(1, 19, 6));

            ModbusException outOfRange = await Assert.ThrowsAsync<ModbusException>(() => client.ReadCoilsAsync(1, 30, 5));
            Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outOfRange.ExceptionCode);

            await client.MaskWriteRegisterAsync(1, 2, 0x00F2, 0x0025);
            await client.WriteSingleRegisterAsync(1, 3, 0x0012);
            await client.MaskWriteRegisterAsync(1, 3, 0x00F2, 0x0025);
            Assert.Equal([0x0005, 0x0017], await client.ReadHoldingRegistersAsync(1, 2, 2));
            Assert.Equal([0xABCD, 0x0005, 0x0017], await client.ReadWriteMultipleRegistersAsync(1, 1, 3, 0, new ushort[] { 0xABCD, 0xABCD }));

            IReadOnlyDictionary<byte, string> identification = await client.ReadDeviceIdentificationAsync(1);
            Assert.Equal("City Test Peer", identification[ModbusPdu.ObjectIdVendorName]);
            Assert.Equal("PYMODBUS", identification[ModbusPdu.ObjectIdProductCode]);
            Assert.Equal("3.0", identification[ModbusPdu.ObjectIdMajorMinorRevision]);

            // pymodbus answers 17 with its identity strings as the server id, then run indicator FF.
            ModbusServerIdentification serverId = await client.ReportServerIdAsync(1);
            Assert.True(serverId.IsRunning);
            Assert.Contains("City Test Peer", System.Text.Encoding.ASCII.GetString(serverId.ServerId), StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex}\npymodbus output:\n{server.Output}");
        }
    }

    [Fact]
    public async Task Mbpoll_ReadsCoilsAndDiscreteInputsFromOurSlave()
    {
        string mbpoll = PeerProcess.RequireExecutable("mbpoll", InstallHint);
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, holdingRegisterCount: 0, inputRegisterCount: 0, coilCount: 40, discreteInputCount: 40);
        bool[] coils = Bits("1011001111010110101");
        bool[] discrete = Bits("0011010111011011101011");
        map.SetCoils(1, 19, coils);
        map.SetDiscreteInputs(1, 4, discrete);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();
        string port = slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);

        // -t 0 reads coils (function 01), -t 1 discrete inputs (function 02); -r 20 is PDU address 19.
        (int exitCode, string output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "20", "-c", "19", "-t", "0", "-1", "-p", port, "127.0.0.1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal(coils.Select(b => (ushort)(b ? 1 : 0)), ParseMbpollValues(output, firstReference: 20, count: 19));

        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "5", "-c", "22", "-t", "1", "-1", "-p", port, "127.0.0.1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal(discrete.Select(b => (ushort)(b ? 1 : 0)), ParseMbpollValues(output, firstReference: 5, count: 22));

        // Writing coils: one value is function 05, several are function 15.
        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "1", "-t", "0", "-p", port, "127.0.0.1", "1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "3", "-t", "0", "-p", port, "127.0.0.1", "1", "0", "1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal(Bits("10101"), map.GetCoils(1, 0, 5));
    }

    [Fact]
    public async Task Mbpoll_ReadsHoldingAndInputRegistersFromOurSlave()
    {
        string mbpoll = PeerProcess.RequireExecutable("mbpoll", InstallHint);
        var registers = new InMemoryRegisterMap();
        registers.AddUnit(1, holdingRegisterCount: 20, inputRegisterCount: 20);
        registers.SetHoldingRegisters(1, 0, [555, 0, 1, 32767, 12345]);
        registers.SetInputRegisters(1, 3, [7, 8]);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), registers);
        await slave.StartAsync();
        string port = slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);

        // -o 10: mbpoll's own 1 s response timeout is too tight for a loaded build machine.
        // -r is a 1-based reference: -r 1 is PDU address 0, -r 4 is address 3.
        (int exitCode, string output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "1", "-c", "5", "-t", "4", "-1", "-p", port, "127.0.0.1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal([555, 0, 1, 32767, 12345], ParseMbpollValues(output, firstReference: 1, count: 5));

        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "4", "-c", "2", "-t", "3", "-1", "-p", port, "127.0.0.1");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal([7, 8], ParseMbpollValues(output, firstReference: 4, count: 2));
    }

    [Fact]
    public async Task Mbpoll_WritesRegistersToOurSlaveAndGetsExceptionBeyondTheMap()
    {
        string mbpoll = PeerProcess.RequireExecutable("mbpoll", InstallHint);
        var registers = new InMemoryRegisterMap();
        registers.AddUnit(1, holdingRegisterCount: 20, inputRegisterCount: 0);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), registers);
        await slave.StartAsync();
        string port = slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);

        // Two values make mbpoll use function 16, one value function 06.
        (int exitCode, string output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "11", "-t", "4", "-p", port, "127.0.0.1", "111", "222");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "20", "-t", "4", "-p", port, "127.0.0.1", "4321");
        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Assert.Equal([111, 222], registers.GetHoldingRegisters(1, 10, 2));
        Assert.Equal([4321], registers.GetHoldingRegisters(1, 19, 1));

        (exitCode, output) = await PeerProcess.RunAsync(PeerDeadline, mbpoll, "-m", "tcp", "-o", "10", "-a", "1", "-r", "20", "-c", "2", "-t", "4", "-1", "-p", port, "127.0.0.1");
        Assert.Contains("Illegal data address", output, StringComparison.OrdinalIgnoreCase);
    }

    private static bool[] Bits(string ones) => [.. ones.Select(c => c == '1')];

    /// <summary>mbpoll prints one line per register or bit: "[reference]: value".</summary>
    private static ushort[] ParseMbpollValues(string output, int firstReference, int count)
    {
        Dictionary<int, ushort> values = MbpollValueLine().Matches(output).ToDictionary(
            m => int.Parse(m.Groups["reference"].Value, CultureInfo.InvariantCulture),
            m => (ushort)int.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        Assert.True(
            Enumerable.Range(firstReference, count).All(values.ContainsKey),
            $"mbpoll output lacks references {firstReference}..{firstReference + count - 1}:\n{output}");
        return [.. Enumerable.Range(firstReference, count).Select(reference => values[reference])];
    }

    [GeneratedRegex(@"^\[(?<reference>\d+)\]:\s+(?<value>-?\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MbpollValueLine();
}
