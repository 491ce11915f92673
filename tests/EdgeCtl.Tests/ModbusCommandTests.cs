using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Protocols.Modbus;

namespace City.EdgeCtl.Tests;

/// <summary>Runs the real edgectl command tree in-process against a <see cref="ModbusTcpSlave"/> on 127.0.0.1.</summary>
public sealed class ModbusCommandTests : IAsyncLifetime
{
    private readonly InMemoryRegisterMap _map = new();
    private ModbusTcpSlave? _slave;

    private string Endpoint => $"tcp://127.0.0.1:{_slave!.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    public async Task InitializeAsync()
    {
        _map.AddUnit(1, holdingRegisterCount: 1000, inputRegisterCount: 1000, coilCount: 64, discreteInputCount: 64);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_slave is not null)
        {
            await _slave.DisposeAsync();
        }
    }

    [Fact]
    public async Task Read_Float32Cdab_PrintsAddressValueTable()
    {
        _map.SetHoldingRegisters(1, 100, [0x8000, 0x4366, 0xCCCD, 0xBDCC]);

        var (exit, stdout, stderr) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "holding", "--address", "100", "--count", "2", "--type", "float32", "--order", "CDAB");

        Assert.Equal(0, exit);
        Assert.Equal("address  value\n    100  230.5\n    102  -0.1\n", stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Read_InputRegistersJson_IsAJsonArrayOfNumbers()
    {
        _map.SetInputRegisters(1, 0, [7, 0xFFFF, 42]);

        var (exit, stdout, _) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "input", "--address", "0", "--count", "3", "--type", "int16", "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        Assert.Equal([7, -1, 42], document.RootElement.EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Read_NonFiniteFloats_AreNullInJson_AndNamedInTheTable()
    {
        _map.SetHoldingRegisters(1, 200, [0x7FC0, 0x0000, 0xFF80, 0x0000, 0x4366, 0x8000]);
        string[] args = ["modbus", "read", Endpoint, "--unit", "1", "--table", "holding", "--address", "200", "--count", "3", "--type", "float32"];

        var (exit, stdout, _) = await RunAsync([.. args, "--json"]);
        var (tableExit, table, _) = await RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Equal("[null,null,230.5]", stdout.Trim());
        Assert.Equal(0, tableExit);
        Assert.Equal("address  value\n    200  NaN\n    202  -Infinity\n    204  230.5\n", table.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_CoilsJson_IsAJsonArrayOfBooleans()
    {
        _map.SetCoils(1, 3, [true, false, true]);

        var (exit, stdout, _) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "coil", "--address", "3", "--count", "3", "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal([true, false, true], document.RootElement.EnumerateArray().Select(e => e.GetBoolean()));
    }

    [Theory]
    [InlineData("discrete")]
    [InlineData("discrete-input")]
    [InlineData("discrete-inputs")]
    public async Task Read_DiscreteInputs_PrintsTrueFalse(string table)
    {
        _map.SetDiscreteInputs(1, 10, [false, true]);

        var (exit, stdout, _) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", table, "--address", "10", "--count", "2");

        Assert.Equal(0, exit);
        Assert.Equal("address  value\n     10  false\n     11  true\n", stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_Int32Values_UsesTheWordOrderAndReadsBack()
    {
        var (exit, stdout, stderr) = await RunAsync("modbus", "write", Endpoint, "--unit", "1", "--table", "holding", "--address", "10", "--type", "int32", "--order", "CDAB", "--json", "--", "-5", "70000");

        Assert.Equal(0, exit);
        Assert.Empty(stderr);
        using (var written = JsonDocument.Parse(stdout))
        {
            Assert.Equal(2, written.RootElement.GetProperty("written").GetInt32());
        }

        Assert.Equal([0xFFFB, 0xFFFF, 0x1170, 0x0001], _map.GetHoldingRegisters(1, 10, 4));

        var (readExit, readBack, _) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "holding", "--address", "10", "--count", "2", "--type", "int32", "--order", "CDAB", "--json");
        Assert.Equal(0, readExit);
        using var document = JsonDocument.Parse(readBack);
        Assert.Equal([-5, 70000], document.RootElement.EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Write_OneUInt16_WritesOneRegister()
    {
        var (exit, stdout, _) = await RunAsync("modbus", "write", Endpoint, "--unit", "1", "--table", "holding", "--address", "200", "0x1234");

        Assert.Equal(0, exit);
        Assert.Contains("(FC06)", stdout, StringComparison.Ordinal);
        Assert.Equal([0x1234, 0], _map.GetHoldingRegisters(1, 200, 2));
    }

    [Fact]
    public async Task Write_Coils_SingleAndMultiple()
    {
        var (exit, stdout, _) = await RunAsync("modbus", "write", Endpoint, "--unit", "1", "--table", "coil", "--address", "5", "on");
        Assert.Equal(0, exit);
        Assert.Contains("wrote coil 5 = true", stdout, StringComparison.Ordinal);
        Assert.Contains("(FC05)", stdout, StringComparison.Ordinal);

        (exit, stdout, _) = await RunAsync("modbus", "write", Endpoint, "--unit", "1", "--table", "coil", "--address", "8", "1", "0", "1");
        Assert.Equal(0, exit);
        Assert.Contains("(FC15)", stdout, StringComparison.Ordinal);

        Assert.Equal([true, false, false, true, false, true], _map.GetCoils(1, 5, 6));
    }

    [Fact]
    public async Task Read_IllegalAddress_NamesTheException()
    {
        var (exit, stdout, stderr) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "holding", "--address", "999", "--count", "2");

        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Equal($"edgectl: unit 1 at {Endpoint} answered exception 02 illegal data address (function 03)", stderr.TrimEnd());
    }

    [Fact]
    public async Task Read_IllegalAddressJson_PrintsErrorObject()
    {
        var (exit, stdout, stderr) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "coil", "--address", "64", "--json");

        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal($"unit 1 at {Endpoint} answered exception 02 illegal data address (function 01)", document.RootElement.GetProperty("error").GetString());
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Read_DeadPort_SaysConnectionRefused()
    {
        int port = FreePort.Tcp();

        var (exit, _, stderr) = await RunAsync("modbus", "read", $"tcp://127.0.0.1:{port}", "--unit", "1", "--table", "holding", "--address", "0");

        Assert.Equal(1, exit);
        Assert.Equal($"edgectl: cannot connect to tcp://127.0.0.1:{port}: connection refused", stderr.TrimEnd());
    }

    [Fact]
    public async Task Read_SilentDevice_SaysDidNotAnswerWithinTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task<TcpClient> accepted = listener.AcceptTcpClientAsync();

        var (exit, _, stderr) = await RunAsync("modbus", "read", $"tcp://127.0.0.1:{port}", "--unit", "3", "--table", "holding", "--address", "0", "--timeout-ms", "200");

        Assert.Equal(1, exit);
        Assert.Equal($"edgectl: unit 3 at tcp://127.0.0.1:{port} did not answer within 200 ms", stderr.TrimEnd());
        (await accepted).Dispose();
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:0", "holding", "uint16", "bad endpoint 'tcp://127.0.0.1:0': port must be 1-65535")]
    [InlineData("serial:/dev/ttyS0", "holding", "uint16", "bad endpoint 'serial:/dev/ttyS0'")]
    [InlineData("tcp://127.0.0.1", "holding", "bool", "--type bool is for coils and discrete inputs")]
    [InlineData("tcp://127.0.0.1", "coil", "uint16", "--table coil holds bits: --type must be bool")]
    [InlineData("tcp://127.0.0.1", "register", "uint16", "bad --table 'register'")]
    [InlineData("tcp://127.0.0.1", "holding", "float", "--count must be 1..62 for float32")]
    [InlineData("tcp://127.0.0.1", "holding", "real", "bad --type 'real'")]
    [InlineData("tcp://127.0.0.1", "holding", "string", "bad --type 'string'")]
    public async Task Read_BadArguments_FailBeforeAnyIo(string endpoint, string table, string type, string expected)
    {
        var (exit, _, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "1", "--table", table, "--address", "0", "--type", type, "--count", "200");

        Assert.Equal(1, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("holding", "uint16", "70000", "bad value '70000' for uint16")]
    [InlineData("holding", "float32", "abc", "bad value 'abc' for float32")]
    [InlineData("coil", "bool", "2", "bad value '2' for bool")]
    [InlineData("input", "uint16", "1", "bad --table 'input': expected holding|coil")]
    public async Task Write_BadValue_FailsWithJsonError(string table, string type, string value, string expected)
    {
        var (exit, stdout, stderr) = await RunAsync("modbus", "write", Endpoint, "--unit", "1", "--table", table, "--address", "0", "--type", type, "--json", value);

        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.Contains(expected, document.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Equal(0, _map.GetHoldingRegisters(1, 0, 1)[0]);
    }

    [Fact]
    public async Task Read_TooManyRegisters_IsRefused()
    {
        var (exit, _, stderr) = await RunAsync("modbus", "read", Endpoint, "--unit", "1", "--table", "holding", "--address", "0", "--count", "32", "--type", "float64");

        Assert.Equal(1, exit);
        Assert.Contains("--count must be 1..31 for float64 (at most 125 registers per request)", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
