using System.CommandLine;
using System.Globalization;
using System.IO.Ports;
using City.Protocols.Serial;
using System.Text.Json.Serialization;
using City.Protocols.MBus;
using City.Sim.Common;

namespace City.Sim.MBus;

/// <summary>One meter as <c>citysim mbus</c> reports it.</summary>
internal sealed record MBusMeterServed(string Kind, int Primary, string Secondary, string Manufacturer, string Medium);

/// <summary>What <c>citysim mbus</c> serves (one line on stdout; JSON with --json).</summary>
internal sealed record MBusLineServed(string SerialPort, int Baud, string Format, bool WireTiming, double TimeScale, MBusMeterServed[] Meters)
{
    [JsonIgnore]
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"mbus line serving {SerialPort} ({Baud} {Format}{(WireTiming ? ", wire timing" : ", instant answers")}): {string.Join(", ", Meters.Select(m => $"{m.Kind} at primary {m.Primary}, secondary {m.Secondary}"))}{(TimeScale == 1 ? "" : $"; meter clock x{TimeScale}")}");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MBusLineServed))]
internal sealed partial class MBusJsonContext : JsonSerializerContext;

/// <summary>
/// <c>citysim mbus</c>: several M-Bus meters (heat, water, electricity) on one line behind a serial device, answering
/// SND_NKE, REQ_UD2 (with the frame count bit) and selections by secondary address with wildcards, at the line's baud rate;
/// meters matching the same selection collide.
/// </summary>
internal static class MBusLineCommand
{
    public const string DefaultMeters = "heat:1:12345678,water:2:16000001,electricity:5:20300003";

    public static Command Create(TimeProvider time)
    {
        var serial = new Option<string>("--serial") { Description = "Serial device to serve the line on (e.g. one end of a socat pty pair)", Required = true };
        var baud = CliOptions.Int("--baud", "Baud rate of the line (8E1); answers arrive at this rate", 2400, 300, 38400);
        var meters = new Option<string>("--meters")
        {
            Description = "The meters, KIND:PRIMARY:ID,... with KIND heat|water|electricity, PRIMARY 0-250, ID 8 digits (the secondary address's identification)",
            DefaultValueFactory = _ => DefaultMeters,
        };
        meters.Validators.Add(result =>
        {
            if (!TryParseMeters(result.GetValueOrDefault<string>(), out _, out string error))
            {
                result.AddError($"--meters: {error}");
            }
        });
        var timeScale = CliOptions.Double("--time-scale", "Run the meters' counters this many times faster (the wire timing stays real)", 1, 1, 100_000);
        var parity = new Option<string>("--parity")
        {
            Description = "even (8E1, as EN 13757-2 fixes it) or none (8N1: a Linux pty cannot keep a parity setting between opens)",
            DefaultValueFactory = _ => "even",
        };
        parity.AcceptOnlyFromAmong("even", "none");
        var instant = new Option<bool>("--instant") { Description = "Answer at once instead of at the baud rate (ptys move bytes instantly)" };
        var json = CliOptions.Json();
        var command = new Command("mbus", "Simulate M-Bus meters (heat, water, electricity) on one serial line, with secondary addressing and collisions")
        {
            serial, baud, parity, meters, timeScale, instant, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TryParseMeters(parseResult.GetValue(meters), out var specs, out _);
            double scale = parseResult.GetValue(timeScale);
            var line = new MBusSimLine([.. specs.Select(s => new MBusSimMeter(s.Kind, s.Primary, s.Identification, time, scale))]);
            string device = parseResult.GetValue(serial)!;
            int rate = parseResult.GetValue(baud);
            bool wire = !parseResult.GetValue(instant);
            SerialConnection port;
            try
            {
                port = SerialConnection.Open(new SerialLineSettings(device)
                {
                    BaudRate = rate,
                    Parity = parseResult.GetValue(parity) == "none" ? Parity.None : Parity.Even,
                });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                ConsoleOutput.Log($"cannot open {device}: {ex.Message}");
                return 1;
            }

            var served = new MBusLineServed(device, rate, parseResult.GetValue(parity) == "none" ? "8N1" : "8E1", wire, scale, [.. line.Meters.Select(m => new MBusMeterServed(
                m.Kind.ToString().ToLowerInvariant(), m.PrimaryAddress, m.SecondaryAddress.ToString(), MBusSimMeter.ManufacturerCode, MBusMedium.Name(m.SecondaryAddress.Medium)))]);
            if (parseResult.GetValue(json))
            {
                ConsoleOutput.Json(served, MBusJsonContext.Default.MBusLineServed);
            }
            else
            {
                ConsoleOutput.Result(served.Line);
            }

            ConsoleOutput.Log("Ctrl-C to stop");
            using SerialConnection openPort = port;
            var simulator = new MBusSlaveSimulator(port.Stream, line, new MBusTiming(rate), time, wire);
            if (await SerialDeviceRun.UntilStoppedAsync(device, simulator.RunAsync, port.Dispose, cancellationToken).ConfigureAwait(false) != 0)
            {
                return 1;
            }

            ConsoleOutput.Log($"stopping: {line.Requests} requests, {line.Answers} answered, {line.Collisions} collisions, {simulator.BadFrames} bad frames");
            return 0;
        });
        return command;
    }

    internal sealed record MeterSpec(MBusMeterKind Kind, byte Primary, uint Identification);

    /// <summary>"heat:1:12345678,..." -> the meters; false with the reason for anything else (duplicate addresses included).</summary>
    internal static bool TryParseMeters(string? text, out List<MeterSpec> meters, out string error)
    {
        meters = [];
        foreach (string item in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = item.Split(':');
            if (parts.Length != 3 || !Enum.TryParse(parts[0], ignoreCase: true, out MBusMeterKind kind) || !Enum.IsDefined(kind)
                || !byte.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out byte primary) || primary > MBusAddress.MaxPrimary
                || parts[2].Length != 8 || !parts[2].All(char.IsAsciiDigit))
            {
                error = $"'{item}' is not KIND:PRIMARY:ID (heat|water|electricity, 0-250, 8 digits)";
                return false;
            }

            uint id = uint.Parse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (meters.Any(m => m.Identification == id))
            {
                error = $"identification {parts[2]} is given twice";
                return false;
            }

            meters.Add(new MeterSpec(kind, primary, id));
        }

        error = meters.Count == 0 ? "no meter given" : string.Empty;
        return meters.Count > 0;
    }
}
