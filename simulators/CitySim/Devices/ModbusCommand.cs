using System.CommandLine;
using System.Globalization;
using System.IO.Ports;
using System.Net;
using System.Text.Json.Serialization;
using City.Protocols.Modbus;
using City.Sim.Common;

namespace City.Sim.Devices;

/// <summary>One line per device served on a serial line (stdout; JSON with --json). <see cref="WireFormat"/> is the format --wire-timing computes with.</summary>
internal sealed record SerialDevice(string Device, string SerialPort, int Baud, string Format, int Unit, bool WireTiming, string WireFormat)
{
    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture, $"{Device} serving {SerialPort} {Baud} baud {Format} unit {Unit}{(WireTiming ? $" (wire timing {WireFormat})" : "")}");
}

/// <summary>
/// <c>citysim modbus</c>: a street cabinet's Modbus devices behind one endpoint: the energy meter as unit 1, a traffic
/// controller as unit 2 and a three-phase meter (SDM630 layout) as unit 3, on Modbus TCP or on an RTU serial line.
/// </summary>
internal static class ModbusCommand
{
    public const byte MeterUnit = 1;
    public const byte TrafficControllerUnit = 2;
    public const byte ThreePhaseMeterUnit = 3;

    public static Command Create(TimeProvider time)
    {
        var port = CliOptions.Int("--port", "TCP port (0 = any free port); ignored with --rtu", 5020, 0, 65535);
        var host = new Option<string>("--host") { Description = "Address to listen on (TCP)", DefaultValueFactory = _ => "127.0.0.1" };
        var rtu = new Option<string?>("--rtu") { Description = "Serve Modbus RTU on this serial device instead of TCP (e.g. /dev/ttyUSB0 or a socat pty)" };
        var baud = CliOptions.Int("--baud", "Baud rate of the serial line (--rtu)", 19200, 300, 4_000_000);
        var parity = new Option<string>("--parity") { Description = "Parity of the serial line (--rtu): even (8E1), odd (8O1) or none (8N1)", DefaultValueFactory = _ => "even" };
        parity.AcceptOnlyFromAmong("even", "odd", "none");
        var wireTiming = new Option<bool>("--wire-timing") { Description = "Delay each RTU answer by the wire time of request and response at --baud (ptys move bytes instantly)" };
        var json = CliOptions.Json();
        var faultOptions = new ModbusFaultCliOptions();
        host.Validators.Add(result =>
        {
            if (!IPAddress.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError("--host must be an IP address (e.g. 127.0.0.1 or 0.0.0.0).");
            }
        });

        var command = new Command("modbus", "Serve an energy meter (unit 1), a traffic controller (unit 2) and a three-phase meter (unit 3) on one Modbus TCP endpoint or RTU serial line")
        {
            port, host, rtu, baud, parity, wireTiming, json,
        };
        foreach (var option in faultOptions.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result => faultOptions.ValidateFor(result, rtu: result.GetValue(rtu) is not null));
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var asJson = parseResult.GetValue(json);
            var meter = new EnergyMeter(MeterUnit, time.GetUtcNow(), seed: 0);
            var controller = new TrafficController(TrafficControllerUnit, time.GetUtcNow(), seed: 0);
            var threePhase = new ThreePhaseMeter(ThreePhaseMeterUnit, time.GetUtcNow(), seed: 0);
            IModbusDevice[] served = [meter, controller, threePhase];
            var map = new UnitRoutingRegisterMap(served.ToDictionary(d => d.UnitId, d => d.RegisterMap));
            var faults = faultOptions.Read(parseResult);
            if (ModbusFaultCliOptions.Describe(faults) is { } injected)
            {
                ConsoleOutput.Log(injected);
            }

            await using var devices = new ModbusDeviceHost(time);
            var device = parseResult.GetValue(rtu);
            if (device is null)
            {
                var address = IPAddress.Parse(parseResult.GetValue(host)!);
                IPEndPoint bound;
                try
                {
                    bound = await devices.AddAsync(served, map, new IPEndPoint(address, parseResult.GetValue(port)), cancellationToken, faults).ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    ConsoleOutput.Log($"cannot listen on {address}:{parseResult.GetValue(port)}: {ex.Message}");
                    return 1;
                }

                foreach (var d in served)
                {
                    var listening = new ListeningDevice(d.Kind, bound.Address.ToString(), bound.Port, d.UnitId);
                    if (asJson)
                    {
                        ConsoleOutput.Json(listening, DevicesJsonContext.Default.ListeningDevice);
                    }
                    else
                    {
                        ConsoleOutput.Result(listening.Line);
                    }
                }
            }
            else
            {
                var settings = new ModbusRtuSerialSettings(device)
                {
                    BaudRate = parseResult.GetValue(baud),
                    Parity = parseResult.GetValue(parity) switch { "none" => Parity.None, "odd" => Parity.Odd, _ => Parity.Even },
                };
                var wire = parseResult.GetValue(wireTiming);
                var format = settings.Parity switch { Parity.None => "8N1", Parity.Odd => "8O1", _ => "8E1" };
                var wireFormat = parseResult.GetValue(faultOptions.WireFormat)?.ToUpperInvariant() ?? format;
                ModbusRtuSlave slave;
                try
                {
                    slave = ModbusRtuSlave.Open(settings, map, new ModbusRtuSlaveOptions
                    {
                        UnitIds = [.. served.Select(d => d.UnitId)],
                        Timing = faultOptions.ReadTiming(parseResult, settings),
                        WireTiming = wire,
                        Faults = faults,
                        TimeProvider = time,
                    });
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
                {
                    ConsoleOutput.Log($"cannot open {device}: {ex.Message}");
                    return 1;
                }

                devices.AddRtu(served, slave);
                foreach (var d in served)
                {
                    var serving = new SerialDevice(d.Kind, device, settings.BaudRate, format, d.UnitId, wire, wireFormat);
                    if (asJson)
                    {
                        ConsoleOutput.Json(serving, DevicesJsonContext.Default.SerialDevice);
                    }
                    else
                    {
                        ConsoleOutput.Result(serving.Line);
                    }
                }
            }

            ConsoleOutput.Log("Ctrl-C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            ConsoleOutput.Log("stopping");
            return 0;
        });
        return command;
    }
}
