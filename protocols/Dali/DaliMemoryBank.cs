namespace City.Protocols.Dali;

/// <summary>How reading a memory bank went.</summary>
public enum DaliMemoryBankOutcome
{
    /// <summary>The bank answered; <see cref="DaliMemoryBankRead.Image"/> holds what was read.</summary>
    Read,

    /// <summary>Location 0 (the bank's last accessible location) did not answer: the gear has no such bank.</summary>
    NotImplemented,

    /// <summary>The bus or the interface failed, or the gear stopped answering, while the bank was read (see the failure).</summary>
    NotRead,
}

/// <summary>
/// One memory bank as read: <see cref="Image"/>[i] is location i (location 0 = the last accessible location; locations
/// between 1 and the first one asked for were not read and hold 0; a location inside the bank that did not answer holds
/// 0xFF, the MASK of D4i values). The image ends at the last location read, never past the bank's last accessible location.
/// </summary>
public sealed record DaliMemoryBankRead(byte Bank, DaliMemoryBankOutcome Outcome, byte[] Image, DaliBusResult? Failure = null)
{
    public bool Implemented => Outcome == DaliMemoryBankOutcome.Read;

    /// <summary>The bank's last accessible location (its location 0), when it was read.</summary>
    public byte? LastLocation => Outcome == DaliMemoryBankOutcome.Read && Image.Length > 0 ? Image[0] : null;

    public static DaliMemoryBankRead Missing(byte bank) => new(bank, DaliMemoryBankOutcome.NotImplemented, []);

    public static DaliMemoryBankRead Failed(byte bank, DaliBusResult failure) => new(bank, DaliMemoryBankOutcome.NotRead, [], failure);
}

/// <summary>
/// Reads IEC 62386-102 memory banks of one gear: DTR1 = bank, DTR0 = location, READ MEMORY LOCATION (DTR0 counts up after
/// each answered read). Location 0 holds the bank's last accessible location; a bank whose location 0 does not answer is
/// not implemented. Banks with a latch (D4i banks 202-206: location 2) are latched first (ENABLE WRITE MEMORY twice,
/// DTR0 = 2, WRITE MEMORY LOCATION - NO REPLY 0xAA) so that multi-byte counters come from one snapshot. Location 2 of
/// banks 1 and 207 is a lock byte instead (0x55 unlocks writing); reading needs neither.
/// </summary>
public static class DaliMemoryBank
{
    public const byte LatchOffset = 0x02;
    public const byte LatchValue = 0xAA;

    /// <summary>
    /// Reads locations <paramref name="from"/>..<paramref name="to"/> (clamped to the bank's last accessible location) after
    /// location 0. Transactions: DTR1, DTR0, 1 read, (latch: 3), DTR0, one read per location (a location that did not answer is asked once
    /// more after a DTR0, and one DTR0 follows it if it still did not, as gear need not count DTR0 up then).
    /// </summary>
    public static async Task<DaliMemoryBankRead> ReadAsync(DaliClient client, int shortAddress, byte bank, byte from, byte to, bool latch = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfZero(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, from);
        var gear = DaliAddress.Short(shortAddress);
        var read = DaliGear.ReadMemoryLocation(gear);
        var setup = await client.ExecuteAllAsync([DaliSpecial.Dtr1(bank), DaliSpecial.Dtr0(0)], cancellationToken).ConfigureAwait(false);
        if (!setup.BusWorked)
        {
            return DaliMemoryBankRead.Failed(bank, setup);
        }

        var lastResult = await client.ExecuteAsync(read, cancellationToken).ConfigureAwait(false);
        if (lastResult.Outcome == DaliBusOutcome.NoAnswer)
        {
            return DaliMemoryBankRead.Missing(bank);
        }

        if (lastResult.AsNumber() is not byte last)
        {
            return DaliMemoryBankRead.Failed(bank, lastResult);
        }

        if (latch)
        {
            var latched = await client.ExecuteAllAsync(
                [DaliGear.EnableWriteMemory(gear), DaliSpecial.Dtr0(LatchOffset), DaliSpecial.WriteMemoryLocationNoReply(LatchValue)], cancellationToken).ConfigureAwait(false);
            if (!latched.BusWorked)
            {
                return DaliMemoryBankRead.Failed(bank, latched);
            }
        }

        int end = Math.Min(to, last);
        if (end < from)
        {
            return new DaliMemoryBankRead(bank, DaliMemoryBankOutcome.Read, [last]);
        }

        var image = new byte[end + 1];
        image[0] = last;
        int answered = 0;
        bool positioned = false;
        for (int location = from; location <= end; location++)
        {
            if (!positioned)
            {
                var dtr0 = await client.ExecuteAsync(DaliSpecial.Dtr0((byte)location), cancellationToken).ConfigureAwait(false);
                if (!dtr0.BusWorked)
                {
                    return DaliMemoryBankRead.Failed(bank, dtr0);
                }

                positioned = true;
            }

            var result = await client.ExecuteAsync(read, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == DaliBusOutcome.NoAnswer)
            {
                // A lost or late answer must not turn a byte of a serial into 0xFF: position and ask once more.
                var again = await client.ExecuteAsync(DaliSpecial.Dtr0((byte)location), cancellationToken).ConfigureAwait(false);
                if (!again.BusWorked)
                {
                    return DaliMemoryBankRead.Failed(bank, again);
                }

                result = await client.ExecuteAsync(read, cancellationToken).ConfigureAwait(false);
            }

            if (result.AsNumber() is byte value)
            {
                image[location] = value;
                answered++;
            }
            else if (result.Outcome == DaliBusOutcome.NoAnswer)
            {
                image[location] = 0xFF;
                positioned = false;
            }
            else
            {
                return DaliMemoryBankRead.Failed(bank, result);
            }
        }

        // Location 0 answered but nothing after it did: the gear went away in between.
        return answered == 0 ? DaliMemoryBankRead.Failed(bank, DaliBusResult.NoAnswer) : new DaliMemoryBankRead(bank, DaliMemoryBankOutcome.Read, image);
    }
}
