using System.Globalization;
using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>A command for a line: what to do and to whom.</summary>
/// <param name="Target">gear:N (0-63), group:N (0-15) or broadcast.</param>
/// <param name="Command">dapc (with Level), off, max, min, scene (with Scene), identify (gear only).</param>
internal sealed record DaliCommandRequest(string Target, string Command, int? Level = null, int? Scene = null);

/// <summary>Progress of a scan or commissioning: gear addresses asked (scan) or gear addressed so far (commission), of Total.</summary>
internal sealed record DaliProgress(int Done, int Total, string Stage);

/// <summary>How a command went: status ok, refused, not-found, busy, no-power or interface-failure.</summary>
internal sealed record DaliCommandResult(bool Ok, string Status, string Message, string? Frame = null);

/// <summary>
/// The one entry point for commands on DALI lines: the local API calls it now, central's remote commands later. Commands go
/// through the line's command client, whose transactions go out before the next poll query.
/// </summary>
internal sealed class DaliCommandService(DaliLineRegistry registry)
{
    public const string Ok = "ok";
    public const string Refused = "refused";
    public const string NotFound = "not-found";
    public const string Busy = "busy";
    public const string NoPower = "no-power";
    public const string InterfaceFailure = "interface-failure";

    public static bool TryParseTarget(string? text, out DaliAddress address, out string error)
    {
        address = default;
        error = string.Empty;
        var value = text?.Trim().ToLowerInvariant() ?? string.Empty;
        if (value == "broadcast")
        {
            address = DaliAddress.Broadcast;
            return true;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            switch (value[..colon])
            {
                case "gear" when number <= DaliAddress.MaxShortAddress:
                    address = DaliAddress.Short(number);
                    return true;
                case "group" when number <= DaliAddress.MaxGroup:
                    address = DaliAddress.Group(number);
                    return true;
            }
        }

        error = $"target must be gear:0-63, group:0-15 or broadcast (got '{text}')";
        return false;
    }

    public static bool TryBuild(DaliCommandRequest request, out DaliCommand command, out string error)
    {
        ArgumentNullException.ThrowIfNull(request);
        command = null!;
        if (!TryParseTarget(request.Target, out var target, out error))
        {
            return false;
        }

        switch (request.Command?.Trim().ToLowerInvariant())
        {
            case "dapc" or "level":
                if (request.Level is not (>= 0 and <= 254))
                {
                    error = $"dapc needs a level 0-254 (255 is MASK, not a level; got {request.Level?.ToString(CultureInfo.InvariantCulture) ?? "none"})";
                    return false;
                }

                command = DaliGear.DirectArcPower(target, (byte)request.Level.Value);
                return true;
            case "off":
                command = DaliGear.Off(target);
                return true;
            case "max" or "recall-max":
                command = DaliGear.RecallMaxLevel(target);
                return true;
            case "min" or "recall-min":
                command = DaliGear.RecallMinLevel(target);
                return true;
            case "scene":
                if (request.Scene is not (>= 0 and <= 15))
                {
                    error = $"scene needs a scene 0-15 (got {request.Scene?.ToString(CultureInfo.InvariantCulture) ?? "none"})";
                    return false;
                }

                command = DaliGear.GoToScene(target, request.Scene.Value);
                return true;
            case "identify":
                command = DaliGear.IdentifyDevice(target);
                return true;
            default:
                error = $"command must be dapc, off, max, min, scene or identify (got '{request.Command}')";
                return false;
        }
    }

    public async Task<DaliCommandResult> ExecuteAsync(string lineName, DaliCommandRequest request, CancellationToken cancellationToken)
    {
        var line = registry.Find(lineName);
        if (line is null)
        {
            return NotRunning(lineName);
        }

        if (!TryBuild(request, out var command, out var error))
        {
            return new DaliCommandResult(false, Refused, error);
        }

        var result = await line.Commands.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        var changesLevels = !string.Equals(request.Command?.Trim(), "identify", StringComparison.OrdinalIgnoreCase);
        if (result.BusWorked && changesLevels && TryParseTarget(request.Target, out var target, out _))
        {
            line.RequestRefresh(target);
        }

        return FromBus(result, $"{command.Name} sent to {request.Target} on {lineName}", command.Frame.ToString());
    }

    /// <summary>Scans the line with polling paused; null result with a reason when the line is busy or not running.</summary>
    public Task<(DaliScanResult? Scan, DaliCommandResult Status)> ScanAsync(string lineName, CancellationToken cancellationToken) =>
        ScanAsync(lineName, null, cancellationToken);

    /// <summary>As <see cref="ScanAsync(string, CancellationToken)"/>, reporting each short address asked.</summary>
    public async Task<(DaliScanResult? Scan, DaliCommandResult Status)> ScanAsync(string lineName, IProgress<DaliProgress>? progress, CancellationToken cancellationToken)
    {
        var line = registry.Find(lineName);
        if (line is null)
        {
            return (null, NotRunning(lineName));
        }

        using var pause = line.Bus.TryPausePolling("scan");
        if (pause is null)
        {
            return (null, BusyResult(line));
        }

        const int total = DaliAddress.MaxShortAddress + 1;
        var scan = await DaliLineScan.ScanAsync(line.Commands, progress is null ? null : new Relay<int>(a => progress.Report(new DaliProgress(a + 1, total, "scan"))),
            cancellationToken).ConfigureAwait(false);
        return (scan, scan.Failure is { } failure ? FromBus(failure, string.Empty) : new DaliCommandResult(true, Ok, $"{scan.Gear.Count} gear answer on {lineName}"));
    }

    public Task<(CommissioningResult? Result, DaliCommandResult Status)> CommissionAsync(string lineName, bool all, CancellationToken cancellationToken) =>
        CommissionAsync(lineName, all, null, cancellationToken);

    /// <summary>As <see cref="CommissionAsync(string, bool, CancellationToken)"/>, reporting each gear addressed.</summary>
    public async Task<(CommissioningResult? Result, DaliCommandResult Status)> CommissionAsync(string lineName, bool all, IProgress<DaliProgress>? progress, CancellationToken cancellationToken)
    {
        var line = registry.Find(lineName);
        if (line is null)
        {
            return (null, NotRunning(lineName));
        }

        using var pause = line.Bus.TryPausePolling("commission");
        if (pause is null)
        {
            return (null, BusyResult(line));
        }

        progress?.Report(new DaliProgress(0, DaliAddress.MaxShortAddress + 1, "searching (polling paused)"));
        var result = await DaliCommissioning.RunAsync(line.Commands, new CommissioningOptions { KeepExisting = !all },
            progress is null ? null : new Relay<CommissioningProgress>(p => progress.Report(new DaliProgress(p.Found, DaliAddress.MaxShortAddress + 1, p.Step))),
            cancellationToken).ConfigureAwait(false);
        var ok = result.Problem is null;
        // New or replaced gear come out of commissioning in no group.
        line.RequestGroupCheck();
        var status = ok ? Ok : result.Problem!.Contains("power", StringComparison.OrdinalIgnoreCase) ? NoPower : InterfaceFailure;
        return (result, new DaliCommandResult(ok, status, result.Problem ?? $"{result.Assigned.Count} gear given a short address on {lineName}"));
    }

    public static DaliCommandResult FromBus(DaliBusResult result, string okMessage, string? frame = null) => result.Outcome switch
    {
        DaliBusOutcome.BusPowerFailure => new DaliCommandResult(false, NoPower, "the DALI line has no power (check the bus power supply)", frame),
        DaliBusOutcome.InterfaceTimeout => new DaliCommandResult(false, InterfaceFailure, "the DALI master interface did not confirm the frame in time", frame),
        DaliBusOutcome.InterfaceRejected => new DaliCommandResult(false, InterfaceFailure, $"the DALI master interface refused the frame (code 0x{result.Value:X2})", frame),
        _ => new DaliCommandResult(true, Ok, okMessage, frame),
    };

    private DaliCommandResult NotRunning(string lineName)
    {
        var configured = registry.Configured.FirstOrDefault(l => l.Name == lineName);
        return configured switch
        {
            null => new DaliCommandResult(false, NotFound, $"no DALI line named '{lineName}' (known: {(registry.Configured.Count == 0 ? "none" : string.Join(", ", registry.Configured.Select(l => l.Name)))})"),
            { Enabled: false } => new DaliCommandResult(false, NotFound, $"DALI line '{lineName}' is disabled (Enabled=false)"),
            _ => new DaliCommandResult(false, InterfaceFailure, $"DALI line '{lineName}' is not running: its interface on {configured.Port} could not be opened (see the edge's log)"),
        };
    }

    private static DaliCommandResult BusyResult(DaliLine line) =>
        new(false, Busy, $"DALI line '{line.Definition.Name}' is busy: a {line.Bus.PausedBy ?? "maintenance"} is running; try again when it is done");

    /// <summary>Passes progress on synchronously, in order (Progress&lt;T&gt; would post it to the thread pool, out of order).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
