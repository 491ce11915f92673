using System.CommandLine;
using System.Globalization;
using City.Protocols.Serial;
using System.Text.Json.Serialization;
using City.Protocols.Dali.Luba;
using City.Sim.Common;

namespace City.Sim.Dali;

/// <summary>What <c>citysim dali</c> serves (one line on stdout; JSON with --json).</summary>
internal sealed record DaliLineServed(
    string SerialPort, int Baud, int Gear, int[] Addressed, int Unaddressed, int[] FailedLamps, int[] Silent, bool WireTiming, int[] NoD4i,
    double RatedWatts, double StandbyWatts, string DriverEfficiency, double TimeScale)
{
    [JsonIgnore]
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"dali line serving {SerialPort} (Lunatone LUBA, {Baud} 8N1): {Gear} gear, {Addressed.Length} with short addresses, {Unaddressed} unaddressed; " +
        $"failed lamps: {List(FailedLamps)}; not answering: {List(Silent)}; without D4i banks: {List(NoD4i)}{(WireTiming ? " (wire timing)" : "")}; " +
        $"{RatedWatts} W rated, {StandbyWatts} W standby, driver efficiency {DriverEfficiency}{(TimeScale == 1 ? "" : $"; gear clock x{TimeScale}")}");

    private static string List(int[] indexes) => indexes.Length == 0 ? "none" : string.Join(' ', indexes.Select(i => $"#{i}"));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DaliLineServed))]
internal sealed partial class DaliJsonContext : JsonSerializerContext;

/// <summary>
/// <c>citysim dali</c>: one DALI line of simulated LED drivers behind a Lunatone LUBA RS232 master interface on a serial
/// device (a real port, or one end of a socat pty pair), until stopped.
/// </summary>
internal static class DaliLineCommand
{
    public static Command Create(TimeProvider time)
    {
        var serial = new Option<string>("--serial") { Description = "Serial device to serve the master interface on (e.g. a socat pty)", Required = true };
        var gear = CliOptions.Int("--gear", "Gear on the line", 64, 0, DaliSimLine.MaxGear);
        var unaddressed = CliOptions.Int("--unaddressed", "How many of them have no short address yet (the last ones)", 0, 0, DaliSimLine.MaxGear);
        var failed = CliOptions.Int("--failed", "How many have a failed lamp (picked with --seed)", 0, 0, DaliSimLine.MaxGear);
        var silent = CliOptions.Int("--silent", "How many never answer (picked with --seed)", 0, 0, DaliSimLine.MaxGear);
        var watts = CliOptions.Double("--rated-watts", "Rated LED power of each driver at full level (254), W", 60, 1, 1000);
        watts.Aliases.Add("--watts");
        var standby = CliOptions.Double("--standby-watts", "Power each driver draws when off or with a failed lamp, W", DaliPowerModel.DefaultStandbyWatts, 0, 100);
        var efficiency = new Option<string>("--driver-efficiency")
        {
            Description = "Driver efficiency by light fraction, FRACTION:EFFICIENCY,... (linear in between, flat outside) or one number; input W = fraction x rated / efficiency + standby",
            DefaultValueFactory = _ => "1",
        };
        efficiency.Validators.Add(result =>
        {
            if (!DriverEfficiencyCurve.TryParse(result.GetValueOrDefault<string>(), out _, out string error))
            {
                result.AddError($"--driver-efficiency: {error}.");
            }
        });
        var timeScale = CliOptions.Double("--time-scale", "Run the gear's clock (fades, energy, operating time) this many times faster; wire timing stays real", 1, 1, 100_000);
        var seed = CliOptions.Int("--seed", "Seed for random addresses and fault placement", 62386, 0, int.MaxValue);
        var wireTiming = new Option<bool>("--wire-timing") { Description = "Answer only after the DALI bus time (settling + frame durations); ptys move bytes instantly" };
        var control = new Option<bool>("--control") { Description = "Read fault-injection commands from stdin: " + DaliLineControl.Help };
        var noD4i = new Option<string>("--no-d4i-gear")
        {
            Description = "Positions (0-based, comma separated: 3,5) of gear without D4i: only memory bank 0, no banks 1, 202, 205-207",
            DefaultValueFactory = _ => string.Empty,
        };
        var json = CliOptions.Json();

        var command = new Command("dali", "Simulate one DALI line of LED drivers (with D4i energy) behind a Lunatone LUBA RS232 master interface")
        {
            serial, gear, unaddressed, failed, silent, watts, standby, efficiency, timeScale, seed, wireTiming, noD4i, control, json,
        };
        command.Validators.Add(result =>
        {
            int total = result.GetValue(gear);
            if (result.GetValue(unaddressed) > total || result.GetValue(failed) + result.GetValue(silent) > total)
            {
                result.AddError("--unaddressed, and --failed plus --silent, must not exceed --gear.");
            }

            if (!TryParsePositions(result.GetValue(noD4i), total, out _))
            {
                result.AddError($"--no-d4i-gear must list gear positions 0-{total - 1} separated by commas (got '{result.GetValue(noD4i)}').");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var setup = new DaliLineSetup
            {
                Gear = parseResult.GetValue(gear),
                Unaddressed = parseResult.GetValue(unaddressed),
                Failed = parseResult.GetValue(failed),
                Silent = parseResult.GetValue(silent),
                RatedWatts = parseResult.GetValue(watts),
                StandbyWatts = parseResult.GetValue(standby),
                DriverEfficiency = DriverEfficiencyCurve.TryParse(parseResult.GetValue(efficiency), out var curve, out _) ? curve : DriverEfficiencyCurve.Ideal,
                TimeScale = parseResult.GetValue(timeScale),
                Seed = parseResult.GetValue(seed),
                NoD4iGear = TryParsePositions(parseResult.GetValue(noD4i), parseResult.GetValue(gear), out var positions) ? positions : [],
            };
            var line = new DaliSimLine(setup, time);
            var device = parseResult.GetValue(serial)!;
            bool wire = parseResult.GetValue(wireTiming);
            SerialConnection port;
            try
            {
                port = SerialConnection.Open(new SerialLineSettings(device) { BaudRate = LubaDaliMaster.BaudRate });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                ConsoleOutput.Log($"cannot open {device}: {ex.Message}");
                return 1;
            }

            var served = new DaliLineServed(
                device,
                LubaDaliMaster.BaudRate,
                setup.Gear,
                [.. line.Gear.Where(g => g.ShortAddress is not null).Select(g => (int)g.ShortAddress!.Value)],
                setup.Unaddressed,
                [.. line.Gear.Where(g => g.LampFailure).Select(g => g.Index)],
                [.. line.Gear.Where(g => g.Silent).Select(g => g.Index)],
                wire,
                [.. line.Gear.Where(g => !g.HasD4iBanks).Select(g => g.Index)],
                setup.RatedWatts,
                setup.StandbyWatts,
                setup.DriverEfficiency.ToString(),
                setup.TimeScale);
            if (parseResult.GetValue(json))
            {
                ConsoleOutput.Json(served, DaliJsonContext.Default.DaliLineServed);
            }
            else
            {
                ConsoleOutput.Result(served.Line);
            }

            ConsoleOutput.Log("Ctrl-C to stop");
            using SerialConnection openPort = port;
            var simulator = new LubaInterfaceSimulator(port.Stream, line, time, wire);
            if (parseResult.GetValue(control))
            {
                _ = Task.Run(() => ReadControlAsync(line, cancellationToken), CancellationToken.None);
            }

            if (await SerialDeviceRun.UntilStoppedAsync(device, simulator.RunAsync, port.Dispose, cancellationToken).ConfigureAwait(false) != 0)
            {
                return 1;
            }

            ConsoleOutput.Log(string.Create(
                CultureInfo.InvariantCulture,
                $"stopping: {simulator.Transactions} transactions, {line.Answers} answered, {line.Collisions} collisions, {simulator.BadFrames} bad frames, bus time {simulator.BusTime.TotalSeconds:F2} s"));
            return 0;
        });
        return command;
    }

    /// <summary>"3,5" -> [3, 5]; empty -> []; false for anything but distinct positions below <paramref name="gear"/>.</summary>
    internal static bool TryParsePositions(string? text, int gear, out List<int> positions)
    {
        positions = [];
        foreach (var item in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int position) || position >= gear || positions.Contains(position))
            {
                return false;
            }

            positions.Add(position);
        }

        return true;
    }

    /// <summary>Runs until stdin closes or the command stops; reading stdin may not observe cancellation, so nobody awaits it.</summary>
    private static async Task ReadControlAsync(DaliSimLine line, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string? text = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (text is null)
                {
                    ConsoleOutput.Log("control: stdin closed; no more fault commands");
                    return;
                }

                if (text.Trim().Length > 0)
                {
                    DaliLineControl.TryApply(text, line, out string reply);
                    ConsoleOutput.Log($"control: {reply}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            ConsoleOutput.Log($"control: reading stdin failed: {ex.Message}");
        }
    }
}
