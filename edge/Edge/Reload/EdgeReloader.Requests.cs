using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Configuration;
using Microsoft.Extensions.Logging;

namespace City.Edge.Reload;

internal sealed partial class EdgeReloader
{
    /// <summary>Reads the files again (with central's sections on top), checks them, and starts them when they differ from the running configuration.</summary>
    public ReloadAnswer ReloadFiles()
    {
        ConfigDocument files;
        try
        {
            files = ConfigDocument.From(_readFiles());
        }
        catch (Exception ex) when (ex is EdgeConfigurationSources.ConfigurationFileException or IOException or UnauthorizedAccessException)
        {
            return Refuse(null, ConfigSources.File, null, new ConfigRefusal(CommandRejections.InvalidConfig, [ex.Message]), null);
        }

        ConfigDocument? overlay;
        try
        {
            overlay = _history.CentralOverlay();
        }
        catch (JsonException ex)
        {
            LogOverlayIgnored(_logger, System.IO.Path.Combine(_history.Directory, ConfigHistory.CentralOverlayFile), ex.Message);
            overlay = null;
        }

        var document = overlay is null ? files : files.With(overlay);
        return Offer(document, overlay, document.Digest, ConfigSources.File, null);
    }

    /// <summary>The checks of a pushed configuration on arrival (a refusal is recorded in the history and answered REJECTED).</summary>
    public CommandRefusal? CheckPush(string commandId, EdgeConfigAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var refusal = Prepare(action, out var document, out var overlay);
        if (refusal is not null)
        {
            Refuse(document, ConfigSources.Central, commandId, refusal, action.Version);
            return new CommandRefusal(refusal.Reason, refusal.Detail);
        }

        lock (_gate)
        {
            // The same configuration is answered done at once by Push.
            return document!.Digest != _running.Document.Digest && IsBusy()
                ? new CommandRefusal(CommandRejections.NotPermitted, "another configuration is being applied: send this one again once it is decided")
                : null;
        }
    }

    /// <summary>Starts a pushed configuration; its final result (done, or failed with the rollback's reason) is reported later.</summary>
    public CommandOutcome Push(string commandId, EdgeConfigAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Prepare(action, out var document, out var overlay) is { } refusal)
        {
            return new CommandOutcome(false, $"{refusal.Reason}: {refusal.Detail}");
        }

        var answer = Offer(document!, overlay, action.Version, ConfigSources.Central, commandId);
        return answer.Outcome switch
        {
            ConfigOutcomes.Trial => new CommandOutcome(true, $"applying {action.Version} (version {answer.Number})") { Deferred = true },
            "unchanged" => new CommandOutcome(true, $"applied {action.Version} (already running)"),
            _ => new CommandOutcome(false, $"{answer.Outcome}: {string.Join("; ", answer.Problems)}"),
        };
    }

    private ConfigRefusal? Prepare(EdgeConfigAction action, out ConfigDocument? document, out ConfigDocument? overlay)
    {
        document = null;
        overlay = null;
        if (System.Text.Encoding.UTF8.GetByteCount(action.ConfigJson) > EdgeConfigVersion.MaxJsonBytes)
        {
            return new ConfigRefusal(CommandRejections.InvalidConfig, [$"the configuration is larger than {EdgeConfigVersion.MaxJsonBytes} bytes"]);
        }

        if (EdgeConfigVersion.Of(action.ConfigJson) != action.Version)
        {
            return new ConfigRefusal(CommandRejections.InvalidConfig, [$"version {action.Version} is not the digest of the configuration sent ({EdgeConfigVersion.Of(action.ConfigJson)})"]);
        }

        ConfigDocument pushed;
        try
        {
            pushed = ConfigDocument.Parse(action.ConfigJson);
        }
        catch (JsonException ex)
        {
            return new ConfigRefusal(CommandRejections.InvalidConfig, [$"not a configuration document: {ex.Message}"]);
        }

        ConfigCandidate running;
        ConfigDocument? standing;
        lock (_gate)
        {
            running = _running;
            standing = _running.CentralOverlay;
        }

        overlay = standing is null ? pushed : standing.With(pushed);
        document = running.Document.With(pushed);
        return ConfigCandidates.Check(running.Document, document, _drivers, out _);
    }

    /// <summary>Checks <paramref name="document"/> against the running configuration and, when it passes and differs, starts it.</summary>
    private ReloadAnswer Offer(ConfigDocument document, ConfigDocument? overlay, string version, string source, string? commandId)
    {
        lock (_gate)
        {
            if (document.Digest == _running.Document.Digest)
            {
                return new ReloadAnswer("unchanged", _running.Number, _running.Version, []);
            }

            if (IsBusy())
            {
                return new ReloadAnswer(ConfigOutcomes.Refused, 0, version, ["another configuration is being applied: try again once it is decided"]);
            }

            if (ConfigCandidates.Check(_running.Document, document, _drivers, out var settings) is { } refusal)
            {
                return Refuse(document, source, commandId, refusal, version);
            }

            var entry = _history.Add(version, source, _time.GetUtcNow(), ConfigOutcomes.Trial, null, commandId, document);
            var candidate = new ConfigCandidate(document, overlay, settings!, version, source, commandId, entry.Number);
            _next = candidate;
            _swap.TrySetResult(candidate);
            LogStarting(_logger, entry.Number, version, source);
            return new ReloadAnswer(ConfigOutcomes.Trial, entry.Number, version, []);
        }
    }

    private ReloadAnswer Refuse(ConfigDocument? document, string source, string? commandId, ConfigRefusal refusal, string? version)
    {
        var entry = _history.Add(version ?? document?.Digest ?? string.Empty, source, _time.GetUtcNow(), ConfigOutcomes.Refused, $"{refusal.Reason}: {refusal.Detail}", commandId, document);
        LogRefused(_logger, entry.Number, source, refusal.Reason, refusal.Detail);
        return new ReloadAnswer(ConfigOutcomes.Refused, entry.Number, entry.Version, [.. refusal.Problems]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration version {Number} ({Version}, from {Source}) passed its checks: rebuilding the loops on it")]
    private static partial void LogStarting(ILogger logger, int number, string version, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Configuration version {Number} (from {Source}) refused ({Reason}): {Detail}")]
    private static partial void LogRefused(ILogger logger, int number, string source, string reason, string detail);
}
