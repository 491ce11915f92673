using System.CommandLine;
using System.Globalization;
using System.IO.Ports;
using System.Net;
using System.Net.Sockets;
using City.Protocols.Modbus;
using City.Sim.Devices;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary><c>citysim modbus</c> fault injection and <c>--wire-format</c>: option parsing, and the command run in-process against our masters.</summary>
public class ModbusFaultOptionsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void Fault_options_become_one_ModbusFaults()
    {
        var options = new ModbusFaultCliOptions();
        var command = new Command("modbus");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        var parsed = command.Parse(
            ["--silent-unit", "3", "--silent-unit", "7", "--busy-rate", "0.25", "--busy-first", "2", "--exception-rate", "0.1", "--exception-code", "0x0B",
             "--delay-ms", "40", "--crc-error-rate", "0.05"]);
        Assert.Empty(parsed.Errors);

        var faults = options.Read(parsed);
        Assert.Equal([3, 7], faults.SilentUnitIds);
        Assert.Equal(0.25, faults.BusyProbability);
        Assert.Equal(2, faults.BusyFirstRequests);
        Assert.Equal(0.1, faults.ExceptionProbability);
        Assert.Equal(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, faults.ExceptionCode);
        Assert.Equal(TimeSpan.FromMilliseconds(40), faults.ResponseDelay);
        Assert.Equal(0.05, faults.CrcErrorProbability);
        Assert.Contains("silent units 3,7", ModbusFaultCliOptions.Describe(faults), StringComparison.Ordinal);

        Assert.True(options.Read(command.Parse([])).IsNone);
        Assert.Null(ModbusFaultCliOptions.Describe(options.Read(command.Parse([]))));
    }

    [Fact]
    public void Wire_format_times_a_pty_opened_8N1_as_8E1()
    {
        var options = new ModbusFaultCliOptions();
        var command = new Command("modbus");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        var port = new ModbusRtuSerialSettings("/dev/pts/9") { BaudRate = 19200, Parity = Parity.None };

        Assert.Equal(10, options.ReadTiming(command.Parse([]), port).BitsPerCharacter);
        var timed = options.ReadTiming(command.Parse(["--wire-format", "8E1"]), port);
        Assert.Equal(11, timed.BitsPerCharacter);
        Assert.Equal(19200, timed.BaudRate);
        Assert.Equal(11, ModbusFaultCliOptions.TimingFor("8O1", 9600).BitsPerCharacter);
        Assert.Equal(11, ModbusFaultCliOptions.TimingFor("8N2", 9600).BitsPerCharacter);
        Assert.Equal(10, ModbusFaultCliOptions.TimingFor("8N1", 9600).BitsPerCharacter);
    }

    [Theory]
    [InlineData("--crc-error-rate", "0.1")]
    [InlineData("--wire-format", "8E1")]
    [InlineData("--wire-format", "7E1")]
    [InlineData("--exception-code", "7")]
    [InlineData("--exception-code", "banana")]
    [InlineData("--silent-unit", "0")]
    [InlineData("--silent-unit", "248")]
    [InlineData("--busy-rate", "1.5")]
    [InlineData("--delay-ms", "-1")]
    public void Invalid_or_tcp_inapplicable_fault_options_are_refused(string option, string value)
    {
        var root = new RootCommand { ModbusCommand.Create(TimeProvider.System) };

        Assert.NotEmpty(root.Parse(["modbus", "--port", "0", option, value]).Errors);
    }

    [Fact]
    public async Task Over_tcp_a_silent_unit_times_out_and_busy_and_exception_answers_reach_the_master()
    {
        var port = FreePort.Tcp();
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { ModbusCommand.Create(TimeProvider.System) };
        var run = root.Parse(["modbus", "--port", Text(port), "--silent-unit", "2", "--busy-first", "2"]).InvokeAsync(cancellationToken: stop.Token);
        try
        {
            await using var client = new ModbusTcpClient(
                new IPEndPoint(IPAddress.Loopback, port), new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(10), BusyRetries = 0 });
            await using var silentClient = new ModbusTcpClient(
                new IPEndPoint(IPAddress.Loopback, port), new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(1) });
            var first = await WhenListeningAsync(() => client.ReadInputRegistersAsync(ModbusCommand.MeterUnit, 0, 2), run);
            Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, Assert.IsType<ModbusException>(first).ExceptionCode);
            var second = await Assert.ThrowsAsync<ModbusException>(() => client.ReadInputRegistersAsync(ModbusCommand.MeterUnit, 0, 2));
            Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, second.ExceptionCode);
            Assert.Equal(2, (await client.ReadInputRegistersAsync(ModbusCommand.MeterUnit, 0, 2)).Length);

            await Assert.ThrowsAsync<ModbusTimeoutException>(() => silentClient.ReadInputRegistersAsync(ModbusCommand.TrafficControllerUnit, 0, 1));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));

        port = FreePort.Tcp();
        using var stopAgain = new CancellationTokenSource();
        run = root.Parse(["modbus", "--port", Text(port), "--exception-rate", "1", "--exception-code", "11"]).InvokeAsync(cancellationToken: stopAgain.Token);
        try
        {
            await using var client = new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, port), new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
            var refused = await WhenListeningAsync(
                () => client.WriteSingleRegisterAsync(ModbusCommand.TrafficControllerUnit, TrafficController.RequestedModeRegister, 1), run);
            Assert.Equal(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, Assert.IsType<ModbusException>(refused).ExceptionCode);
        }
        finally
        {
            await stopAgain.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
    }

    [Theory]
    [InlineData("modbus")]
    [InlineData("meter")]
    public async Task Delay_ms_runs_on_the_simulators_clock(string commandName)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var port = FreePort.Tcp();
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { ModbusCommand.Create(clock), MeterCommand.Create(clock) };
        var run = root.Parse([commandName, "--port", Text(port), "--delay-ms", "60000"]).InvokeAsync(cancellationToken: stop.Token);
        try
        {
            await using var client = new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, port), new ModbusTcpClientOptions { RequestTimeout = Deadline });
            Task<ushort[]>? read = null;
            var started = clock.GetUtcNow();
            using var deadline = new CancellationTokenSource(Deadline);
            while (read is null || !read.IsCompleted)
            {
                if (read is null || read.IsFaulted)
                {
                    // Until the command listens, connecting fails; try again.
                    read = client.ReadInputRegistersAsync(1, 0, 2);
                }

                clock.Advance(TimeSpan.FromSeconds(5));
                await Task.Delay(10, deadline.Token);
            }

            Assert.Equal(2, (await read).Length);
            Assert.True(clock.GetUtcNow() - started >= TimeSpan.FromMinutes(1));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Over_rtu_crc_errors_and_a_silent_unit_reach_the_master_with_8E1_wire_timing_on_an_8N1_pty()
    {
        await using var pair = await SocatPtyPair.StartAsync(Deadline);
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { ModbusCommand.Create(TimeProvider.System) };
        var run = root.Parse(
            ["modbus", "--rtu", pair.PortB, "--parity", "none", "--wire-format", "8E1", "--wire-timing", "--crc-error-rate", "1", "--silent-unit", "2"])
            .InvokeAsync(cancellationToken: stop.Token);
        try
        {
            using var line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(pair.PortA) { Parity = Parity.None });
            var master = new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromSeconds(2) });

            // The command opens its end of the pty asynchronously: until it does, requests go unanswered.
            ModbusProtocolException? crc = null;
            using var deadline = new CancellationTokenSource(Deadline);
            while (crc is null)
            {
                Assert.False(run.IsCompleted, "citysim modbus stopped");
                try
                {
                    await master.ReadInputRegistersAsync(ModbusCommand.MeterUnit, 0, 2, deadline.Token);
                    Assert.Fail("The answer should have had a corrupted CRC.");
                }
                catch (ModbusProtocolException ex)
                {
                    crc = ex;
                }
                catch (ModbusTimeoutException)
                {
                }
            }

            Assert.Contains(nameof(ModbusRtuFrameError.BadCrc), crc.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.ReadInputRegistersAsync(ModbusCommand.TrafficControllerUnit, 0, 1));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
    }

    private static async Task<Exception> WhenListeningAsync(Func<Task> action, Task<int> run)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await action();
                throw new InvalidOperationException("The request was expected to fail.");
            }
            catch (Exception ex) when (ex is SocketException && attempt < 200 && !run.IsCompleted)
            {
                await Task.Delay(50);
            }
            catch (Exception ex) when (ex is ModbusException)
            {
                return ex;
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
