using System.Diagnostics;
using System.Globalization;
using System.IO.Ports;
using System.Text.RegularExpressions;
using City.Protocols.Serial;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// <see cref="ModbusRtuSlave"/> on a socat pseudo-terminal pair: against our <see cref="ModbusRtuMaster"/> (03/04/06/16),
/// against raw bytes (bad CRC, partial frame), and against mbpoll (libmodbus), a master nobody here wrote.
/// Never skipped: a missing socat or mbpoll is a failure.
/// </summary>
public sealed partial class RtuSlaveTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OurMaster_ReadsAndWritesRegistersOfTwoUnits_AndBroadcastReachesBoth()
    {
        InMemoryRegisterMap map = TwoUnitMap();
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(new ModbusRtuSerialSettings(pair.PortB), map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();
        using ModbusRtuTransport line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA));
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5), BroadcastTurnaroundDelay = TimeSpan.FromMilliseconds(200) });

        Assert.Equal([100, 101, 102, 103], await master.ReadHoldingRegistersAsync(1, 0, 4));
        Assert.Equal([2000, 2001], await master.ReadInputRegistersAsync(2, 0, 2));
        ushort[] all = await master.ReadHoldingRegistersAsync(2, 0, 125);
        Assert.Equal(Enumerable.Range(200, 125).Select(i => (ushort)i), all);

        await master.WriteSingleRegisterAsync(1, 10, 0xBEEF);
        await master.WriteMultipleRegistersAsync(2, 20, new ushort[] { 7, 8, 9 });
        Assert.Equal([0xBEEF], await master.ReadHoldingRegistersAsync(1, 10, 1));
        Assert.Equal([7, 8, 9], await master.ReadHoldingRegistersAsync(2, 20, 3));
        Assert.Equal([0xBEEF], map.GetHoldingRegisters(1, 10, 1));

        ModbusException outOfRange = await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 199, 2));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outOfRange.ExceptionCode);

        await master.WriteSingleRegisterAsync(0, 50, 0x0505);
        Assert.Equal([0x0505], await master.ReadHoldingRegistersAsync(1, 50, 1));
        Assert.Equal([0x0505], await master.ReadHoldingRegistersAsync(2, 50, 1));
        Assert.Equal(1, slave.BroadcastCount);
        Assert.Equal(0, slave.BadCrcCount);
    }

    [Fact]
    public async Task OurMaster_CoilsMaskWriteReadWriteAndIdentification_OverAPty()
    {
        InMemoryRegisterMap map = MasterContractTests.CreateMap();
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(new ModbusRtuSerialSettings(pair.PortB), map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();
        using ModbusRtuTransport line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA));
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5), BroadcastTurnaroundDelay = TimeSpan.FromMilliseconds(200) });
        bool[] pattern = [.. Enumerable.Range(0, 2000).Select(i => i % 5 == 0)];
        map.SetDiscreteInputs(1, 0, pattern);

        await master.WriteMultipleCoilsAsync(1, 0, pattern.AsMemory(0, 64));
        await master.WriteSingleCoilAsync(1, 1, true);
        bool[] coils = await master.ReadCoilsAsync(1, 0, 64);
        Assert.Equal(pattern[..64].Select((b, i) => b || i == 1), coils);
        Assert.Equal(pattern, await master.ReadDiscreteInputsAsync(1, 0, 2000));

        map.SetHoldingRegisters(1, 4, [0x12]);
        await master.MaskWriteRegisterAsync(0, 4, 0x00F2, 0x0025);
        Assert.Equal([0x17], map.GetHoldingRegisters(1, 4, 1));
        Assert.Equal([120, 7, 8, 123], await master.ReadWriteMultipleRegistersAsync(1, 20, 4, 21, new ushort[] { 7, 8 }));

        Assert.Equal([0x42, 0x07], (await master.ReportServerIdAsync(1)).ServerId);
        Assert.Equal("CAB-GW-7", (await master.ReadDeviceIdentificationAsync(1))[ModbusPdu.ObjectIdProductCode]);
        Assert.Equal(1, slave.BroadcastCount);
        Assert.Equal(0, slave.BadCrcCount);
    }

    [Fact]
    public async Task SilentUnit_CostsItsTimeout_AndTheOtherUnitAnswers()
    {
        InMemoryRegisterMap map = TwoUnitMap();
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(
            new ModbusRtuSerialSettings(pair.PortB), map, new ModbusRtuSlaveOptions { UnitIds = [1, 2], Faults = new ModbusFaults { SilentUnitIds = [2] } });
        slave.Start();
        using ModbusRtuTransport line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA));
        // Long enough for a live answer through socat on a loaded machine (300 ms was not, on the first exchange).
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(1) });

        Assert.Equal([100], await master.ReadHoldingRegistersAsync(1, 0, 1));
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.ReadHoldingRegistersAsync(2, 0, 1));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(990), $"timed out after {stopwatch.Elapsed}");
        Assert.Equal([101], await master.ReadHoldingRegistersAsync(1, 1, 1));

        // A write to the silent unit is not executed either.
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.WriteSingleRegisterAsync(2, 0, 9));
        Assert.Equal([200], map.GetHoldingRegisters(2, 0, 1));
        Assert.Equal(2, slave.SilencedCount);
    }

    [Fact]
    public async Task CorruptedAnswer_IsReportedByTheMasterAsCrcError()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(
            new ModbusRtuSerialSettings(pair.PortB), TwoUnitMap(), new ModbusRtuSlaveOptions { UnitIds = [1], Faults = new ModbusFaults { CrcErrorProbability = 1.0 } });
        slave.Start();
        using ModbusRtuTransport line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA));
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5) });

        ModbusProtocolException error = await Assert.ThrowsAsync<ModbusProtocolException>(() => master.ReadHoldingRegistersAsync(1, 0, 4));

        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ModbusRtuFrameError.BadCrc), error.Message, StringComparison.Ordinal);
        await WaitUntilAsync(() => slave.CorruptedResponseCount == 1);
    }

    [Fact]
    public async Task BadCrcRequest_IsDroppedSilentlyAndCounted_PartialFrameIsDiscardedAfterSilence()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(new ModbusRtuSerialSettings(pair.PortB), TwoUnitMap(), new ModbusRtuSlaveOptions { UnitIds = [1] });
        slave.Start();
        using var port = new SerialPort(pair.PortA, 19200, Parity.Even, 8, StopBits.One) { ReadTimeout = 10_000 };
        port.Open();
        byte[] request = Frame(1, [0x03, 0x00, 0x00, 0x00, 0x02]);

        byte[] bad = [.. request];
        bad[^1] ^= 0xFF;
        port.Write(bad, 0, bad.Length);
        await WaitUntilAsync(() => slave.BadCrcCount == 1);
        await Task.Delay(100);
        Assert.Equal(0, port.BytesToRead);

        port.Write(request, 0, 3);
        await WaitUntilAsync(() => slave.DiscardedFrameCount == 1);
        port.Write(request, 0, request.Length);
        byte[] response = ReadExactly(port, 9);
        Assert.Equal(Frame(1, [0x03, 0x04, 0x00, 100, 0x00, 101]), response);
        Assert.Equal(1, slave.DiscardedFrameCount);

        // The slave counts a response after writing it: the bytes can arrive first.
        await WaitUntilAsync(() => slave.ResponseCount == 1);
    }

    [Fact]
    public async Task WireTiming_DelaysTheAnswerByTheTransmissionTimeAtTheConfiguredBaud()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        var settings = new ModbusRtuSerialSettings(pair.PortB) { BaudRate = 9600 };
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(settings, TwoUnitMap(), new ModbusRtuSlaveOptions { UnitIds = [1], WireTiming = true });
        slave.Start();
        using ModbusRtuTransport line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA) { BaudRate = 9600 });
        var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(5) });

        var stopwatch = Stopwatch.StartNew();
        await master.ReadHoldingRegistersAsync(1, 0, 125);

        // 8-byte request, 255-byte response and the t3.5 between them at 9600 baud 8E1: about 305 ms (a lower bound only).
        Assert.True(stopwatch.Elapsed >= settings.Timing.TransmissionTime(8 + 255) + settings.Timing.T35 - TimeSpan.FromMilliseconds(1), $"answered after {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData(SerialTransportKind.Termios)]
    [InlineData(SerialTransportKind.Portable)]
    public async Task Mbpoll_ReadsHoldingRegistersFromOurRtuSlave(SerialTransportKind serialTransport)
    {
        string mbpoll = PeerProcess.RequireExecutable("mbpoll", "apt-get install -y mbpoll");
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        // A pseudo-terminal cannot be given a parity: 8N1 on both sides.
        await using ModbusRtuSlave slave = ModbusRtuSlave.Open(
            new ModbusRtuSerialSettings(pair.PortB) { Parity = Parity.None, Transport = serialTransport }, TwoUnitMap(), new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();

        (int exitCode, string output) = await PeerProcess.RunAsync(
            Deadline, mbpoll, "-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-r", "1", "-c", "4", "-o", "2", "-1", pair.PortA);

        Assert.True(exitCode == 0, $"mbpoll exited with {exitCode}:\n{output}");
        Dictionary<int, int> values = MbpollValue().Matches(output).ToDictionary(
            m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal(new Dictionary<int, int> { [1] = 100, [2] = 101, [3] = 102, [4] = 103 }, values);
        await WaitUntilAsync(() => slave.ResponseCount == 1);
    }

    /// <summary>Units 1 and 2: 200 holding registers holding 100*unit + address, input registers 1000*unit + address.</summary>
    private static InMemoryRegisterMap TwoUnitMap()
    {
        var map = new InMemoryRegisterMap();
        foreach (byte unit in new byte[] { 1, 2 })
        {
            map.AddUnit(unit, holdingRegisterCount: 200, inputRegisterCount: 200);
            map.SetHoldingRegisters(unit, 0, Enumerable.Range(0, 200).Select(i => (ushort)((100 * unit) + i)).ToArray());
            map.SetInputRegisters(unit, 0, Enumerable.Range(0, 200).Select(i => (ushort)((1000 * unit) + i)).ToArray());
        }

        return map;
    }

    private static byte[] Frame(byte unit, byte[] pdu)
    {
        byte[] frame = new byte[pdu.Length + 3];
        Assert.True(ModbusRtuFraming.TryWriteFrame(unit, pdu, frame, out _));
        return frame;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Deadline, "The slave did not get there in time.");
            await Task.Delay(10);
        }
    }

    private static byte[] ReadExactly(SerialPort port, int count)
    {
        byte[] bytes = new byte[count];
        int read = 0;
        while (read < count)
        {
            read += port.Read(bytes, read, count - read);
        }

        return bytes;
    }

    [GeneratedRegex(@"^\[(\d+)\]:\s+(-?\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MbpollValue();
}
