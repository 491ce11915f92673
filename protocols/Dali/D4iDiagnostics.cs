namespace City.Protocols.Dali;

/// <summary>
/// Memory bank 205 (DALI part 253, control gear diagnostics; latched at location 2): 0x03 bank version, 0x04-0x07 control
/// gear operating time (s, 32 bit, counts while the gear is powered), 0x08-0x0A control gear start counter (power cycles of
/// the supply, 24 bit). Bank 206 (light source diagnostics; latched): 0x04-0x06 light source start counter (resettable),
/// 0x07-0x09 light source start counter (lamp-on 0 to 1 transitions, 24 bit), 0x0A-0x0D light source on time (resettable),
/// 0x0E-0x11 light source on time (s, 32 bit, counts while the lamp is on). Bank 207 (luminaire maintenance; lock byte):
/// 0x04 rated median useful life of the luminaire (x 1000 h, L80/B50 at 25 degrees), 0x05 internal control gear reference
/// temperature, 0x06-0x07 rated median useful light source starts (x 100). All 0xFF = MASK, all 0xFF but 0xFE = TMASK.
/// </summary>
public sealed record D4iDiagnostics(
    D4iQuantity OperatingTime,
    D4iQuantity GearStartCount,
    D4iQuantity LampStartCount,
    D4iQuantity LampOnTime,
    D4iQuantity RatedLife,
    D4iQuantity RatedLampStarts)
{
    public const byte GearBank = 205;
    public const byte LampBank = 206;
    public const byte MaintenanceBank = 207;

    /// <summary>Locations read per bank: 205 0x04-0x0A, 206 0x07-0x11, 207 0x04-0x07.</summary>
    public const byte GearFirst = 0x04;
    public const byte GearLast = 0x0A;
    public const byte LampFirst = 0x07;
    public const byte LampLast = 0x11;
    public const byte MaintenanceFirst = 0x04;
    public const byte MaintenanceLast = 0x07;

    /// <summary>Decodes the three bank images (an empty image: the bank is missing, its values not implemented).</summary>
    public static D4iDiagnostics Decode(ReadOnlySpan<byte> bank205, ReadOnlySpan<byte> bank206, ReadOnlySpan<byte> bank207) => new(
        D4iMemoryValue.Unsigned(bank205, 0x04, 4, "s"),
        D4iMemoryValue.Unsigned(bank205, 0x08, 3, "starts"),
        D4iMemoryValue.Unsigned(bank206, 0x07, 3, "starts"),
        D4iMemoryValue.Unsigned(bank206, 0x0E, 4, "s"),
        D4iMemoryValue.Unsigned(bank207, 0x04, 1, "h", 1000),
        D4iMemoryValue.Unsigned(bank207, 0x06, 2, "starts", 100));

    /// <summary>Hours from a counter of seconds (null unless valid).</summary>
    public static double? Hours(D4iQuantity seconds) => seconds.IsValid ? (double)seconds.Value / 3600.0 : null;
}

/// <summary>What one gear gave: its identity (banks 1, else 0) or its diagnostics (205-207), and the banks it lacks.</summary>
public sealed record D4iRead<T>(T? Value, IReadOnlyList<byte> MissingBanks, DaliBusResult? Failure = null)
    where T : class;

/// <summary>Reads the D4i identity and diagnostics of one gear through <see cref="DaliMemoryBank"/>.</summary>
public static class D4iReader
{
    private static readonly (byte Bank, byte First, byte Last, bool Latch)[] DiagnosticBanks =
    [
        (D4iDiagnostics.GearBank, D4iDiagnostics.GearFirst, D4iDiagnostics.GearLast, true),
        (D4iDiagnostics.LampBank, D4iDiagnostics.LampFirst, D4iDiagnostics.LampLast, true),
        (D4iDiagnostics.MaintenanceBank, D4iDiagnostics.MaintenanceFirst, D4iDiagnostics.MaintenanceLast, false),
    ];

    /// <summary>
    /// Bank 1 (0x03-0x18, 22 reads) and, when it is missing or holds neither GTIN nor serial, bank 0 (0x02-0x12): 26
    /// transactions with bank 1, about 50 when bank 0 is needed too. <see cref="D4iRead{T}.MissingBanks"/> lists bank 1 when the gear has none.
    /// </summary>
    public static async Task<D4iRead<D4iIdentity>> ReadIdentityAsync(DaliClient client, int shortAddress, CancellationToken cancellationToken = default)
    {
        var bank1 = await DaliMemoryBank.ReadAsync(client, shortAddress, D4iLuminaireData.Bank, D4iLuminaireData.FirstLocation,
            D4iLuminaireData.IdentityLastLocation, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (bank1.Outcome == DaliMemoryBankOutcome.NotRead)
        {
            return new D4iRead<D4iIdentity>(null, [], bank1.Failure);
        }

        var luminaire = bank1.Implemented ? D4iLuminaireData.Decode(bank1.Image) : null;
        var identity = D4iIdentity.From(luminaire, null);
        if (identity.Gtin is null && identity.Serial is null)
        {
            var bank0 = await DaliMemoryBank.ReadAsync(client, shortAddress, DaliBank0Identity.Bank, DaliBank0Identity.FirstLocation,
                DaliBank0Identity.LastLocation, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (bank0.Outcome == DaliMemoryBankOutcome.NotRead)
            {
                return new D4iRead<D4iIdentity>(null, [], bank0.Failure);
            }

            if (bank0.Implemented)
            {
                identity = D4iIdentity.From(luminaire, DaliBank0Identity.Decode(bank0.Image));
            }
        }

        return new D4iRead<D4iIdentity>(identity, bank1.Implemented ? [] : [D4iLuminaireData.Bank]);
    }

    /// <summary>Banks 205 and 206 (latched) and 207: about 40 transactions for a gear that has all three.</summary>
    public static async Task<D4iRead<D4iDiagnostics>> ReadDiagnosticsAsync(DaliClient client, int shortAddress, CancellationToken cancellationToken = default)
    {
        var missing = new List<byte>();
        var images = new List<byte[]>();
        foreach (var (bank, first, last, latch) in DiagnosticBanks)
        {
            var read = await DaliMemoryBank.ReadAsync(client, shortAddress, bank, first, last, latch, cancellationToken).ConfigureAwait(false);
            if (read.Outcome == DaliMemoryBankOutcome.NotRead)
            {
                return new D4iRead<D4iDiagnostics>(null, missing, read.Failure);
            }

            if (!read.Implemented)
            {
                missing.Add(bank);
            }

            images.Add(read.Image);
        }

        return new D4iRead<D4iDiagnostics>(missing.Count == 3 ? null : D4iDiagnostics.Decode(images[0], images[1], images[2]), missing);
    }
}
