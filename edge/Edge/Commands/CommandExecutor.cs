using System.Globalization;
using City.Contract.Wire;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Edge.Lighting;
using City.Protocols.Talq;
using Microsoft.Extensions.Logging;

namespace City.Edge.Commands;

/// <summary>How an accepted command ended: done (with a write's value read back) or failed with the device's error.</summary>
internal sealed record CommandOutcome(bool Done, string Detail, string? ReadBack = null)
{
    /// <summary>The final result is reported later by whoever runs it (a configuration on trial): nothing is reported now.</summary>
    public bool Deferred { get; init; }
}

/// <summary>
/// Runs an accepted command ahead of polling: a write through <see cref="PointWriter"/> (a Modbus write takes the priority lane
/// of its device's gate), then one read of the point for read_back; a DALI command through <see cref="DaliCommandService"/>
/// (its transactions go before the line's next poll query, and the levels it changes are read again and reach central as
/// readings); a lighting override (a level for a group or the whole line until an instant, or its end) and a lighting set
/// into the <see cref="LightingRuntime"/>, which stores them and whose scheduler drives the lamps; at an override's end the
/// group goes back to its program's level.
/// </summary>
internal sealed partial class CommandExecutor(
    EdgeSettings settings,
    PointWriter writer,
    IEnumerable<IDeviceRunner> runners,
    TimeProvider time,
    ILogger<CommandExecutor> logger,
    DaliCommandService? dali = null,
    LightingRuntime? lighting = null,
    IEdgeConfigPush? configPush = null,
    IPriorityCommands? priority = null, IVmsCommands? vms = null)
{
    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private readonly List<IDeviceRunner> _runners = runners.ToList();

    /// <summary>The real clock (the lighting runs on its own, <see cref="LightingRuntime.Clock"/>).</summary>
    public TimeProvider Time => time;

    public async Task<CommandOutcome> ExecuteAsync(CommandBody body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.ActionCase switch
        {
            CommandBody.ActionOneofCase.Write => await WriteAsync(body.Write, cancellationToken).ConfigureAwait(false),
            CommandBody.ActionOneofCase.Dali => await DaliAsync(body.Dali, cancellationToken).ConfigureAwait(false),
            CommandBody.ActionOneofCase.LightingOverride => Override(body.LightingOverride, body.Id),
            CommandBody.ActionOneofCase.LightingConfig => LightingConfig(body.LightingConfig),
            CommandBody.ActionOneofCase.EdgeConfig => configPush is null
                ? new CommandOutcome(false, "this edge cannot change its configuration at run time")
                : configPush.Push(body.Id, body.EdgeConfig),
            CommandBody.ActionOneofCase.Priority => priority is null
                ? new CommandOutcome(false, "this edge has no bus priority device")
                : await priority.SubmitAsync(body.Priority, cancellationToken).ConfigureAwait(false),
            CommandBody.ActionOneofCase.Vms => vms is null
                ? new CommandOutcome(false, "this edge drives no message sign")
                : await vms.ExecuteAsync(body.Vms, cancellationToken).ConfigureAwait(false),
            _ => new CommandOutcome(false, "no action"),
        };
    }

    /// <summary>DALI's logarithmic dimming curve: 100 % is arc level 254, 0.1 % is 1, 0 % is off (0).</summary>
    public static byte ArcLevel(int percent) => DimmingCurve.ArcLevel(percent);

    private async Task<CommandOutcome> WriteAsync(WriteAction write, CancellationToken cancellationToken)
    {
        var value = CommandChecks.ValueOf(write)!.Value;
        var result = await writer.WriteAsync(write.Device, write.Point, value, cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
        {
            return new CommandOutcome(false, result.Message);
        }

        var device = _devices[write.Device];
        var point = device.Points.First(p => p.Name == write.Point);
        var runner = _runners.First(r => r.Handles(device));
        try
        {
            var readBack = await runner.ReadBackAsync(device, point, cancellationToken).ConfigureAwait(false);
            return new CommandOutcome(true, result.Message, readBack?.ToString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            LogReadBackFailed(logger, ex, point.Id);
            return new CommandOutcome(true, $"{result.Message}; reading it back failed: {ex.Message}");
        }
    }

    private async Task<CommandOutcome> DaliAsync(DaliAction action, CancellationToken cancellationToken)
    {
        var request = action.Command switch
        {
            "level" => new DaliCommandRequest(action.Target, "dapc", Level: action.Value),
            "scene" => new DaliCommandRequest(action.Target, "scene", Scene: action.Value),
            _ => new DaliCommandRequest(action.Target, action.Command),
        };
        return await RunDaliAsync(action.Line, request, cancellationToken).ConfigureAwait(false);
    }

    private CommandOutcome Override(LightingOverrideAction action, string commandId)
    {
        if (lighting is null)
        {
            return new CommandOutcome(false, "this edge runs no lighting");
        }

        int? group = action.Group == -1 ? null : action.Group;
        var target = CommandChecks.OverrideTarget(action);
        var until = !action.HasLevelPercent ? default
            : action.DurationSeconds > 0 ? lighting.Clock.GetUtcNow() + TimeSpan.FromSeconds(action.DurationSeconds)
            : DateTimeOffset.FromUnixTimeMilliseconds(action.UntilUnixMs);
        try
        {
            lighting.SetOverride(action.Line, group, action.HasLevelPercent ? action.LevelPercent : null, until, commandId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(logger, ex, "overrides");
            return new CommandOutcome(false, $"the override could not be stored: {ex.Message}");
        }

        if (!action.HasLevelPercent)
        {
            LogOverrideEnded(logger, target, action.Line);
            return new CommandOutcome(true, $"override of {target} on {action.Line} ended: back to its program");
        }

        return new CommandOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"{action.LevelPercent}% (arc level {DimmingCurve.ArcLevel(action.LevelPercent)}) on {target} of {action.Line} until {until:o}; then back to its program"));
    }

    private CommandOutcome LightingConfig(LightingConfigAction action)
    {
        if (lighting is null)
        {
            return new CommandOutcome(false, "this edge runs no lighting");
        }

        // Checked on arrival; checked again here, as another set may have been applied in between.
        var problem = lighting.Check(action.Version, action.SetJson, out var set);
        if (problem is not null || set is null)
        {
            return new CommandOutcome(false, $"invalid-config: {problem}");
        }

        try
        {
            lighting.Apply(set);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(logger, ex, "set " + set.Version);
            return new CommandOutcome(false, $"the set could not be stored: {ex.Message}");
        }

        return new CommandOutcome(true, $"applied {set.Version}");
    }

    private async Task<CommandOutcome> RunDaliAsync(string line, DaliCommandRequest request, CancellationToken cancellationToken)
    {
        if (dali is null)
        {
            return new CommandOutcome(false, "this edge runs no DALI line");
        }

        var result = await dali.ExecuteAsync(line, request, cancellationToken).ConfigureAwait(false);
        return new CommandOutcome(result.Ok, result.Ok ? result.Message : $"{result.Status}: {result.Message}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {Point} back after a remote write failed")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, string point);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting override of {Target} on {Line} ended by command: back to its program")]
    private static partial void LogOverrideEnded(ILogger logger, string target, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the lighting {What} failed")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string what);
}
