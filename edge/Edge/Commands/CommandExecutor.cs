using System.Globalization;
using City.Contract.Wire;
using City.Edge.Dali;
using City.Edge.Devices;
using Microsoft.Extensions.Logging;

namespace City.Edge.Commands;

/// <summary>How an accepted command ended: done (with a write's value read back) or failed with the device's error.</summary>
internal sealed record CommandOutcome(bool Done, string Detail, string? ReadBack = null);

/// <summary>
/// Runs an accepted command ahead of polling: a write through <see cref="PointWriter"/> (a Modbus write takes the priority lane
/// of its device's gate), then one read of the point for read_back; a DALI command through <see cref="DaliCommandService"/>
/// (its transactions go before the line's next poll query, and the levels it changes are read again and reach central as
/// readings); a lighting override as a level for a group (or broadcast) for its duration, after which the level of the last
/// remote level command for the same target on the line is restored (none known: the override level stays).
/// </summary>
internal sealed partial class CommandExecutor(
    EdgeSettings settings,
    PointWriter writer,
    IEnumerable<IDeviceRunner> runners,
    TimeProvider time,
    ILogger<CommandExecutor> logger,
    DaliCommandService? dali = null) : IAsyncDisposable
{
    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private readonly List<IDeviceRunner> _runners = runners.ToList();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Line, string Target), DaliCommandRequest> _lastLevel = [];
    private readonly Dictionary<(string Line, string Target), CancellationTokenSource> _reverts = [];
    private readonly CancellationTokenSource _stopping = new();

    public async Task<CommandOutcome> ExecuteAsync(CommandBody body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.ActionCase switch
        {
            CommandBody.ActionOneofCase.Write => await WriteAsync(body.Write, cancellationToken).ConfigureAwait(false),
            CommandBody.ActionOneofCase.Dali => await DaliAsync(body.Dali, cancellationToken).ConfigureAwait(false),
            CommandBody.ActionOneofCase.LightingOverride => await OverrideAsync(body.LightingOverride, cancellationToken).ConfigureAwait(false),
            _ => new CommandOutcome(false, "no action"),
        };
    }

    /// <summary>DALI's logarithmic dimming curve: 100 % is arc level 254, 0.1 % is 1, 0 % is off (0).</summary>
    public static byte ArcLevel(int percent) => percent <= 0
        ? (byte)0
        : (byte)Math.Clamp(Math.Round(1 + (253.0 / 3.0 * (Math.Log10(percent) + 1))), 1, 254);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var revert in _reverts.Values)
            {
                revert.Dispose();
            }

            _reverts.Clear();
        }

        _stopping.Dispose();
    }

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
        var key = (action.Line, action.Target.Trim().ToLowerInvariant());
        if (action.Command != "identify")
        {
            // A level command ends any override of the same target: its restore would undo this command.
            CancelRevert(key);
        }

        var outcome = await RunDaliAsync(action.Line, request, cancellationToken).ConfigureAwait(false);
        if (outcome.Done && action.Command != "identify")
        {
            lock (_gate)
            {
                _lastLevel[key] = request;
            }
        }

        return outcome;
    }

    private async Task<CommandOutcome> OverrideAsync(LightingOverrideAction action, CancellationToken cancellationToken)
    {
        var target = CommandChecks.OverrideTarget(action);
        var key = (action.Line, target);
        var arc = ArcLevel(action.LevelPercent);
        CancelRevert(key);
        var outcome = await RunDaliAsync(action.Line, new DaliCommandRequest(target, "dapc", Level: arc), cancellationToken).ConfigureAwait(false);
        if (!outcome.Done)
        {
            return outcome;
        }

        DaliCommandRequest? previous;
        lock (_gate)
        {
            previous = _lastLevel.GetValueOrDefault(key);
        }

        var duration = TimeSpan.FromSeconds(action.DurationSeconds);
        var then = previous is null
            ? "no earlier remote level command for it is known, so the level stays until the next command"
            : $"then back to {Describe(previous)}";
        if (previous is not null)
        {
            var revert = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            lock (_gate)
            {
                _reverts[key] = revert;
            }

            _ = RevertAfterAsync(action.Line, key, previous, duration, revert);
        }

        return new CommandOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"{action.LevelPercent}% (arc level {arc}) on {target} of {action.Line} for {action.DurationSeconds} s; {then}"));
    }

    private async Task RevertAfterAsync(string line, (string Line, string Target) key, DaliCommandRequest previous, TimeSpan duration, CancellationTokenSource revert)
    {
        try
        {
            await Task.Delay(duration, time, revert.Token).ConfigureAwait(false);
            var outcome = await RunDaliAsync(line, previous, revert.Token).ConfigureAwait(false);
            LogOverrideEnded(logger, key.Target, line, Describe(previous), outcome.Detail);
        }
        catch (OperationCanceledException) when (revert.IsCancellationRequested)
        {
            // Replaced by a newer command for the same target, or the edge stops.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRevertFailed(logger, ex, key.Target, line);
        }
        finally
        {
            lock (_gate)
            {
                if (_reverts.TryGetValue(key, out var current) && ReferenceEquals(current, revert))
                {
                    _reverts.Remove(key);
                }
            }

            revert.Dispose();
        }
    }

    private void CancelRevert((string Line, string Target) key)
    {
        lock (_gate)
        {
            if (_reverts.Remove(key, out var revert))
            {
                revert.Cancel();
            }
        }
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

    private static string Describe(DaliCommandRequest request) => request.Command switch
    {
        "dapc" => string.Create(CultureInfo.InvariantCulture, $"level {request.Level}"),
        "scene" => string.Create(CultureInfo.InvariantCulture, $"scene {request.Scene}"),
        _ => request.Command,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {Point} back after a remote write failed")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, string point);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting override of {Target} on {Line} ended: back to {Previous} ({Detail})")]
    private static partial void LogOverrideEnded(ILogger logger, string target, string line, string previous, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restoring {Target} on {Line} after a lighting override failed")]
    private static partial void LogRevertFailed(ILogger logger, Exception exception, string target, string line);
}
