using System.Collections.Concurrent;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging;

namespace City.Edge.Vms;

/// <summary>The last state read from one sign (GET /v1/vms, edgectl vms).</summary>
internal sealed record VmsSignView(string Sign, string Endpoint, bool Enabled, string? Message, string? Multi, string? Source, string? Faults,
    int? ShortErrorStatus, int? PixelFailures, int? LampFailures, bool? DoorOpen, bool? ControllerError, int? Lines, int? Columns, int? Pages,
    string? LastError, DateTimeOffset? ReadAt);

/// <summary>The outcome of a sign operation from the local API or a remote command.</summary>
internal sealed record VmsOperationResult(bool Ok, string Status, string Message, VmsSignView? Sign);

/// <summary>POST /v1/vms/{sign}/activate.</summary>
internal sealed record VmsActivateRequest(string? Multi, int? DurationMinutes, int? Priority);

/// <summary>
/// The signs of this edge: one SNMP manager (one UDP socket) for all of them, each sign's geometry read once and kept,
/// the activate / blank operations (the MULTI text checked against the sign before anything is sent), and the last state
/// each runner read. Also the remote-command entry (<see cref="IVmsCommands"/>).
/// </summary>
internal sealed partial class VmsSigns : IVmsCommands, IAsyncDisposable
{
    private readonly Dictionary<string, DeviceDefinition> _signs;
    private readonly ConcurrentDictionary<string, SignGeometry> _geometry = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VmsSignView> _views = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _wake = new(StringComparer.Ordinal);
    private readonly Lazy<SnmpManager> _manager;
    private readonly TimeProvider _time;
    private readonly ILogger<VmsSigns> _logger;
    private int _disposed;

    public VmsSigns(EdgeSettings settings, TimeProvider time, ILogger<VmsSigns> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _signs = settings.Devices.Where(d => d.Settings is VmsDeviceSettings).ToDictionary(d => d.Name, StringComparer.Ordinal);
        _time = time;
        _logger = logger;
        // Opened by the first sign that is read: an edge without signs has no socket for them.
        _manager = new(() => SnmpManager.CreateUdp(timeProvider: time), LazyThreadSafetyMode.ExecutionAndPublication);
        foreach (var sign in _signs.Values)
        {
            _views[sign.Name] = Empty(sign);
        }
    }

    public IReadOnlyList<VmsSignView> Views() => _signs.Keys.Order(StringComparer.Ordinal).Select(name => _views[name]).ToList();

    public DmsClient Client(DeviceDefinition sign, bool write)
    {
        ArgumentNullException.ThrowIfNull(sign);
        return new DmsClient(_manager.Value, sign.SettingsOf<VmsDeviceSettings>().Target(write), _time);
    }

    /// <summary>The sign's geometry, read from it once.</summary>
    public async Task<SignGeometry> GeometryAsync(DeviceDefinition sign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sign);
        if (_geometry.TryGetValue(sign.Name, out var known))
        {
            return known;
        }

        var geometry = await Client(sign, write: false).ReadGeometryAsync(cancellationToken).ConfigureAwait(false);
        _geometry[sign.Name] = geometry;
        return geometry;
    }

    public SignGeometry? KnownGeometry(string sign) => _geometry.TryGetValue(sign, out var g) ? g : null;

    public void Record(VmsSignView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        _views[view.Sign] = view;
    }

    public VmsSignView View(string sign) => _views[sign];

    /// <summary>The runner of <paramref name="sign"/> waits on this between reads; an operation releases it for a read at once.</summary>
    public SemaphoreSlim WakeOf(string sign) => _wake.GetOrAdd(sign, _ => new SemaphoreSlim(0, 1));

    public async Task<VmsOperationResult> ActivateAsync(string name, string multi, int durationMinutes, int priority, CancellationToken cancellationToken)
    {
        if (!_signs.TryGetValue(name, out var sign))
        {
            return new VmsOperationResult(false, "not-found", $"no sign named '{name}'", null);
        }

        if (!sign.Enabled)
        {
            return new VmsOperationResult(false, "refused", $"sign '{name}' is disabled (Enabled=false)", View(name));
        }

        try
        {
            var geometry = await GeometryAsync(sign, cancellationToken).ConfigureAwait(false);
            if (MultiParser.Validate(multi, geometry) is { } problem)
            {
                return new VmsOperationResult(false, "refused", $"MULTI refused for {name} ({geometry.LinesPerPage} lines of {geometry.CharactersPerLine} characters, {geometry.MaxPages} pages): {problem}", View(name));
            }

            await Client(sign, write: true).ActivateAsync(multi, geometry, durationMinutes == 0 ? MessageActivationCode.Indefinite : durationMinutes,
                priority == 0 ? 255 : priority, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DmsActivationException ex)
        {
            return new VmsOperationResult(false, "refused", $"{name}: {ex.Message}", View(name));
        }
        catch (SnmpException ex)
        {
            return new VmsOperationResult(false, "unreachable", $"{name}: {ex.Message}", View(name));
        }

        LogActivated(_logger, name, multi);
        return await ReadBackAsync(sign, "activated", cancellationToken).ConfigureAwait(false);
    }

    public async Task<VmsOperationResult> BlankAsync(string name, int priority, CancellationToken cancellationToken)
    {
        if (!_signs.TryGetValue(name, out var sign))
        {
            return new VmsOperationResult(false, "not-found", $"no sign named '{name}'", null);
        }

        try
        {
            await Client(sign, write: true).BlankAsync(priority == 0 ? 255 : priority, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DmsActivationException ex)
        {
            return new VmsOperationResult(false, "refused", $"{name}: {ex.Message}", View(name));
        }
        catch (SnmpException ex)
        {
            return new VmsOperationResult(false, "unreachable", $"{name}: {ex.Message}", View(name));
        }

        LogBlanked(_logger, name);
        return await ReadBackAsync(sign, "blanked", cancellationToken).ConfigureAwait(false);
    }

    public CommandRefusal? Check(VmsAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!_signs.TryGetValue(action.Sign, out var sign))
        {
            return new CommandRefusal(CommandRejections.UnknownTarget, $"no sign named '{action.Sign}'");
        }

        if (!sign.Enabled)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"sign '{action.Sign}' is disabled (Enabled=false)");
        }

        if (action.Operation is not ("activate" or "blank"))
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"operation must be activate or blank (got '{action.Operation}')");
        }

        if (action.DurationMinutes is < 0 or > 65_534 || action.Priority is < 0 or > 255)
        {
            return new CommandRefusal(CommandRejections.OutOfRange, $"duration_minutes must be 0-65534 and priority 0-255 (got {action.DurationMinutes}, {action.Priority})");
        }

        // The sign's own limits when they are known already; otherwise the syntax now and the limits before sending.
        var geometry = KnownGeometry(action.Sign) ?? SignGeometry.SyntaxOnly;
        return action.Operation == "activate" && MultiParser.Validate(action.Multi, geometry) is { } problem
            ? new CommandRefusal(CommandRejections.OutOfRange, $"MULTI: {problem}")
            : null;
    }

    public async Task<CommandOutcome> ExecuteAsync(VmsAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var result = action.Operation == "blank"
            ? await BlankAsync(action.Sign, action.Priority, cancellationToken).ConfigureAwait(false)
            : await ActivateAsync(action.Sign, action.Multi, action.DurationMinutes, action.Priority, cancellationToken).ConfigureAwait(false);
        return new CommandOutcome(result.Ok, result.Message, result.Sign?.Message);
    }

    /// <summary>Reads what the sign shows now and wakes its runner, so the new message reaches central at once.</summary>
    private async Task<VmsOperationResult> ReadBackAsync(DeviceDefinition sign, string done, CancellationToken cancellationToken)
    {
        var wake = WakeOf(sign.Name);
        if (wake.CurrentCount == 0)
        {
            wake.Release();
        }

        try
        {
            var current = await Client(sign, write: false).ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
            var text = PlainText(sign.Name, current.Multi);
            var view = View(sign.Name) with { Message = text, Multi = current.Multi };
            return new VmsOperationResult(true, "ok", $"{sign.Name} {done}: showing {(text.Length == 0 ? "(blank)" : $"'{text}'")}", view);
        }
        catch (SnmpException ex)
        {
            return new VmsOperationResult(true, "ok", $"{sign.Name} {done}; reading it back failed: {ex.Message}", View(sign.Name));
        }
    }

    public string PlainText(string sign, string multi) =>
        MultiParser.TryParse(multi, KnownGeometry(sign) ?? SignGeometry.SyntaxOnly, out var message, out _) ? message.PlainText : multi;

    private static VmsSignView Empty(DeviceDefinition sign) =>
        new(sign.Name, sign.Endpoint, sign.Enabled, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    /// <summary>Idempotent: the container disposes it once as itself and once as <see cref="IVmsCommands"/>.</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 && _manager.IsValueCreated ? _manager.Value.DisposeAsync() : ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "sign {Sign}: activated {Multi}")]
    private static partial void LogActivated(ILogger logger, string sign, string multi);

    [LoggerMessage(Level = LogLevel.Information, Message = "sign {Sign}: blanked")]
    private static partial void LogBlanked(ILogger logger, string sign);
}
