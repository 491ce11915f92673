using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using City.Protocols.Modbus;
using City.Sim.Common;

namespace City.Sim.Devices;

/// <summary>One line per served device once it listens (stdout; JSON with --json).</summary>
internal sealed record ListeningDevice(string Device, string Host, int Port, int Unit)
{
    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture, $"{Device} listening on {Host}:{Port} unit {Unit}");
}

/// <summary><c>citysim meter</c>: energy meters on Modbus TCP, one per port.</summary>
internal static class MeterCommand
{
    public static Command Create(TimeProvider time)
    {
        var port = CliOptions.Int("--port", "TCP port of the first meter (0 = any free port)", 5020, 0, 65535);
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var unit = CliOptions.Int("--unit", "Modbus unit id answered by every meter", 1, 0, 255);
        var count = CliOptions.Int("--count", "Number of meters, on consecutive ports", 1, 1, 1000);
        var failRate = CliOptions.Double("--fail-rate", "Share of requests answered with exception 04 (server device failure)", 0, 0, 1);
        var delayMs = CliOptions.Int("--delay-ms", "Extra delay before every answer, in milliseconds (a slow meter)", 0, 0, 600_000);
        var json = CliOptions.Json();
        host.Validators.Add(result =>
        {
            if (!IPAddress.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError("--host must be an IP address (e.g. 127.0.0.1 or 0.0.0.0).");
            }
        });

        var command = new Command("meter", "Simulate energy meters on Modbus TCP (input registers 0-12 mirrored as holding registers 0-12)")
        {
            port, host, unit, count, failRate, delayMs, json,
        };
        command.Validators.Add(result =>
        {
            var first = result.GetValue(port);
            if (first != 0 && first + result.GetValue(count) - 1 > 65535)
            {
                result.AddError("--port + --count goes beyond port 65535.");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var address = IPAddress.Parse(parseResult.GetValue(host)!);
            var firstPort = parseResult.GetValue(port);
            var unitId = (byte)parseResult.GetValue(unit);
            var rate = parseResult.GetValue(failRate);
            var asJson = parseResult.GetValue(json);

            var slow = new ModbusFaults { ResponseDelay = TimeSpan.FromMilliseconds(parseResult.GetValue(delayMs)) };
            await using var devices = new ModbusDeviceHost(time);
            var faults = new List<FaultInjectingRegisterMap>();
            for (var i = 0; i < parseResult.GetValue(count); i++)
            {
                var meter = new EnergyMeter(unitId, time.GetUtcNow(), seed: i, initialEnergyWh: 100_000 + (i * 10_000));
                var map = WithFaults(meter.RegisterMap, rate, faults);
                IPEndPoint bound;
                try
                {
                    bound = await devices.AddAsync(meter, map, new IPEndPoint(address, firstPort == 0 ? 0 : firstPort + i), cancellationToken, slow).ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    ConsoleOutput.Log($"cannot listen on {address}:{firstPort + i}: {ex.Message}");
                    return 1;
                }

                var listening = new ListeningDevice(meter.Kind, bound.Address.ToString(), bound.Port, unitId);
                if (asJson)
                {
                    ConsoleOutput.Json(listening, DevicesJsonContext.Default.ListeningDevice);
                }
                else
                {
                    ConsoleOutput.Result(listening.Line);
                }
            }

            ConsoleOutput.Log(rate > 0
                ? string.Create(CultureInfo.InvariantCulture, $"answering {rate:P1} of requests with exception 04; Ctrl-C to stop")
                : "Ctrl-C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            var injected = faults.Sum(f => f.InjectedFailures);
            ConsoleOutput.Log(injected > 0 ? $"stopping ({injected} failures injected)" : "stopping");
            return 0;
        });
        return command;
    }

    private static IModbusRegisterMap WithFaults(IModbusRegisterMap map, double failRate, List<FaultInjectingRegisterMap> faults)
    {
        if (failRate <= 0)
        {
            return map;
        }

        var fault = new FaultInjectingRegisterMap(map, failRate);
        faults.Add(fault);
        return fault;
    }
}
