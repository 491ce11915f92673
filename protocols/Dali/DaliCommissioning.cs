namespace City.Protocols.Dali;

/// <summary>One gear given a short address by <see cref="DaliCommissioning"/>.</summary>
public readonly record struct CommissionedGear(uint RandomAddress, int ShortAddress);

/// <summary>Progress of a commissioning run: gear found so far and the last step taken.</summary>
public readonly record struct CommissioningProgress(int Found, string Step);

/// <summary>What a commissioning run did.</summary>
/// <param name="Assigned">Gear that received a short address, in the order found.</param>
/// <param name="Complete">True when the search ended because no gear was left to find.</param>
/// <param name="Problem">Why the run stopped early (bus failure, no free short address), or null.</param>
public sealed record CommissioningResult(IReadOnlyList<CommissionedGear> Assigned, bool Complete, string? Problem, int Transactions);

/// <summary>Options for <see cref="DaliCommissioning.RunAsync"/>.</summary>
public sealed record CommissioningOptions
{
    /// <summary>Keep the short addresses gear already have (only unaddressed gear take part); false re-addresses every gear.</summary>
    public bool KeepExisting { get; init; } = true;

    /// <summary>Wait after RANDOMISE before searching (gear need time to draw a number).</summary>
    public TimeSpan RandomiseSettle { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often to re-randomise gear that drew the same random address before giving up.</summary>
    public int MaxRandomiseRounds { get; init; } = 5;
}

/// <summary>
/// Random-address commissioning (IEC 62386-102): TERMINATE, INITIALISE, RANDOMISE, then repeatedly a binary search of the
/// 24-bit random addresses with SEARCHADDRH/M/L and COMPARE for the lowest one, PROGRAM SHORT ADDRESS, VERIFY SHORT ADDRESS,
/// WITHDRAW; until COMPARE gets no answer. Two gear with the same random address are re-randomised.
/// </summary>
public sealed class DaliCommissioning
{
    private const uint MaxSearchAddress = 0xFFFFFF;
    private readonly DaliClient _client;
    private readonly CommissioningOptions _options;
    private uint? _searchAddress;
    private int _transactions;

    private DaliCommissioning(DaliClient client, CommissioningOptions options)
    {
        _client = client;
        _options = options;
    }

    public static Task<CommissioningResult> RunAsync(
        DaliClient client, CommissioningOptions? options = null, IProgress<CommissioningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new DaliCommissioning(client, options ?? new CommissioningOptions()).RunCoreAsync(progress, cancellationToken);
    }

    private async Task<CommissioningResult> RunCoreAsync(IProgress<CommissioningProgress>? progress, CancellationToken cancellationToken)
    {
        var assigned = new List<CommissionedGear>();
        var used = new HashSet<int>();
        if (_options.KeepExisting)
        {
            for (int address = 0; address <= DaliAddress.MaxShortAddress; address++)
            {
                var present = await RunAsync(DaliGear.QueryControlGearPresent(DaliAddress.Short(address)), cancellationToken).ConfigureAwait(false);
                if (present.AsYes() is not bool yes)
                {
                    return new CommissioningResult(assigned, false, $"the bus failed while listing used short addresses: {present}", _transactions);
                }

                if (yes)
                {
                    used.Add(address);
                }
            }
        }
        else
        {
            // Every gear loses its short address first, so the new plan starts from 0.
            var deleted = await RunAllAsync([DaliSpecial.Dtr0(0xFF), DaliGear.SetShortAddress(DaliAddress.Broadcast)], cancellationToken).ConfigureAwait(false);
            if (!deleted.BusWorked)
            {
                return new CommissioningResult(assigned, false, $"the bus failed while deleting short addresses: {deleted}", _transactions);
            }
        }

        var start = await RunAllAsync(
            [DaliSpecial.Terminate(), _options.KeepExisting ? DaliSpecial.InitialiseUnaddressed() : DaliSpecial.InitialiseAll(), DaliSpecial.Randomise()],
            cancellationToken).ConfigureAwait(false);
        if (!start.BusWorked)
        {
            return new CommissioningResult(assigned, false, $"the bus failed while starting: {start}", _transactions);
        }

        await Task.Delay(_options.RandomiseSettle, _client.TimeProvider, cancellationToken).ConfigureAwait(false);
        int randomiseRounds = 1;
        while (true)
        {
            var lowest = await FindLowestAsync(cancellationToken).ConfigureAwait(false);
            if (lowest.Failure is { } failure)
            {
                await TerminateAsync(cancellationToken).ConfigureAwait(false);
                return new CommissioningResult(assigned, false, $"the bus failed during the search: {failure}", _transactions);
            }

            if (lowest.Address is not uint random)
            {
                break;
            }

            int next = Enumerable.Range(0, DaliAddress.MaxShortAddress + 1).FirstOrDefault(a => !used.Contains(a), -1);
            if (next < 0)
            {
                await TerminateAsync(cancellationToken).ConfigureAwait(false);
                return new CommissioningResult(assigned, false, "no free short address is left (64 in use)", _transactions);
            }

            await SetSearchAddressAsync(random, cancellationToken).ConfigureAwait(false);
            await RunAsync(DaliSpecial.ProgramShortAddress(next), cancellationToken).ConfigureAwait(false);
            var verified = await RunAsync(DaliSpecial.VerifyShortAddress(next), cancellationToken).ConfigureAwait(false);
            if (verified.Outcome == DaliBusOutcome.FramingError)
            {
                // Two or more gear drew the same random address: take the address back and let them draw again.
                if (randomiseRounds >= _options.MaxRandomiseRounds)
                {
                    await TerminateAsync(cancellationToken).ConfigureAwait(false);
                    return new CommissioningResult(assigned, false, $"gear kept drawing the same random address {random:X6}", _transactions);
                }

                await RunAllAsync([DaliSpecial.ProgramShortAddress(null), DaliSpecial.Randomise()], cancellationToken).ConfigureAwait(false);
                randomiseRounds++;
                _searchAddress = null;
                await Task.Delay(_options.RandomiseSettle, _client.TimeProvider, cancellationToken).ConfigureAwait(false);
                progress?.Report(new CommissioningProgress(assigned.Count, $"random address {random:X6} drawn twice; randomised again"));
                continue;
            }

            if (verified.AsYes() != true)
            {
                await TerminateAsync(cancellationToken).ConfigureAwait(false);
                return new CommissioningResult(assigned, false, $"gear {random:X6} did not confirm short address {next}: {verified}", _transactions);
            }

            await RunAsync(DaliSpecial.Withdraw(), cancellationToken).ConfigureAwait(false);
            used.Add(next);
            assigned.Add(new CommissionedGear(random, next));
            progress?.Report(new CommissioningProgress(assigned.Count, $"random address {random:X6} -> A{next}"));
        }

        await TerminateAsync(cancellationToken).ConfigureAwait(false);
        return new CommissioningResult(assigned, true, null, _transactions);
    }

    private async Task<(uint? Address, DaliBusResult? Failure)> FindLowestAsync(CancellationToken cancellationToken)
    {
        await SetSearchAddressAsync(MaxSearchAddress, cancellationToken).ConfigureAwait(false);
        var any = await RunAsync(DaliSpecial.Compare(), cancellationToken).ConfigureAwait(false);
        if (any.AsYes() is not bool anyLeft)
        {
            return (null, any);
        }

        if (!anyLeft)
        {
            return (null, null);
        }

        uint low = 0;
        uint high = MaxSearchAddress;
        while (low < high)
        {
            uint middle = low + ((high - low) / 2);
            await SetSearchAddressAsync(middle, cancellationToken).ConfigureAwait(false);
            var compare = await RunAsync(DaliSpecial.Compare(), cancellationToken).ConfigureAwait(false);
            if (compare.AsYes() is not bool atOrBelow)
            {
                return (null, compare);
            }

            if (atOrBelow)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return (low, null);
    }

    private async Task SetSearchAddressAsync(uint address, CancellationToken cancellationToken)
    {
        byte h = (byte)(address >> 16), m = (byte)(address >> 8), l = (byte)address;
        if (_searchAddress is not uint current || (byte)(current >> 16) != h)
        {
            await RunAsync(DaliSpecial.SearchAddressH(h), cancellationToken).ConfigureAwait(false);
        }

        if (_searchAddress is not uint current2 || (byte)(current2 >> 8) != m)
        {
            await RunAsync(DaliSpecial.SearchAddressM(m), cancellationToken).ConfigureAwait(false);
        }

        if (_searchAddress is not uint current3 || (byte)current3 != l)
        {
            await RunAsync(DaliSpecial.SearchAddressL(l), cancellationToken).ConfigureAwait(false);
        }

        _searchAddress = address;
    }

    private Task TerminateAsync(CancellationToken cancellationToken) => RunAsync(DaliSpecial.Terminate(), cancellationToken).AsTask();

    private ValueTask<DaliBusResult> RunAsync(DaliCommand command, CancellationToken cancellationToken)
    {
        _transactions++;
        return _client.ExecuteAsync(command, cancellationToken);
    }

    private async ValueTask<DaliBusResult> RunAllAsync(IEnumerable<DaliCommand> commands, CancellationToken cancellationToken)
    {
        var last = DaliBusResult.Sent;
        foreach (var command in commands)
        {
            last = await RunAsync(command, cancellationToken).ConfigureAwait(false);
            if (!last.BusWorked)
            {
                return last;
            }
        }

        return last;
    }
}
