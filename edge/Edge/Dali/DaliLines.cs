using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;
using Microsoft.Extensions.Logging;

namespace City.Edge.Dali;

/// <summary>Opens the master interface of a DALI line (the LUBA serial interface; tests give their own).</summary>
internal interface IDaliMasterFactory
{
    IDaliMaster Open(DaliLineDefinition line);
}

internal sealed class LubaMasterFactory(TimeProvider time) : IDaliMasterFactory
{
    public IDaliMaster Open(DaliLineDefinition line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return LubaDaliMaster.Open(line.Port, new LubaMasterOptions { InterfaceTimeout = line.InterfaceTimeout, AnswerWindow = line.AnswerWindow }, time);
    }
}

/// <summary>Readings of a DALI line into the core's reading sink (by the aliases of the line's points) and the local view.</summary>
internal sealed class DeviceReadingSink(DeviceDefinition line, DeviceRunContext context) : IDaliReadingSink
{
    private readonly Dictionary<string, DevicePoint> _points = line.Points.ToDictionary(p => p.Id, StringComparer.Ordinal);

    public ValueTask WriteAsync(string pointId, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        context.ReportAsync(_points[pointId], value, quality, timestamp, cancellationToken);
}

/// <summary>One running DALI line: its bus (commands before polls), its poller and the command client.</summary>
internal sealed class DaliLine : IAsyncDisposable
{
    private readonly IDaliMaster _master;
    private readonly System.Collections.Concurrent.ConcurrentQueue<DaliAddress> _refreshRequests = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DaliLine(DaliLineDefinition definition, IDaliMaster master, IDaliReadingSink sink, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        _master = master;
        Time = time;
        Bus = new DaliLineBus(master);
        Poller = new DaliLinePoller(definition, Bus.Polls, sink, time);
        Commands = new DaliClient(Bus.Commands, time);
        Groups = new DaliGroupProgrammer(Bus.Polls, time, Poller.RecordEventAsync);
        if (definition.ProgramGroups)
        {
            RequestGroupCheck();
            Poller.AnsweringAgain = gear => Groups.Request([gear.Definition.Address]);
        }
    }

    public DaliLineDefinition Definition { get; }

    public DaliLineBus Bus { get; }

    public DaliLinePoller Poller { get; }

    /// <summary>The client commands and maintenance use: its transactions go before waiting poll queries.</summary>
    public DaliClient Commands { get; }

    public TimeProvider Time { get; }

    /// <summary>Programs the configured groups into the gear (between status sweeps, on the poll side of the bus).</summary>
    public DaliGroupProgrammer Groups { get; }

    /// <summary>Queues every configured gear for a group check (start, after commissioning); nothing when ProgramGroups is false.</summary>
    public void RequestGroupCheck()
    {
        if (Definition.ProgramGroups)
        {
            Groups.Request(Definition.Gear.Select(g => g.Address));
        }
    }

    /// <summary>
    /// After a command changed light levels: the next loop turn sweeps the line's status at once (levels) and reads the
    /// power and energy of the gear <paramref name="target"/> reaches (by their configured groups) before any other energy
    /// read, so central sees the effect of a dim within a few seconds rather than at the next periods.
    /// </summary>
    public void RequestRefresh(DaliAddress target)
    {
        _refreshRequests.Enqueue(target);
        Volatile.Read(ref _wake).TrySetResult();
    }

    public long Sweeps { get; private set; }

    /// <summary>Called after each status sweep: when, whether the line answered, and its problem if not (the device status).</summary>
    public Action<DateTimeOffset, bool, string?, string?>? StatusSwept { get; set; }

    /// <summary>Gear whose D4i energy is read between two status checks (an energy read costs ~14 transactions per gear).</summary>
    public const int EnergyGearPerSlice = 4;

    /// <summary>While both wait, one D4i slice (one gear, 30-70 transactions) after this many energy slices: energy comes first.</summary>
    public const int EnergySlicesPerD4iSlice = 2;

    /// <summary>
    /// Polls until cancelled: status sweeps at StatusPeriod (each followed by the group check of gear queued for one), discovery at DiscoveryPeriod, and every EnergyPeriod an energy pass
    /// over the answering gear, read a few gear at a time so that a long pass (64 gear ~ 35 s of bus time) never holds the
    /// status sweeps back by more than one slice. D4i identity (when a gear is found or answers again) and diagnostics (every
    /// DiagnosticsPeriod) are read one gear per slice, one such slice after every two energy slices when both wait; after a bus failure they wait for
    /// the next good status sweep.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var start = Time.GetUtcNow();
        var nextStatus = start;
        var nextEnergy = start + Definition.StatusPeriod;
        var nextDiscovery = start;
        var nextDiagnostics = start + Definition.DiagnosticsPeriod;
        bool d4iHeld = false;
        int energySlicesSinceD4i = 0;
        var energyPending = new Queue<DaliGearState>();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_wake.Task.IsCompleted)
            {
                Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            var now = Time.GetUtcNow();
            var refreshed = TakeRefreshRequests();
            if (refreshed.Count > 0)
            {
                nextStatus = now;
                var reread = refreshed.Where(g => g.Answering == true).ToList();
                energyPending = new Queue<DaliGearState>(reread.Concat(energyPending.Where(g => !reread.Contains(g))));
            }

            if (now >= nextDiscovery)
            {
                nextDiscovery = now + Definition.DiscoveryPeriod;
                await Poller.DiscoverAsync(cancellationToken).ConfigureAwait(false);
            }

            if (now >= nextStatus)
            {
                nextStatus = now + Definition.StatusPeriod;
                var swept = await Poller.SweepStatusAsync(cancellationToken).ConfigureAwait(false);
                StatusSwept?.Invoke(Time.GetUtcNow(), swept, Poller.LastProblem, Poller.LastProblemKind);
                d4iHeld = !swept;
                if (swept && Groups.HasPending)
                {
                    await Groups.CheckPendingAsync(Poller.Gear, cancellationToken).ConfigureAwait(false);
                }

                Sweeps++;
            }

            if (now >= nextEnergy)
            {
                nextEnergy = now + Definition.EnergyPeriod;
                foreach (var gear in Poller.Gear.Where(g => g.Answering == true && !energyPending.Contains(g)))
                {
                    energyPending.Enqueue(gear);
                }
            }

            if (now >= nextDiagnostics)
            {
                nextDiagnostics = now + Definition.DiagnosticsPeriod;
                Poller.DiagnosticsDue();
            }

            if (!d4iHeld && Poller.HasD4iWork && (energyPending.Count == 0 || energySlicesSinceD4i >= EnergySlicesPerD4iSlice))
            {
                energySlicesSinceD4i = 0;
                d4iHeld = !await Poller.ReadD4iSliceAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (energyPending.Count > 0)
            {
                energySlicesSinceD4i++;
                var slice = new List<DaliGearState>();
                while (slice.Count < EnergyGearPerSlice && energyPending.TryDequeue(out var gear))
                {
                    slice.Add(gear);
                }

                if (!await Poller.ReadEnergyAsync(slice, cancellationToken).ConfigureAwait(false))
                {
                    energyPending.Clear();
                }

                continue;
            }

            var next = new[] { nextStatus, nextEnergy, nextDiscovery, nextDiagnostics }.Min();
            var wait = next - Time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(Task.Delay(wait, Time, stopWaiting.Token), Volatile.Read(ref _wake).Task).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        // Cancelled between two waits: end as a cancelled wait would, so a stopped poller always ends the same way.
        cancellationToken.ThrowIfCancellationRequested();
    }

    private List<DaliGearState> TakeRefreshRequests()
    {
        var gear = new List<DaliGearState>();
        while (_refreshRequests.TryDequeue(out var target))
        {
            gear.AddRange(Poller.Gear.Where(g => target.Addresses((byte)g.Definition.Address, g.Definition.Groups) && !gear.Contains(g)));
        }

        return gear;
    }

    public async ValueTask DisposeAsync()
    {
        if (_master is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The running DALI lines by name (the local API and, later, central's commands find them here).</summary>
internal sealed class DaliLineRegistry
{
    private readonly Dictionary<string, DaliLine> _lines = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public DaliLineRegistry(IReadOnlyList<DaliLineDefinition> configured)
    {
        Configured = configured;
    }

    public IReadOnlyList<DaliLineDefinition> Configured { get; }

    /// <summary>A line started running (at start, or again after its interface failed): the lighting re-applies its levels.</summary>
    public event Action<DaliLine>? Started;

    public void Add(DaliLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_gate)
        {
            _lines[line.Definition.Name] = line;
        }

        Started?.Invoke(line);
    }

    public void Remove(string name)
    {
        lock (_gate)
        {
            _lines.Remove(name);
        }
    }

    public DaliLine? Find(string name)
    {
        lock (_gate)
        {
            return _lines.GetValueOrDefault(name);
        }
    }
}

/// <summary>
/// Runs a DALI line as the core runs any device: opens its master interface, polls until cancelled or until the interface
/// fails (the core then reopens it after a pause), and records each status sweep in the line's device status. DALI points
/// are read-only: writes are refused (the line is driven by commands, see <see cref="DaliCommandService"/>).
/// </summary>
internal sealed partial class DaliLineRunner(DaliLineRegistry registry, IDaliMasterFactory factory, FieldClock clock, ILogger<DaliLineRunner> logger) : IDeviceRunner
{
    // The line's periods, waits and reading timestamps follow the field clock (Edge:Clock in tests and demos); the master's
    // wire timeouts keep the real one (IDaliMasterFactory).
    private readonly TimeProvider _time = clock.Time;

    public bool Handles(DeviceDefinition device) => device?.Settings is DaliLineDefinition;

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var definition = device.SettingsOf<DaliLineDefinition>();
        var status = context.State.Device(device.Name);
        DaliLine line;
        try
        {
            line = new DaliLine(definition, factory.Open(definition), new DeviceReadingSink(device, context), _time) { StatusSwept = status.RecordPoll };
        }
        catch (Exception ex)
        {
            status.RecordPoll(_time.GetUtcNow(), false, $"the master interface on {definition.Port} could not be opened: {ex.Message}", PollErrorKinds.Link);
            throw;
        }

        try
        {
            registry.Add(line);
            LogStarting(logger, definition.Name, definition.Port, definition.Gear.Count);
            await line.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            registry.Remove(definition.Name);
            await line.DisposeAsync().ConfigureAwait(false);
        }
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, $"{point.Id}: the point is not Writable (a DALI line takes commands: edgectl dali set)", value.ToString()));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DALI line {Line} on {Port}: polling {Gear} configured gear")]
    private static partial void LogStarting(ILogger logger, string line, string port, int gear);
}
