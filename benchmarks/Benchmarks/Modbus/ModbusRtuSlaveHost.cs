using System.IO.Ports;
using System.Runtime.InteropServices;
using City.Protocols.Modbus;
using City.Protocols.Serial;

namespace City.Benchmarks.Modbus;

/// <summary>
/// `modbus-rtu-slave`: the simulator's RTU slave (<see cref="ModbusRtuSlave"/>, as `citysim modbus --rtu DEV --wire-timing`
/// runs it) serving a holding-register map on one end of a socat pty pair, until SIGTERM or Ctrl-C. The port is opened 8N1
/// (a pty takes no parity) but the slave's timing is 8E1 (11 bits per character), so the wire time it waits is 8E1's.
/// --timing wire: <see cref="ModbusRtuSlaveOptions.WireTiming"/> as citysim sets it;
/// --timing none: answers at once (pty and software latency alone).
/// </summary>
internal static class ModbusRtuSlaveHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, ["--device", "--baud", "--timing", "--registers", "--unit", "--transport"]);
        string? device = a.Text("--device");
        int baud = a.Int("--baud", 19200, 300, 4_000_000);
        string timingMode = a.Text("--timing", "wire");
        int registers = a.Int("--registers", 1000, 1, 65536);
        byte unit = (byte)a.Int("--unit", 1, 1, 247);
        if (a.Error is not null || device is null || timingMode is not ("wire" or "none")
            || !SerialTransportNames.TryParse(a.Text("--transport", "auto"), out SerialTransportKind transport))
        {
            Console.Error.WriteLine(a.Error ?? "usage: modbus-rtu-slave --device DEV [--baud 19200] [--timing wire|none] [--registers 1000] [--unit 1] [--transport auto|termios|portable]");
            return 2;
        }

        ModbusRtuTiming timing = ModbusRtuTiming.For(baud, 8, Parity.Even, StopBits.One);
        var map = new InMemoryRegisterMap();
        map.AddUnit(unit, holdingRegisterCount: registers, inputRegisterCount: 0);
        ushort[] values = new ushort[registers];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)i;
        }

        map.SetHoldingRegisters(unit, 0, values);

        using SerialConnection port = SerialConnection.Open(new SerialLineSettings(device) { BaudRate = baud, Transport = transport });
        var slave = new ModbusRtuSlave(port.Stream, map, new ModbusRtuSlaveOptions
        {
            UnitIds = [unit],
            Timing = timing,
            WireTiming = timingMode == "wire",
        });

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        slave.Start();
        Console.WriteLine($"serving {device} unit {unit}, {registers} holding registers, {baud} baud, timing 8E1 ({timing.BitsPerCharacter} bits/char, t3.5 {timing.T35.TotalMilliseconds:F3} ms), mode {timingMode}, transport {SerialTransportNames.Name(port.Kind)}");
        Console.Out.Flush();
        Task stopped = Task.Delay(Timeout.Infinite, stop.Token);
        Task first = await Task.WhenAny(stopped, slave.Completion).ConfigureAwait(false);
        int exitCode = 0;
        if (first == slave.Completion && slave.Completion.IsFaulted)
        {
            Console.Error.WriteLine($"modbus-rtu-slave: the line failed: {slave.Completion.Exception?.GetBaseException().Message}");
            exitCode = 1;
        }

        await slave.DisposeAsync().ConfigureAwait(false);
        Console.Error.WriteLine(
            $"modbus-rtu-slave: requests {slave.RequestCount}, responses {slave.ResponseCount}, bad CRC {slave.BadCrcCount}, discarded {slave.DiscardedFrameCount}, other units {slave.OtherUnitCount}");
        return exitCode;
    }
}
