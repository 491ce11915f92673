using System.Globalization;
using City.Edge.Configuration;
using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>What a group check did to one gear.</summary>
internal enum DaliGroupCheckOutcome
{
    AlreadyRight,
    Programmed,
    NotVerified,
    NotAnswering,
    BusFailed,
}

/// <summary>
/// Makes each configured gear a member of exactly its configured groups: QUERY GROUPS 0-7 and 8-15, ADD TO GROUP / REMOVE FROM
/// GROUP for each difference (configuration commands, which the master sends twice), then the same queries again to verify.
/// Its client runs on the poll side of the line's bus, so waiting commands still go first. Gear to check are queued by
/// address (at start, after commissioning, when a gear answers again) and checked between status sweeps.
/// </summary>
internal sealed class DaliGroupProgrammer
{
    private readonly DaliClient _client;
    private readonly Func<string, CancellationToken, Task> _report;
    private readonly Lock _gate = new();
    private readonly SortedSet<int> _pending = [];

    public DaliGroupProgrammer(IDaliMaster master, TimeProvider time, Func<string, CancellationToken, Task> report)
    {
        _client = new DaliClient(master, time);
        _report = report;
    }

    public bool HasPending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count > 0;
            }
        }
    }

    public void Request(IEnumerable<int> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            _pending.UnionWith(addresses);
        }
    }

    /// <summary>Checks the queued gear that answer; false when the bus failed (the gear left stay queued for the next try).</summary>
    public async Task<bool> CheckPendingAsync(IReadOnlyList<DaliGearState> gear, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gear);
        List<int> addresses;
        lock (_gate)
        {
            addresses = _pending.ToList();
        }

        foreach (var address in addresses)
        {
            var state = gear.FirstOrDefault(g => g.Definition.Address == address);
            // A gear not answering is checked when it answers again (the poller queues it then).
            if (state is not null && state.Answering == true
                && await CheckAsync(state.Definition, cancellationToken).ConfigureAwait(false) == DaliGroupCheckOutcome.BusFailed)
            {
                return false;
            }

            lock (_gate)
            {
                _pending.Remove(address);
            }
        }

        return true;
    }

    public async Task<DaliGroupCheckOutcome> CheckAsync(DaliGearDefinition gear, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gear);
        var target = DaliAddress.Short(gear.Address);
        var (before, outcome) = await ReadGroupsAsync(target, cancellationToken).ConfigureAwait(false);
        if (before is not ushort actual)
        {
            return outcome;
        }

        if (actual == gear.Groups)
        {
            return DaliGroupCheckOutcome.AlreadyRight;
        }

        for (int group = 0; group <= DaliAddress.MaxGroup; group++)
        {
            ushort bit = (ushort)(1 << group);
            bool wanted = (gear.Groups & bit) != 0;
            if (wanted == ((actual & bit) != 0))
            {
                continue;
            }

            var command = wanted ? DaliGear.AddToGroup(target, group) : DaliGear.RemoveFromGroup(target, group);
            var sent = await _client.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            if (!sent.BusWorked)
            {
                return DaliGroupCheckOutcome.BusFailed;
            }
        }

        var (after, afterOutcome) = await ReadGroupsAsync(target, cancellationToken).ConfigureAwait(false);
        if (afterOutcome == DaliGroupCheckOutcome.BusFailed)
        {
            return afterOutcome;
        }

        if (after == gear.Groups)
        {
            await _report($"groups-programmed: {gear.Label} groups {Format(gear.Groups)} (was {Format(actual)})", cancellationToken).ConfigureAwait(false);
            return DaliGroupCheckOutcome.Programmed;
        }

        var found = after is ushort value ? $"it reports {Format(value)}" : "it did not answer the read-back";
        await _report($"groups-not-verified: {gear.Label} should be in groups {Format(gear.Groups)} but {found}", cancellationToken).ConfigureAwait(false);
        return DaliGroupCheckOutcome.NotVerified;
    }

    public static string Format(ushort groups)
    {
        var members = Enumerable.Range(0, DaliAddress.MaxGroup + 1).Where(g => (groups & (1 << g)) != 0).Select(g => g.ToString(CultureInfo.InvariantCulture)).ToList();
        return members.Count == 0 ? "none" : string.Join(',', members);
    }

    private async Task<(ushort? Groups, DaliGroupCheckOutcome Outcome)> ReadGroupsAsync(DaliAddress target, CancellationToken cancellationToken)
    {
        var low = await _client.ExecuteAsync(DaliGear.QueryGroups0To7(target), cancellationToken).ConfigureAwait(false);
        if (!low.BusWorked)
        {
            return (null, DaliGroupCheckOutcome.BusFailed);
        }

        var high = await _client.ExecuteAsync(DaliGear.QueryGroups8To15(target), cancellationToken).ConfigureAwait(false);
        if (!high.BusWorked)
        {
            return (null, DaliGroupCheckOutcome.BusFailed);
        }

        return low.AsNumber() is byte l && high.AsNumber() is byte h
            ? ((ushort)(l | (h << 8)), DaliGroupCheckOutcome.AlreadyRight)
            : (null, DaliGroupCheckOutcome.NotAnswering);
    }
}
