using System.CommandLine;
using City.Contract;
using City.Sim.Common;

namespace City.Sim.Load;

/// <summary><c>citysim load</c>: many gateways publishing contract batches straight to central's broker.</summary>
internal static class LoadCommand
{
    private const int PlainPort = 1883;
    private const int TlsPort = 8883;

    public static Command Create(TimeProvider time)
    {
        var broker = new Option<string>("--broker")
        {
            Description = $"MQTT broker host[:port]; the port is {PlainPort}, or {TlsPort} with --tls-dir",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var gateways = CliOptions.Int("--gateways", "Number of simulated gateways (one MQTT connection each)", 50, 1, 10_000);
        var points = CliOptions.Int("--points", "Points per gateway", 100, 1, 100_000);
        var readingsPerPoint = CliOptions.Int("--readings-per-point", "Readings per point in each batch (one per second)", 10, 1, 100_000);
        var window = CliOptions.Int("--window", "Batches a gateway may have published and not yet acknowledged", 16, 1, 65_535);
        var duration = CliOptions.Double("--duration", "Seconds of publishing (then up to 10 s waiting for outstanding acks)", 30, 0.1, 86_400);
        var prefix = new Option<string>("--gateway-prefix") { Description = "Gateway ids are PREFIX0, PREFIX1, ...", DefaultValueFactory = _ => "load-" };
        var tlsDirectory = new Option<string?>("--tls-dir")
        {
            Description = "Connect over TLS with client certificates: DIR holds ca.crt and GATEWAY.crt/GATEWAY.key for every gateway (central pki issue-gateway ID... --out DIR)",
        };
        var signingKey = new Option<string?>("--signing-key")
        {
            Description = $"The public half of central's command-signing key (PEM), pinned to verify commands; default: {LoadTlsFiles.SigningKeyFileName} in --tls-dir when present; without one every command is rejected (signature)",
        };
        var commandsOnly = new Option<bool>("--commands-only") { Description = "Connect and answer commands for --duration, publishing no data batches" };
        var batches = new Option<int?>("--batches") { Description = "Each gateway publishes this many batches, then stops (--duration becomes an upper bound)" };
        var resendAfter = new Option<double?>("--resend-after") { Description = "Publish a batch again (same seq and body) when its ack has not come within SECONDS" };
        var interval = new Option<double?>("--interval") { Description = "Each gateway publishes one batch every SECONDS (default: as fast as --window allows)" };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is < 0.001)
            {
                result.AddError("--interval must be at least 0.001 s.");
            }
        });
        var drain = CliOptions.Double("--drain", "Seconds to wait for outstanding acks once publishing stops", 10, 0, 3_600);
        var ackLog = new Option<string?>("--ack-log") { Description = "Write FILE at the end: one CSV line per acknowledged batch (gateway,buffer_id,seq,acked_at_us, unix microseconds of its first ack)" };
        batches.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--batches must be at least 1.");
            }
        });
        resendAfter.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is < 0.1)
            {
                result.AddError("--resend-after must be at least 0.1 s.");
            }
        });
        var json = CliOptions.Json();

        broker.Validators.Add(result =>
        {
            if (!CliOptions.TryParseHostPort(result.GetValueOrDefault<string>() ?? string.Empty, PlainPort, out _, out _))
            {
                result.AddError("--broker must be host[:port].");
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
            broker, gateways, points, readingsPerPoint, window, duration, prefix, tlsDirectory, signingKey, commandsOnly, batches, resendAfter, drain, ackLog, interval, json,
        };
        signingKey.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } file && !File.Exists(file))
            {
                result.AddError($"--signing-key: {file} does not exist.");
            }
        });
        command.Validators.Add(result =>
        {
            var directory = result.GetValue(tlsDirectory);
            if (directory is null)
            {
                return;
            }

            var ids = new LoadOptions(string.Empty, 0, result.GetValue(gateways), 1, 1, 1, TimeSpan.Zero, result.GetValue(prefix) ?? string.Empty).GatewayIds();
            if (LoadTlsFiles.FirstMissing(directory, ids) is { } missing)
            {
                result.AddError($"--tls-dir: {missing} is missing (DIR needs {LoadTlsFiles.CaFileName} and GATEWAY.crt/GATEWAY.key for every gateway: central pki issue-gateway ID... --out DIR).");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = parseResult.GetValue(tlsDirectory);
            CliOptions.TryParseHostPort(parseResult.GetValue(broker)!, directory is null ? PlainPort : TlsPort, out var host, out var port);
            var options = new LoadOptions(
                host,
                port,
                parseResult.GetValue(gateways),
                parseResult.GetValue(points),
                parseResult.GetValue(readingsPerPoint),
                parseResult.GetValue(window),
                TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                parseResult.GetValue(prefix)!)
            {
                TlsDirectory = directory,
                SigningKeyFile = parseResult.GetValue(signingKey) ?? LoadTlsFiles.DefaultSigningKey(directory),
                CommandsOnly = parseResult.GetValue(commandsOnly),
                BatchesPerGateway = parseResult.GetValue(batches),
                ResendAfter = parseResult.GetValue(resendAfter) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                DrainTimeout = TimeSpan.FromSeconds(parseResult.GetValue(drain)),
                AckLogFile = parseResult.GetValue(ackLog),
                BatchInterval = parseResult.GetValue(interval) is { } pace ? TimeSpan.FromSeconds(pace) : null,
            };
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
