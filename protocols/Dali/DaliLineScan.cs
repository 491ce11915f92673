namespace City.Protocols.Dali;

/// <summary>One gear found by <see cref="DaliLineScan"/>.</summary>
/// <param name="ShortAddress">0..63.</param>
/// <param name="DeviceType">QUERY DEVICE TYPE (6 = LED; 0xFF = several, null = no clean answer).</param>
/// <param name="Level">QUERY ACTUAL LEVEL (null = no clean answer).</param>
/// <param name="Status">QUERY STATUS.</param>
public sealed record DaliScannedGear(int ShortAddress, byte? DeviceType, byte? Level, DaliGearStatus Status);

/// <summary>What a scan of one line found.</summary>
/// <param name="Gear">Gear that answered QUERY STATUS, by short address.</param>
/// <param name="UnaddressedPresent">Whether gear without a short address answered (null when the bus failed).</param>
/// <param name="Failure">The bus or interface failure that stopped the scan, or null.</param>
public sealed record DaliScanResult(IReadOnlyList<DaliScannedGear> Gear, bool? UnaddressedPresent, DaliBusResult? Failure, int Transactions);

/// <summary>
/// Lists the gear of a line: QUERY STATUS for each short address 0..63, then QUERY DEVICE TYPE and QUERY ACTUAL LEVEL for
/// those that answer, and one QUERY CONTROL GEAR PRESENT to the unaddressed broadcast. A collision on a short address
/// (two gear sharing it) is reported as a gear with <see cref="DaliGearStatus.ControlGearFailure"/> set. The addresses that
/// stayed silent are asked once more after the sweep, so that one answer lost to noise or to a late interface does not
/// drop a gear from the list (it costs one transaction per empty address).
/// </summary>
public static class DaliLineScan
{
    public static async Task<DaliScanResult> ScanAsync(DaliClient client, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var found = new List<DaliScannedGear>();
        int transactions = 0;
        var silent = new List<int>();
        for (int address = 0; address <= DaliAddress.MaxShortAddress; address++)
        {
            var outcome = await QueryAsync(client, address, found, cancellationToken).ConfigureAwait(false);
            transactions += outcome.Transactions;
            progress?.Report(address);
            if (outcome.Failure is not null)
            {
                return new DaliScanResult(found, null, outcome.Failure, transactions);
            }

            if (outcome.Silent)
            {
                silent.Add(address);
            }
        }

        foreach (int address in silent)
        {
            var outcome = await QueryAsync(client, address, found, cancellationToken).ConfigureAwait(false);
            transactions += outcome.Transactions;
            if (outcome.Failure is not null)
            {
                return new DaliScanResult(Sorted(found), null, outcome.Failure, transactions);
            }
        }

        var unaddressed = await client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.BroadcastUnaddressed), cancellationToken).ConfigureAwait(false);
        transactions++;
        return new DaliScanResult(Sorted(found), unaddressed.AsYes(), unaddressed.BusWorked ? null : unaddressed, transactions);
    }

    private static List<DaliScannedGear> Sorted(List<DaliScannedGear> found) => [.. found.OrderBy(g => g.ShortAddress)];

    /// <summary>QUERY STATUS to one short address, then its type and level when it answers (added to <paramref name="found"/>).</summary>
    private static async Task<(bool Silent, DaliBusResult? Failure, int Transactions)> QueryAsync(
        DaliClient client, int address, List<DaliScannedGear> found, CancellationToken cancellationToken)
    {
        var gear = DaliAddress.Short(address);
        var status = await client.ExecuteAsync(DaliGear.QueryStatus(gear), cancellationToken).ConfigureAwait(false);
        if (!status.BusWorked)
        {
            return (false, status, 1);
        }

        if (status.Outcome == DaliBusOutcome.NoAnswer)
        {
            return (true, null, 1);
        }

        var type = await client.ExecuteAsync(DaliGear.QueryDeviceType(gear), cancellationToken).ConfigureAwait(false);
        var level = await client.ExecuteAsync(DaliGear.QueryActualLevel(gear), cancellationToken).ConfigureAwait(false);
        found.Add(new DaliScannedGear(address, type.AsNumber(), level.AsNumber(), status.AsStatus() ?? DaliGearStatus.ControlGearFailure));
        return (false, null, 3);
    }
}
