using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>Where the poller's readings go: the reading queue and the local view (tests collect them).</summary>
internal interface IDaliReadingSink
{
    ValueTask WriteAsync(string pointId, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken);
}

/// <summary>What the poller last knew about one configured gear.</summary>
internal sealed class DaliGearState(DaliGearDefinition definition)
{
    public DaliGearDefinition Definition { get; } = definition;

    public bool? Answering { get; set; }

    public byte? Level { get; set; }

    public bool? LampFailure { get; set; }

    public bool? GearFailure { get; set; }

    /// <summary>The last QUERY ACTUAL LEVEL was answered with MASK: a lamp or gear failure (or a lamp still starting).</summary>
    public bool LevelMasked { get; set; }

    /// <summary>Two gear answered on this short address at once.</summary>
    public bool AddressConflict { get; set; }

    /// <summary>D4i identity and diagnostics (see DaliLinePoller.D4i.cs).</summary>
    public DaliGearD4iState D4i { get; } = new();
}

/// <summary>
/// One line's polling strategy. A status sweep asks the whole line first: QUERY LAMP FAILURE and QUERY CONTROL GEAR FAILURE to
/// broadcast (any answer, a collision included, is YES; silence means nobody is failing), then QUERY ACTUAL LEVEL of each
/// configured gear (which also tells who stopped answering, and, by a MASK answer, who is failing). After a broadcast YES the
/// failures it remembers and the MASK answers explain it where they can (DaliLinePoller.Failures.cs); otherwise it narrows
/// down: the same query to each configured group, then QUERY STATUS to each gear of the groups that said YES (and gear in no group).
/// Energy: D4i bank 202 of each answering gear, at its own slower period. D4i identity (banks 1/0) when a gear is found
/// and diagnostics (banks 205-207) at the diagnostics period, one gear at a time (DaliLinePoller.D4i.cs). Discovery: QUERY CONTROL GEAR PRESENT to the
/// short addresses nobody configured and to the unaddressed broadcast. Changes become events on the line's events point.
/// </summary>
internal sealed partial class DaliLinePoller
{
    private readonly DaliLineDefinition _line;
    private readonly DaliClient _client;
    private readonly IDaliReadingSink _sink;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<string> _recentEvents = [];
    private bool? _busPowered;
    private IReadOnlyList<int> _unknownAddresses = [];
    private bool? _unaddressedPresent;

    public DaliLinePoller(DaliLineDefinition line, IDaliMaster pollMaster, IDaliReadingSink sink, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        _client = new DaliClient(pollMaster, time);
        _sink = sink;
        _time = time;
        Gear = line.Gear.Select(g => new DaliGearState(g)).ToList();
    }

    public IReadOnlyList<DaliGearState> Gear { get; }

    public bool? BusPowered => _busPowered;

    public IReadOnlyList<int> UnknownAddresses => _unknownAddresses;

    public bool? UnaddressedPresent => _unaddressedPresent;

    /// <summary>Transactions of the last status sweep (the sweep's cost; one-by-one would be 2 per gear).</summary>
    public int LastSweepTransactions { get; private set; }

    public string? LastProblem { get; private set; }

    /// <summary>The kind of <see cref="LastProblem"/> (<see cref="PollErrorKinds"/>): bus-power or link.</summary>
    public string? LastProblemKind { get; private set; }

    /// <summary>Called when a gear that had stopped answering answers again (the line re-checks its groups, the lighting its level).</summary>
    public Action<DaliGearState>? AnsweringAgain { get; set; }

    /// <summary>Called after a gear answered QUERY ACTUAL LEVEL in a status sweep (the lighting notices a gear that lost its level).</summary>
    public Action<DaliGearState>? LevelRead { get; set; }

    public IReadOnlyList<string> RecentEvents()
    {
        lock (_gate)
        {
            return _recentEvents.ToList();
        }
    }

    /// <summary>The status sweep: failures (broadcast, then explained by the remembered failures or narrowed down), level and presence of every configured gear.</summary>
    public async Task<bool> SweepStatusAsync(CancellationToken cancellationToken)
    {
        int transactions = 0;
        void Counted() => transactions++;
        var lamp = await QueryAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast), Counted, cancellationToken).ConfigureAwait(false);
        if (!await BusOkAsync(lamp, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var gearFailure = await QueryAsync(DaliGear.QueryControlGearFailure(DaliAddress.Broadcast), Counted, cancellationToken).ConfigureAwait(false);
        if (!await BusOkAsync(gearFailure, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var now = _time.GetUtcNow();
        foreach (var gear in Gear)
        {
            var level = await QueryAsync(DaliGear.QueryActualLevel(DaliAddress.Short(gear.Definition.Address)), Counted, cancellationToken).ConfigureAwait(false);
            if (!await BusOkAsync(level, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await UpdateLevelAsync(gear, level, now, cancellationToken).ConfigureAwait(false);
        }

        var answering = Gear.Where(g => g.Answering == true).ToList();
        bool lampYes = lamp.AsYes() == true;
        bool gearYes = gearFailure.AsYes() == true;
        if (!lampYes && !gearYes)
        {
            foreach (var gear in answering)
            {
                await UpdateFailuresAsync(gear, false, false, now, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (!await FindFailuresAsync(answering, lampYes, gearYes, Counted, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LastSweepTransactions = transactions;
        LastProblem = null;
        LastProblemKind = null;
        return true;
    }

    /// <summary>D4i active power and energy of every answering gear.</summary>
    public Task<bool> ReadEnergyAsync(CancellationToken cancellationToken) =>
        ReadEnergyAsync(Gear.Where(g => g.Answering == true).ToList(), cancellationToken);

    /// <summary>D4i active power and energy of the given gear (14 transactions each: latch, DTRs, 12 reads).</summary>
    public async Task<bool> ReadEnergyAsync(IReadOnlyList<DaliGearState> gearToRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gearToRead);
        foreach (var gear in gearToRead)
        {
            var report = await D4iEnergy.ReadAsync(_client, gear.Definition.Address, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (report.Failure is { } failure && !await BusOkAsync(failure, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var now = _time.GetUtcNow();
            await WriteQuantityAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.Power), report.ActivePower, now, cancellationToken).ConfigureAwait(false);
            await WriteQuantityAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.Energy), report.ActiveEnergy, now, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Looks for gear nobody configured: each free short address, and gear without a short address.</summary>
    public async Task<bool> DiscoverAsync(CancellationToken cancellationToken)
    {
        var configured = Gear.Select(g => g.Definition.Address).ToHashSet();
        var unknown = new List<int>();
        for (int address = 0; address <= DaliAddress.MaxShortAddress; address++)
        {
            if (configured.Contains(address))
            {
                continue;
            }

            var present = await _client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.Short(address)), DaliPriority.P2, cancellationToken).ConfigureAwait(false);
            if (!await BusOkAsync(present, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (present.AsYes() == true)
            {
                unknown.Add(address);
            }
        }

        var unaddressed = await _client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.BroadcastUnaddressed), DaliPriority.P2, cancellationToken).ConfigureAwait(false);
        if (!await BusOkAsync(unaddressed, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var now = _time.GetUtcNow();
        var newlyFound = unknown.Except(_unknownAddresses).ToList();
        _unknownAddresses = unknown;
        if (newlyFound.Count > 0)
        {
            await EventAsync($"unknown-gear: short address {string.Join(", ", newlyFound)} answers but is not configured", now, cancellationToken).ConfigureAwait(false);
        }

        var unaddressedNow = unaddressed.AsYes() == true;
        if (unaddressedNow && _unaddressedPresent != true)
        {
            await EventAsync("unknown-gear: gear without a short address is on the line (run edgectl dali commission)", now, cancellationToken).ConfigureAwait(false);
        }

        _unaddressedPresent = unaddressedNow;
        await _sink.WriteAsync(_line.UnknownGearPointId, PointValue.FromNumber(unknown.Count + (unaddressedNow ? 1 : 0)), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<DaliBusResult> QueryAsync(DaliCommand command, Action counted, CancellationToken cancellationToken)
    {
        counted();
        return await _client.ExecuteAsync(command, DaliPriority.P2, cancellationToken).ConfigureAwait(false);
    }

    private async Task UpdateLevelAsync(DaliGearState gear, DaliBusResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = gear.Definition.PointId(_line.Name, DaliGearDefinition.Level);
        bool answering = result.Outcome != DaliBusOutcome.NoAnswer;
        if (gear.Answering != answering)
        {
            if (!answering)
            {
                await EventAsync($"gear-not-answering: {gear.Definition.Label}", now, cancellationToken).ConfigureAwait(false);
            }
            else if (gear.Answering == false)
            {
                await EventAsync($"gear-answering: {gear.Definition.Label} answers again", now, cancellationToken).ConfigureAwait(false);
                AnsweringAgain?.Invoke(gear);
            }

            gear.Answering = answering;
            if (answering)
            {
                D4iFound(gear);
            }

            await _sink.WriteAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.Answering), PointValue.FromBoolean(answering), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }

        bool conflict = result.Outcome == DaliBusOutcome.FramingError;
        if (conflict && !gear.AddressConflict)
        {
            await EventAsync($"address-conflict: several gear answer on short address {gear.Definition.Address}", now, cancellationToken).ConfigureAwait(false);
        }

        gear.AddressConflict = conflict;
        gear.LevelMasked = result.AsNumber() == DaliGear.Mask;
        if (gear.LevelMasked)
        {
            // A failing gear answers MASK instead of its level (IEC 62386-102): the failure check reads it, the level stays the last one known.
            await _sink.WriteAsync(id, PointValue.FromNumber(gear.Level ?? 0), Quality.Uncertain, now, cancellationToken).ConfigureAwait(false);
        }
        else if (result.AsNumber() is byte level)
        {
            gear.Level = level;
            await _sink.WriteAsync(id, PointValue.FromNumber(level), Quality.Good, now, cancellationToken).ConfigureAwait(false);
            LevelRead?.Invoke(gear);
        }
        else
        {
            await _sink.WriteAsync(id, PointValue.FromNumber(gear.Level ?? 0), result.Outcome == DaliBusOutcome.NoAnswer ? Quality.CommLoss : Quality.Uncertain, now, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdateFailuresAsync(DaliGearState gear, bool lampFailure, bool gearFailure, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (gear.LampFailure != lampFailure)
        {
            if (lampFailure)
            {
                await EventAsync($"lamp-failed: {gear.Definition.Label}", now, cancellationToken).ConfigureAwait(false);
            }
            else if (gear.LampFailure == true)
            {
                await EventAsync($"lamp-recovered: {gear.Definition.Label}", now, cancellationToken).ConfigureAwait(false);
            }

            gear.LampFailure = lampFailure;
            await _sink.WriteAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.LampFailure), PointValue.FromBoolean(lampFailure), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }

        if (gear.GearFailure != gearFailure)
        {
            if (gearFailure)
            {
                await EventAsync($"gear-failed: {gear.Definition.Label}", now, cancellationToken).ConfigureAwait(false);
            }
            else if (gear.GearFailure == true)
            {
                await EventAsync($"gear-recovered: {gear.Definition.Label}", now, cancellationToken).ConfigureAwait(false);
            }

            gear.GearFailure = gearFailure;
            await _sink.WriteAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.GearFailure), PointValue.FromBoolean(gearFailure), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Handles a transaction the bus could not carry; false means the sweep stops here.</summary>
    private async Task<bool> BusOkAsync(DaliBusResult result, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (result.Outcome == DaliBusOutcome.BusPowerFailure)
        {
            LastProblem = "the DALI line has no power";
            LastProblemKind = PollErrorKinds.BusPower;
            if (_busPowered != false)
            {
                _busPowered = false;
                await EventAsync("bus-power-lost: the DALI line has no power", now, cancellationToken).ConfigureAwait(false);
                await _sink.WriteAsync(_line.BusPowerPointId, PointValue.FromBoolean(false), Quality.Good, now, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        if (!result.BusWorked)
        {
            LastProblem = $"the master interface failed: {result}";
            LastProblemKind = PollErrorKinds.Link;
            return false;
        }

        if (_busPowered != true)
        {
            if (_busPowered == false)
            {
                await EventAsync("bus-power-restored: the DALI line has power again", now, cancellationToken).ConfigureAwait(false);
            }

            _busPowered = true;
            await _sink.WriteAsync(_line.BusPowerPointId, PointValue.FromBoolean(true), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task WriteQuantityAsync(string pointId, D4iQuantity quantity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (quantity.State == D4iValueState.NotRead)
        {
            return;
        }

        await _sink.WriteAsync(pointId, PointValue.FromNumber((double)quantity.Value), quantity.IsValid ? Quality.Good : Quality.DeviceFailure, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds an event to the line's events point and the recent events (other parts of the line report through it).</summary>
    public Task RecordEventAsync(string text, CancellationToken cancellationToken) => EventAsync(text, _time.GetUtcNow(), cancellationToken);

    private async Task EventAsync(string text, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _recentEvents.Add($"{now:O} {text}");
            if (_recentEvents.Count > 50)
            {
                _recentEvents.RemoveAt(0);
            }
        }

        await _sink.WriteAsync(_line.EventsPointId, PointValue.FromText(text), Quality.Good, now, cancellationToken).ConfigureAwait(false);
    }
}
