using System.Buffers;
using System.Diagnostics;
using System.IO.Ports;
using City.Protocols.Serial;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// <see cref="ModbusRtuMaster"/> over the termios transport and System.IO.Ports on a real pseudo-terminal pair (socat), against pymodbus 3.0
/// (Debian python3-pymodbus, run with /usr/bin/python3) and against a slave written in this test. Never skipped:
/// a missing socat or pymodbus is a failure.
/// </summary>
public sealed class RtuSerialTests
{
    private const string SystemPython = "/usr/bin/python3";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(SerialTransportKind.Termios)]
    [InlineData(SerialTransportKind.Portable)]
    public async Task OurMaster_ReadsAndWritesRegistersOfPymodbusRtuSlave(SerialTransportKind serialTransport)
    {
        PeerProcess.RequireExecutable(SystemPython, "apt-get install -y python3-pymodbus");
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "pymodbus_rtu_server.py");
        Assert.True(File.Exists(script), $"Peer script missing from the test output: {script}");
        ushort[] holding = [0x022B, 0x0000, 0x0064, 0xFFFF, 0x42F6, 0xE979, 0, 0, 0, 0];
        ushort[] input = [10, 20, 30];

        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using PeerProcess slave = PeerProcess.Start(SystemPython, script, pair.PortB, string.Join(',', holding), string.Join(',', input));
        await WaitForOutputAsync(slave, "ready", Deadline);
        // 8N1: pyserial cannot set parity on a Linux pseudo-terminal (EINVAL); on a pty no bits are framed anyway.
        using ModbusRtuTransport transport = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA) { Parity = Parity.None, Transport = serialTransport });
        Assert.Equal(serialTransport, transport.SerialTransport);
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5) });

        try
        {
            Assert.Equal(holding[..4], await FirstReadAsync(master, 1, 0, 4));
            Assert.Equal(input, await master.ReadInputRegistersAsync(1, 0, 3));

            ushort[] floatRegisters = await master.ReadHoldingRegistersAsync(1, 4, 2);
            Assert.True(ModbusRegisterValue.TryReadFloat32(floatRegisters, WordOrder.Abcd, out float value));
            Assert.Equal(123.456f, value);

            await master.WriteMultipleRegistersAsync(1, 6, new ushort[] { 1, 2, 3 });
            await master.WriteSingleRegisterAsync(1, 9, 0xBEEF);
            Assert.Equal([1, 2, 3, 0xBEEF], await master.ReadHoldingRegistersAsync(1, 6, 4));

            ModbusException outOfRange = await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 8, 5));
            Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outOfRange.ExceptionCode);

            // Unit 2 is not served: a dead slave costs its timeout, then unit 1 is served again.
            var deadMaster = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromMilliseconds(500) });
            await Assert.ThrowsAsync<ModbusTimeoutException>(() => deadMaster.ReadHoldingRegistersAsync(2, 0, 1));
            Assert.Equal(holding[..1], await master.ReadHoldingRegistersAsync(1, 0, 1));

            // Broadcast: no answer, but pymodbus executes it.
            var broadcastMaster = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { BroadcastTurnaroundDelay = TimeSpan.FromMilliseconds(500) });
            await broadcastMaster.WriteSingleRegisterAsync(0, 7, 0x0777);
            Assert.Equal([0x0777], await master.ReadHoldingRegistersAsync(1, 7, 1));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex}\npymodbus output:\n{slave.Output}\nsocat output:\n{pair.Output}");
        }
    }

    [Fact]
    public async Task OurMaster_UsesCoilsMaskWriteReadWriteAndIdentificationOfPymodbusRtuSlave()
    {
        PeerProcess.RequireExecutable(SystemPython, "apt-get install -y python3-pymodbus");
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "pymodbus_rtu_server.py");
        ushort[] holding = [0, 0, 0xFFFF, 0x0012, 0, 0];
        const string coils = "1011001110";
        const string discrete = "0011010111011011101011";

        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using PeerProcess slave = PeerProcess.Start(SystemPython, script, pair.PortB, string.Join(',', holding), "1", coils + "000000000000", discrete);
        await WaitForOutputAsync(slave, "ready", Deadline);
        using ModbusRtuTransport transport = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA) { Parity = Parity.None });
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5), Retries = 1 });

        try
        {
            Assert.Equal(holding[..1], await FirstReadAsync(master, 1, 0, 1));
            Assert.Equal(ExtendedPduCodecTests.Bits(coils), await master.ReadCoilsAsync(1, 0, 10));
            Assert.Equal(ExtendedPduCodecTests.Bits(discrete), await master.ReadDiscreteInputsAsync(1, 0, 22));

            await master.WriteSingleCoilAsync(1, 1, true);
            await master.WriteMultipleCoilsAsync(1, 12, ExtendedPduCodecTests.Bits("1101"));
            Assert.Equal(ExtendedPduCodecTests.Bits("1111"), await master.ReadCoilsAsync(1, 0, 4));
            Assert.Equal(ExtendedPduCodecTests.Bits("1101"), await master.ReadCoilsAsync(1, 12, 4));

            // The spec's example: 0x12 AND 0xF2 OR (0x25 AND NOT 0xF2) = 0x17.
            await master.MaskWriteRegisterAsync(1, 3, 0x00F2, 0x0025);
            Assert.Equal([0x0017], await master.ReadHoldingRegistersAsync(1, 3, 1));
            ushort[] readBack = await master.ReadWriteMultipleRegistersAsync(1, readAddress: 0, readCount: 4, writeAddress: 0, new ushort[] { 0xABCD, 0x1234 });
            Assert.Equal([0xABCD, 0x1234, 0xFFFF, 0x0017], readBack);

            IReadOnlyDictionary<byte, string> identification = await master.ReadDeviceIdentificationAsync(1);
            Assert.Equal("City Test Peer", identification[ModbusPdu.ObjectIdVendorName]);
            Assert.Equal("PYMODBUS-RTU", identification[ModbusPdu.ObjectIdProductCode]);
            Assert.Equal("3.0", identification[ModbusPdu.ObjectIdMajorMinorRevision]);

            ModbusServerIdentification serverId = await master.ReportServerIdAsync(1);
            Assert.True(serverId.IsRunning);

            // Broadcast coil write: executed by pymodbus, never answered.
            var broadcastMaster = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { BroadcastTurnaroundDelay = TimeSpan.FromMilliseconds(500) });
            await broadcastMaster.WriteSingleCoilAsync(0, 2, false);
            Assert.Equal(ExtendedPduCodecTests.Bits("1101"), await master.ReadCoilsAsync(1, 0, 4));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex}\npymodbus output:\n{slave.Output}\nsocat output:\n{pair.Output}");
        }
    }

    [Fact]
    public async Task OurMaster_AgainstSerialPortSlave_ReadsAndTimesOutOnDeadUnit()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        using var slavePort = new SerialPort(pair.PortB, 19200, Parity.Even, 8, StopBits.One);
        slavePort.Open();
        using var stop = new CancellationTokenSource();
        Task slave = Task.Run(() => RunSlaveAsync(slavePort.BaseStream, stop.Token));

        using ModbusRtuTransport transport = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA));
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        try
        {
            ushort[] registers = await master.ReadHoldingRegistersAsync(1, 100, 125);
            Assert.Equal(Enumerable.Range(100, 125).Select(i => (ushort)i), registers);

            var deadMaster = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
            await Assert.ThrowsAsync<ModbusTimeoutException>(() => deadMaster.ReadHoldingRegistersAsync(5, 0, 1));

            Assert.Equal([7], await master.ReadInputRegistersAsync(1, 7, 1));
        }
        finally
        {
            await stop.CancelAsync();
            slavePort.Close();
            await Task.WhenAny(slave, Task.Delay(Deadline));
        }
    }

    /// <summary>Unit 1 answers 03/04 with register value = address; other units are silent.</summary>
    private static async Task RunSlaveAsync(Stream port, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1024];
        int filled = 0;
        byte[] response = new byte[ModbusRtuFraming.MaxAduLength];
        byte[] pdu = new byte[ModbusRtuFraming.MaxPduLength];
        ushort[] values = new ushort[ModbusPdu.MaxReadRegisters];
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
                OperationStatus status = ModbusRtuFraming.TryReadRequest(buffer.AsSpan(0, filled), out byte unit, out ReadOnlySpan<byte> request, out int consumed);
                if (status == OperationStatus.NeedMoreData)
                {
                    continue;
                }

                filled = 0;
                if (status != OperationStatus.Done || unit != 1
                    || ModbusPdu.DecodeReadRegistersRequest(request, out ModbusFunctionCode function, out ushort address, out ushort quantity) != ModbusPduStatus.Valid)
                {
                    continue;
                }

                for (int i = 0; i < quantity; i++)
                {
                    values[i] = (ushort)(address + i);
                }

                ModbusPdu.TryEncodeReadRegistersResponse(function, values.AsSpan(0, quantity), pdu, out int pduLength);
                ModbusRtuFraming.TryWriteFrame(unit, pdu.AsSpan(0, pduLength), response, out int written);
                await port.WriteAsync(response.AsMemory(0, written), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The first request after the peer started: retried on timeout, because the peer's port may not be fully ready.</summary>
    private static async Task<ushort[]> FirstReadAsync(ModbusRtuMaster master, byte unit, ushort address, ushort count)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await master.ReadHoldingRegistersAsync(unit, address, count);
            }
            catch (ModbusTimeoutException) when (stopwatch.Elapsed < Deadline)
            {
            }
        }
    }

    private static async Task WaitForOutputAsync(PeerProcess peer, string text, TimeSpan deadline)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!peer.Output.Contains(text, StringComparison.Ordinal))
        {
            if (stopwatch.Elapsed > deadline || peer.Output.Contains("could not open", StringComparison.Ordinal))
            {
                Assert.Fail($"Peer did not print '{text}' within {deadline}. Output:\n{peer.Output}");
            }

            await Task.Delay(50);
        }
    }
}
