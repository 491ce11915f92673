namespace City.Protocols.MBus;

/// <summary>A slave found by a scan: its primary address (primary scan) or the pattern that selected it alone (secondary scan), and its header.</summary>
public sealed record MBusScanFinding(byte? PrimaryAddress, MBusSecondaryAddress? SecondaryAddress, MBusHeader? Header, string? Problem = null);

/// <summary>What a scan found, and the places where it could not tell the slaves apart.</summary>
public sealed record MBusScanResult(IReadOnlyList<MBusScanFinding> Found, IReadOnlyList<string> Collisions, int Requests);

/// <summary>
/// Finds the slaves on a line. By primary address: SND_NKE to each address of a range; an acknowledgement means a slave
/// (then REQ_UD2 reads its header), a garbled answer two slaves sharing the address. By secondary address (the wildcard
/// search of EN 13757-3 annex): select with all identification digits as wildcards; nobody answers, one slave
/// acknowledges (then REQ_UD2 through address 253 reads its full address), or several collide, and the search fixes the
/// most significant wildcard digit to 0..9 in turn and goes down that branch, digit by digit, until every branch has at
/// most one slave.
/// </summary>
public sealed class MBusScanner(MBusClient client)
{
    /// <summary>Probes primary addresses <paramref name="first"/>..<paramref name="last"/> once each.</summary>
    public async Task<MBusScanResult> ScanPrimaryAsync(byte first, byte last, CancellationToken cancellationToken)
    {
        var found = new List<MBusScanFinding>();
        var collisions = new List<string>();
        int requests = 0;
        for (int address = first; address <= last; address++)
        {
            requests++;
            var reply = await client.ProbeAsync((byte)address, cancellationToken).ConfigureAwait(false);
            if (reply.Kind == MBusReplyKind.Silence)
            {
                continue;
            }

            if (!reply.IsAck)
            {
                collisions.Add($"primary address {address}: garbled answer ({reply.Error}), several slaves share it");
                continue;
            }

            requests++;
            found.Add(await DescribeAsync((byte)address, null, cancellationToken).ConfigureAwait(false) with { PrimaryAddress = (byte)address });
        }

        return new MBusScanResult(found, collisions, requests);
    }

    /// <summary>The wildcard search over the 8 identification digits (manufacturer, version and medium left as wildcards).</summary>
    public async Task<MBusScanResult> ScanSecondaryAsync(CancellationToken cancellationToken)
    {
        var found = new List<MBusScanFinding>();
        var collisions = new List<string>();
        int requests = 0;
        var pending = new Stack<(MBusSecondaryAddress Pattern, int Position)>();
        pending.Push((MBusSecondaryAddress.Wildcard, 0));
        while (pending.TryPop(out var branch))
        {
            requests++;
            var selection = await client.SelectAsync(branch.Pattern, cancellationToken, retries: 0).ConfigureAwait(false);
            if (selection == MBusSelection.One)
            {
                requests++;
                var finding = await DescribeAsync(MBusAddress.Network, branch.Pattern, cancellationToken).ConfigureAwait(false);
                if (finding.Problem is null || branch.Position == 8)
                {
                    found.Add(finding);
                    continue;
                }

                // The acknowledgements agreed but the answers to REQ_UD2 did not: several slaves after all.
                selection = MBusSelection.Collision;
            }

            if (selection == MBusSelection.Collision)
            {
                if (branch.Position == 8)
                {
                    collisions.Add($"{branch.Pattern}: several slaves share this identification number");
                    continue;
                }

                // Pushed 9 first so that 0 is tried first: the search runs in ascending order.
                for (int digit = 9; digit >= 0; digit--)
                {
                    pending.Push((branch.Pattern.WithDigit(branch.Position, digit), branch.Position + 1));
                }
            }
        }

        return new MBusScanResult(found, collisions, requests);
    }

    private async Task<MBusScanFinding> DescribeAsync(byte address, MBusSecondaryAddress? pattern, CancellationToken cancellationToken)
    {
        try
        {
            var telegram = await client.ReadAsync(address, cancellationToken).ConfigureAwait(false);
            return new MBusScanFinding(null, telegram.Header.Address ?? pattern, telegram.Header);
        }
        catch (MBusException ex)
        {
            return new MBusScanFinding(null, pattern, null, ex.Message);
        }
    }
}
