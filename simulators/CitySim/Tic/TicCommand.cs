using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using City.Protocols.Tic;
using City.Sim.Common;

namespace City.Sim.Tic;

/// <summary>What <c>citysim tic</c> serves (one line on stdout; JSON with --json).</summary>
internal sealed record TicMeterServed(string SerialPort, string Mode, int Baud, string Address, double PowerVa, int SubscribedKva, double TimeScale, double BadChecksumRate)
{
    [JsonIgnore]
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"tic meter {Address} sending on {SerialPort} ({Mode} mode, {Baud} baud 7E1): HC/HP option, {PowerVa} VA mean load, {SubscribedKva} kVA subscribed" +
        $"{(TimeScale == 1 ? "" : $", meter clock x{TimeScale}")}{(BadChecksumRate == 0 ? "" : $", {BadChecksumRate:P0} of the groups with a bad checksum")}");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TicMeterServed))]
internal sealed partial class TicJsonContext : JsonSerializerContext;

/// <summary>
/// <c>citysim tic</c>: a Linky meter's téléinformation output on a serial device (a real port, or one end of a socat pty
/// pair), frame after frame at the mode's wire speed, until stopped.
/// </summary>
internal static class TicCommand
{
    public static Command Create(TimeProvider time)
    {
        var serial = new Option<string>("--serial") { Description = "Serial device to send the TIC on (e.g. a socat pty)", Required = true };
        var mode = new Option<string>("--mode") { Description = "historic (1200 baud, the Linky default) or standard (9600 baud)", DefaultValueFactory = _ => "historic" };
        mode.AcceptOnlyFromAmong("historic", "standard");
        var power = CliOptions.Double("--power-va", "Mean apparent power drawn, VA (the load swings about ±30 % over minutes)", 1500, 0, 36_000);
        var subscribed = CliOptions.Int("--subscribed-kva", "Subscribed power, kVA", 6, 3, 36);
        var timeScale = CliOptions.Double("--time-scale", "Run the meter's clock this many times faster (indexes, tariff periods, dates); wire timing stays real", 1, 1, 100_000);
        var offPeakStart = CliOptions.Int("--off-peak-start", "Hour (local time) the off-peak period (HC) starts", 22, 0, 23);
        var offPeakEnd = CliOptions.Int("--off-peak-end", "Hour (local time) the off-peak period ends", 6, 0, 23);
        var badChecksums = CliOptions.Double("--bad-checksum-rate", "Share of groups sent with a wrong checksum (fault injection)", 0, 0, 1);
        var address = new Option<string>("--address") { Description = "Meter address (ADCO / ADSC), 12 digits", DefaultValueFactory = _ => "021861348497" };
        address.Validators.Add(result =>
        {
            string value = result.GetValueOrDefault<string>() ?? string.Empty;
            if (value.Length != 12 || !value.All(char.IsAsciiDigit))
            {
                result.AddError("--address must be 12 digits.");
            }
        });
        var seed = CliOptions.Int("--seed", "Seed of the load's swing and of the faults", 54, 0, int.MaxValue);
        var json = CliOptions.Json();

        var command = new Command("tic", "Simulate a Linky meter's téléinformation output (TIC, historic or standard mode, 7E1) on a serial device")
        {
            serial, mode, power, subscribed, timeScale, offPeakStart, offPeakEnd, badChecksums, address, seed, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TicModes.TryParse(parseResult.GetValue(mode), out TicMode ticMode);
            var setup = new TicMeterSetup
            {
                PowerVa = parseResult.GetValue(power),
                SubscribedKva = parseResult.GetValue(subscribed),
                TimeScale = parseResult.GetValue(timeScale),
                OffPeakStartHour = parseResult.GetValue(offPeakStart),
                OffPeakEndHour = parseResult.GetValue(offPeakEnd),
                Seed = parseResult.GetValue(seed),
                Address = parseResult.GetValue(address)!,
            };
            string device = parseResult.GetValue(serial)!;
            TicSerialLine line;
            try
            {
                line = TicSerialLine.Open(device, ticMode.BaudRate());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                ConsoleOutput.Log($"cannot open {device}: {ex.Message}");
                return 1;
            }

            using (line)
            {
                var served = new TicMeterServed(device, ticMode.Name(), ticMode.BaudRate(), setup.Address, setup.PowerVa, setup.SubscribedKva, setup.TimeScale,
                    parseResult.GetValue(badChecksums));
                if (parseResult.GetValue(json))
                {
                    ConsoleOutput.Json(served, TicJsonContext.Default.TicMeterServed);
                }
                else
                {
                    ConsoleOutput.Result(served.Line);
                }

                ConsoleOutput.Log("Ctrl-C to stop");
                var sender = new TicFrameSender(line.Stream, new TicMeter(setup, time), ticMode, served.BadChecksumRate, setup.Seed, time);

                if (await SerialDeviceRun.UntilStoppedAsync(device, sender.RunAsync, line.Dispose, cancellationToken).ConfigureAwait(false) != 0)
                {
                    return 1;
                }

                ConsoleOutput.Log($"stopping: {sender.Frames} frames, {sender.Groups} groups sent, {sender.BadChecksums} with a bad checksum");
                return 0;
            }
        });
        return command;
    }
}
