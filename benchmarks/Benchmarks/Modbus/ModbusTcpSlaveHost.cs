using System.Net;
using System.Runtime.InteropServices;
using City.Protocols.Modbus;

namespace City.Benchmarks.Modbus;

/// <summary>
/// `modbus-tcp-slave`: our <see cref="ModbusTcpSlave"/> with an in-memory map of holding registers, on 127.0.0.1, until
/// SIGTERM or Ctrl-C. An alternative to `citysim modbus --port P` whose per-request work is only the codec and the map.
/// </summary>
internal static class ModbusTcpSlaveHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, ["--port", "--registers", "--unit"]);
        int port = a.Int("--port", 5020, 0, 65535);
        int registers = a.Int("--registers", 1000, 1, 65536);
        byte unit = (byte)a.Int("--unit", 1, 0, 255);
        if (a.Error is not null)
        {
            Console.Error.WriteLine(a.Error);
            Console.Error.WriteLine("usage: modbus-tcp-slave [--port 5020] [--registers 1000] [--unit 1]");
            return 2;
        }

        var map = new InMemoryRegisterMap();
        map.AddUnit(unit, holdingRegisterCount: registers, inputRegisterCount: 0);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, port), map);
        slave.ConnectionFaulted += (_, e) => Console.Error.WriteLine($"modbus-tcp-slave: connection {e.RemoteEndPoint}: {e.Exception.Message}");

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

        await slave.StartAsync(stop.Token).ConfigureAwait(false);
        Console.WriteLine($"listening on {slave.LocalEndPoint} unit {unit}, {registers} holding registers");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("modbus-tcp-slave: stopping");
        }

        return 0;
    }
}
