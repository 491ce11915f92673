using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Ports;
using City.Protocols.Modbus;

namespace City.EdgeCtl.Tests;

/// <summary>
/// edgectl over RTU on a real pseudo-terminal pair (socat) against a slave written here: unit 1 answers 03/04 with
/// register value = address (exception 02 from address 1000), unit 2 answers with a broken CRC, other units are silent.
/// A second test reads and writes coils and discrete inputs of the library's <see cref="ModbusRtuSlave"/>.
/// Fails, not skips, without socat (apt-get install -y socat), like tests/Modbus.Tests.
/// </summary>
public sealed class RtuCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Rtu_ReadsRegisters_AndReportsExceptionCrcErrorAndTimeout()
    {
        await using var pty = await SocatPtyPair.StartAsync(Deadline);
        string portA = pty.PortA;
        string portB = pty.PortB;
        using var stop = new CancellationTokenSource();
        try
        {
            // Every edgectl run opens and closes port A; socat ends when the last holder of a pty closes it, so keep one idle handle.
            using var keepOpen = File.OpenHandle(portA, FileMode.Open, FileAccess.ReadWrite);
            using var slavePort = new SerialPort(portB, 19200, Parity.None, 8, StopBits.One);
            slavePort.Open();
            Task slave = Task.Run(() => RunSlaveAsync(slavePort.BaseStream, stop.Token));
            // 8N1: a Linux pty refuses a parity change on its second open (EINVAL, "Value does not fall within the expected range").
            string endpoint = $"rtu://{portA}?baud=19200&parity=none&stop=1";

            var (exit, stdout, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "1", "--table", "holding", "--address", "100", "--count", "2", "--json", "--timeout-ms", "2000");
            Assert.True(exit == 0, stderr);
            Assert.Equal("[100,101]", stdout.TrimEnd());

            (exit, _, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "1", "--table", "input", "--address", "1000", "--timeout-ms", "2000");
            Assert.Equal(1, exit);
            Assert.Equal($"edgectl: unit 1 at rtu://{portA} answered exception 02 illegal data address (function 04)", stderr.TrimEnd());

            (exit, _, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "2", "--table", "holding", "--address", "0", "--timeout-ms", "2000");
            Assert.Equal(1, exit);
            Assert.StartsWith($"edgectl: CRC error in the answer from unit 2 at rtu://{portA}:", stderr, StringComparison.Ordinal);

            (exit, _, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "3", "--table", "holding", "--address", "0", "--timeout-ms", "300");
            Assert.Equal(1, exit);
            Assert.Equal($"edgectl: unit 3 at rtu://{portA} did not answer within 300 ms", stderr.TrimEnd());

            await stop.CancelAsync();
            slavePort.Close();
            await Task.WhenAny(slave, Task.Delay(Deadline));
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    [Fact]
    public async Task Rtu_ReadsCoilsAndDiscreteInputs_AndWritesCoils_OfModbusRtuSlave()
    {
        await using var pty = await SocatPtyPair.StartAsync(Deadline);
        string portA = pty.PortA;
        string portB = pty.PortB;
        using var keepOpen = File.OpenHandle(portA, FileMode.Open, FileAccess.ReadWrite);
        var map = new InMemoryRegisterMap();
        map.AddUnit(5, holdingRegisterCount: 0, inputRegisterCount: 0, coilCount: 16, discreteInputCount: 16);
        map.SetCoils(5, 0, [true, false, true, true]);
        map.SetDiscreteInputs(5, 2, [true, true, false, true]);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(
            new ModbusRtuSerialSettings(portB) { Parity = Parity.None }, map, new ModbusRtuSlaveOptions { UnitIds = [5] });
        slave.Start();
        string endpoint = $"rtu://{portA}?baud=19200&parity=none&stop=1";

        var (exit, stdout, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "5", "--table", "coil", "--address", "0", "--count", "4", "--json", "--timeout-ms", "2000");
        Assert.True(exit == 0, stderr);
        Assert.Equal([true, false, true, true], System.Text.Json.JsonSerializer.Deserialize<bool[]>(stdout)!);

        (exit, stdout, stderr) = await RunAsync("modbus", "read", endpoint, "--unit", "5", "--table", "discrete", "--address", "2", "--count", "4", "--json", "--timeout-ms", "2000");
        Assert.True(exit == 0, stderr);
        Assert.Equal([true, true, false, true], System.Text.Json.JsonSerializer.Deserialize<bool[]>(stdout)!);

        (exit, _, stderr) = await RunAsync("modbus", "write", endpoint, "--unit", "5", "--table", "coil", "--address", "1", "--timeout-ms", "2000", "1");
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = await RunAsync("modbus", "write", endpoint, "--unit", "5", "--table", "coil", "--address", "8", "--timeout-ms", "2000", "1", "0", "1");
        Assert.True(exit == 0, stderr);
        Assert.Equal([true, true, true, true], map.GetCoils(5, 0, 4));
        Assert.Equal([true, false, true], map.GetCoils(5, 8, 3));
    }

    private static async Task RunSlaveAsync(Stream port, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1024];
        int filled = 0;
        byte[] pdu = new byte[ModbusRtuFraming.MaxPduLength];
        byte[] response = new byte[ModbusRtuFraming.MaxAduLength];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int count = await port.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (count == 0)
                {
                    return;
                }

                filled += count;
                OperationStatus status = ModbusRtuFraming.TryReadRequest(buffer.AsSpan(0, filled), out byte unit, out ReadOnlySpan<byte> request, out _);
                if (status == OperationStatus.NeedMoreData)
                {
                    continue;
                }

                filled = 0;
                if (status != OperationStatus.Done || unit is not (1 or 2)
                    || ModbusPdu.DecodeReadRegistersRequest(request, out ModbusFunctionCode function, out ushort address, out ushort quantity) != ModbusPduStatus.Valid)
                {
                    continue;
                }

                int pduLength;
                if (address + quantity > 1000)
                {
                    pdu[0] = (byte)((byte)function | 0x80);
                    pdu[1] = (byte)ModbusExceptionCode.IllegalDataAddress;
                    pduLength = 2;
                }
                else
                {
                    pdu[0] = (byte)function;
                    pdu[1] = (byte)(quantity * 2);
                    for (int i = 0; i < quantity; i++)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(2 + (i * 2)), (ushort)(address + i));
                    }

                    pduLength = 2 + (quantity * 2);
                }

                ModbusRtuFraming.TryWriteFrame(unit, pdu.AsSpan(0, pduLength), response, out int written);
                if (unit == 2)
                {
                    response[written - 1] ^= 0xFF;
                }

                await port.WriteAsync(response.AsMemory(0, written), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
