using System.CommandLine;
using City.Contract;
using City.Sim.Common;

namespace City.Sim.Load;

/// <summary><c>citysim load</c>: many gateways publishing contract batches straight to central's broker.</summary>
internal static class LoadCommand
{
    public static Command Create(TimeProvider time)
    {
        var broker = new Option<string>("--broker") { Description = "MQTT broker host:port", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var gateways = CliOptions.Int("--gateways", "Number of simulated gateways (one MQTT connection each)", 50, 1, 10_000);
        var points = CliOptions.Int("--points", "Points per gateway", 100, 1, 100_000);
        var readingsPerPoint = CliOptions.Int("--readings-per-point", "Readings per point in each batch (one per second)", 10, 1, 100_000);
        var window = CliOptions.Int("--window", "Batches a gateway may have published and not yet acknowledged", 16, 1, 65_535);
        var duration = CliOptions.Double("--duration", "Seconds of publishing (then up to 10 s waiting for outstanding acks)", 30, 0.1, 86_400);
        var prefix = new Option<string>("--gateway-prefix") { Description = "Gateway ids are PREFIX0, PREFIX1, ...", DefaultValueFactory = _ => "load-" };
        var json = CliOptions.Json();

        broker.Validators.Add(result =>
        {
            if (!CliOptions.TryParseHostPort(result.GetValueOrDefault<string>() ?? string.Empty, 1883, out _, out _))
            {
                result.AddError("--broker must be host:port.");
            }
        });
        prefix.Validators.Add(result =>
        {
            if (!GatewayIds.IsValid((result.GetValueOrDefault<string>() ?? string.Empty) + "0"))
            {
                result.AddError("--gateway-prefix must make valid gateway ids (A-Z a-z 0-9 . _ -, at most 64 characters).");
            }
        });

        var command = new Command("load", "Play many gateways publishing valid contract batches to central over MQTT 5, and measure the acks")
        {
            broker, gateways, points, readingsPerPoint, window, duration, prefix, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            CliOptions.TryParseHostPort(parseResult.GetValue(broker)!, 1883, out var host, out var port);
            var options = new LoadOptions(
                host,
                port,
                parseResult.GetValue(gateways),
                parseResult.GetValue(points),
                parseResult.GetValue(readingsPerPoint),
                parseResult.GetValue(window),
                TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                parseResult.GetValue(prefix)!);
            if (!GatewayIds.IsValid(options.GatewayId(options.Gateways - 1)))
            {
                ConsoleOutput.Log("--gateway-prefix is too long for that many gateways (ids are at most 64 characters).");
                return 2;
            }

            var report = await new LoadRunner(options, time).RunAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                ConsoleOutput.Json(report, LoadJsonContext.Default.LoadReport);
            }
            else
            {
                ConsoleOutput.Result(report.ToTable());
            }

            return report.GatewaysConnected == 0 ? 1 : report.Interrupted ? 130 : 0;
        });
        return command;
    }
}
