using System.CommandLine;
using System.Globalization;
using City.Protocols.MBus;

namespace City.EdgeCtl.MBus;

/// <summary>
/// <c>edgectl mbus scan|read</c>: straight to an M-Bus line on a serial port (a level converter), without the edge daemon.
/// Exit codes: 0 done, 1 the line or the meter failed (no answer, a collision), 2 bad arguments.
/// </summary>
internal static class MBusCli
{
    public static Command Create(Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(jsonOption);
        var endpointArgument = new Argument<string>("endpoint") { Description = "serial:///dev/ttyX[?baud=2400&parity=even] (8E1 unless parity=none)" };
        var marginOption = new Option<int>("--margin-ms")
        {
            Description = "Extra wait on top of 330 bit times before a meter counts as silent (slow converters, repeaters)",
            DefaultValueFactory = _ => 50,
        };
        var retriesOption = new Option<int>("--retries") { Description = "Repeats of a read after silence or a garbled answer", DefaultValueFactory = _ => 2 };

        var primaryFlag = new Option<bool>("--primary") { Description = "Probe primary addresses (SND_NKE to each of --first..--last)" };
        var secondaryFlag = new Option<bool>("--secondary") { Description = "Wildcard search over the secondary addresses (the default)" };
        var firstOption = new Option<int>("--first") { Description = "First primary address to probe", DefaultValueFactory = _ => 0 };
        var lastOption = new Option<int>("--last") { Description = "Last primary address to probe", DefaultValueFactory = _ => MBusAddress.MaxPrimary };
        var scan = new Command("scan", "Find the meters on the line: by primary address, or by secondary address with the wildcard search (collisions narrowed digit by digit)")
        {
            endpointArgument, primaryFlag, secondaryFlag, firstOption, lastOption, marginOption, retriesOption,
        };
        scan.SetAction((parse, cancellation) => RunAsync(
            parse.GetValue(endpointArgument),
            parse.GetValue(marginOption),
            parse.GetValue(retriesOption),
            () =>
            {
                if (parse.GetValue(primaryFlag) && parse.GetValue(secondaryFlag))
                {
                    return "give --primary or --secondary, not both";
                }

                int first = parse.GetValue(firstOption);
                int last = parse.GetValue(lastOption);
                return first is < 0 or > MBusAddress.MaxPrimary || last < first || last > MBusAddress.MaxPrimary
                    ? $"--first and --last must be 0-{MBusAddress.MaxPrimary}, first <= last"
                    : null;
            },
            async (client, token) =>
            {
                var scanner = new MBusScanner(client);
                var result = parse.GetValue(primaryFlag)
                    ? await scanner.ScanPrimaryAsync((byte)parse.GetValue(firstOption), (byte)parse.GetValue(lastOption), token).ConfigureAwait(false)
                    : await scanner.ScanSecondaryAsync(token).ConfigureAwait(false);
                await output.WriteAsync(parse.GetValue(jsonOption) ? MBusViews.ScanJson(result) + Environment.NewLine : MBusViews.ScanTable(result)).ConfigureAwait(false);
            },
            error,
            cancellation));

        var addressOption = new Option<int?>("--address") { Description = "Primary address of the meter (0-250)" };
        var secondaryOption = new Option<string?>("--secondary") { Description = "Secondary address: 8 identification digits, or 16 hex digits (id, manufacturer, version, medium)" };
        var read = new Command("read", "Read one meter (REQ_UD2) and print its records: quantity, value, unit, storage, tariff, subunit, function")
        {
            endpointArgument, addressOption, secondaryOption, marginOption, retriesOption,
        };
        read.SetAction((parse, cancellation) =>
        {
            int? address = parse.GetValue(addressOption);
            string? secondaryText = parse.GetValue(secondaryOption);
            MBusSecondaryAddress secondary = default;
            return RunAsync(
                parse.GetValue(endpointArgument),
                parse.GetValue(marginOption),
                parse.GetValue(retriesOption),
                () => (address, secondaryText) switch
                {
                    (null, null) or (not null, not null) => "give --address N or --secondary ID (one of them)",
                    (not null, _) when address is < 0 or > MBusAddress.MaxPrimary => $"--address must be 0-{MBusAddress.MaxPrimary} (got {address})",
                    (null, not null) when !MBusSecondaryAddress.TryParse(secondaryText, out secondary) =>
                        $"--secondary must be 8 decimal digits or 16 hex digits (got '{secondaryText}')",
                    _ => null,
                },
                async (client, token) =>
                {
                    var telegram = address is { } primary
                        ? await ReadPrimaryAsync(client, (byte)primary, token).ConfigureAwait(false)
                        : await client.ReadSecondaryAsync(secondary, token).ConfigureAwait(false);
                    await output.WriteAsync(parse.GetValue(jsonOption) ? MBusViews.ReadJson(telegram) + Environment.NewLine : MBusViews.ReadTable(telegram)).ConfigureAwait(false);
                },
                error,
                cancellation);
        });

        return new Command("mbus", "Talk to an M-Bus line directly (EN 13757-2/-3 over a serial level converter): scan, read") { scan, read };
    }

    /// <summary>SND_NKE first (so the meter's frame count state is known), then REQ_UD2.</summary>
    private static async Task<MBusTelegram> ReadPrimaryAsync(MBusClient client, byte address, CancellationToken cancellationToken)
    {
        if (!await client.ResetAsync(address, cancellationToken).ConfigureAwait(false))
        {
            throw new MBusException($"primary address {address} did not acknowledge SND_NKE");
        }

        return await client.ReadAsync(address, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(
        string? endpoint, int marginMs, int retries, Func<string?> checkArguments, Func<MBusClient, CancellationToken, Task> action, TextWriter error, CancellationToken cancellationToken)
    {
        if (!MBusEndpoint.TryParse(endpoint, out var settings, out string problem))
        {
            await error.WriteLineAsync($"edgectl mbus: {problem}").ConfigureAwait(false);
            return 2;
        }

        string? argumentProblem = marginMs is < 0 or > 60_000 ? "--margin-ms must be 0-60000"
            : retries is < 0 or > 10 ? "--retries must be 0-10"
            : checkArguments();
        if (argumentProblem is not null)
        {
            await error.WriteLineAsync($"edgectl mbus: {argumentProblem}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            using var transport = MBusSerialTransport.Open(settings! with { AnswerMargin = TimeSpan.FromMilliseconds(marginMs) });
            await action(new MBusClient(transport, new MBusClientOptions { Retries = retries }), cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (MBusException ex)
        {
            await error.WriteLineAsync($"edgectl mbus: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"edgectl mbus: {settings!.PortName}: {ex.Message}")).ConfigureAwait(false);
            return 1;
        }
    }
}
