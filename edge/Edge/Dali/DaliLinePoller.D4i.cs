using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>What the poller last read from a gear's D4i memory banks, and what it still has to read.</summary>
internal sealed class DaliGearD4iState
{
    /// <summary>Identity reads left before giving up until the gear is found again (a gear whose banks keep failing must not hog the line).</summary>
    public const int IdentityAttempts = 3;

    public int IdentityAttemptsLeft { get; set; }

    public bool DiagnosticsDue { get; set; }

    public D4iIdentity? Identity { get; set; }

    public D4iDiagnostics? Diagnostics { get; set; }

    /// <summary>Banks the gear lacks: 1 from the identity read, 205-207 from the diagnostics read.</summary>
    public SortedSet<byte> MissingBanks { get; } = [];

    /// <summary>The missing banks last raised as an event ("" = none raised yet).</summary>
    public string MissingReported { get; set; } = string.Empty;

    public bool HasWork => IdentityAttemptsLeft > 0 || DiagnosticsDue;
}

/// <summary>
/// D4i identity (memory bank 1, else bank 0) and diagnostics (banks 205-207) of the configured gear, one gear per call so
/// that the line's loop can put a status sweep between two gear. A gear that lacks banks is named once in an event; its
/// missing values are never written.
/// </summary>
internal sealed partial class DaliLinePoller
{
    private int _d4iLast = -1;

    /// <summary>A gear was found (answers for the first time, or again): read its identity and diagnostics soon.</summary>
    private static void D4iFound(DaliGearState gear)
    {
        gear.D4i.IdentityAttemptsLeft = DaliGearD4iState.IdentityAttempts;
        gear.D4i.DiagnosticsDue = true;
    }

    /// <summary>The diagnostics period came round: every gear's diagnostics are due.</summary>
    public void DiagnosticsDue()
    {
        foreach (var gear in Gear)
        {
            gear.D4i.DiagnosticsDue = true;
        }
    }

    /// <summary>An answering gear with D4i reads to do.</summary>
    public bool HasD4iWork => Gear.Any(g => g.Answering == true && g.D4i.HasWork);

    /// <summary>
    /// Reads what is due of the next answering gear (round robin) that has D4i work (identity ~30 transactions, diagnostics ~40). False
    /// when the bus or the interface failed (the caller waits for the next status sweep).
    /// </summary>
    public async Task<bool> ReadD4iSliceAsync(CancellationToken cancellationToken)
    {
        // Round robin from the gear after the last one served: a pass longer than the period must not starve the last gear.
        DaliGearState? gear = null;
        for (int i = 1; i <= Gear.Count && gear is null; i++)
        {
            var candidate = Gear[(_d4iLast + i) % Gear.Count];
            if (candidate.Answering == true && candidate.D4i.HasWork)
            {
                gear = candidate;
                _d4iLast = (_d4iLast + i) % Gear.Count;
            }
        }

        if (gear is null)
        {
            return true;
        }

        var d4i = gear.D4i;
        int address = gear.Definition.Address;
        if (d4i.IdentityAttemptsLeft > 0)
        {
            d4i.IdentityAttemptsLeft--;
            var identity = await D4iReader.ReadIdentityAsync(_client, address, cancellationToken).ConfigureAwait(false);
            if (identity.Failure is { } failure)
            {
                // A failed bus does not count as an attempt; a gear that stopped answering in the middle does.
                d4i.IdentityAttemptsLeft += failure.BusWorked ? 0 : 1;
                return await BusOkAsync(failure, cancellationToken).ConfigureAwait(false);
            }

            d4i.IdentityAttemptsLeft = 0;
            d4i.Identity = identity.Value;
            SetMissing(d4i, [D4iLuminaireData.Bank], identity.MissingBanks);
            var now = _time.GetUtcNow();
            if (identity.Value?.Gtin is { } gtin)
            {
                await _sink.WriteAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.Gtin), PointValue.FromText(gtin), Quality.Good, now, cancellationToken).ConfigureAwait(false);
            }

            if (identity.Value?.Serial is { } serial)
            {
                await _sink.WriteAsync(gear.Definition.PointId(_line.Name, DaliGearDefinition.Serial), PointValue.FromText(serial), Quality.Good, now, cancellationToken).ConfigureAwait(false);
            }
        }

        if (d4i.DiagnosticsDue)
        {
            d4i.DiagnosticsDue = false;
            var diagnostics = await D4iReader.ReadDiagnosticsAsync(_client, address, cancellationToken).ConfigureAwait(false);
            if (diagnostics.Failure is { } failure)
            {
                d4i.DiagnosticsDue = !failure.BusWorked;
                return await BusOkAsync(failure, cancellationToken).ConfigureAwait(false);
            }

            d4i.Diagnostics = diagnostics.Value;
            SetMissing(d4i, [D4iDiagnostics.GearBank, D4iDiagnostics.LampBank, D4iDiagnostics.MaintenanceBank], diagnostics.MissingBanks);
            if (diagnostics.Value is { } values)
            {
                var now = _time.GetUtcNow();
                await WriteHoursAsync(gear, DaliGearDefinition.OperatingHours, D4iDiagnostics.Hours(values.OperatingTime), now, cancellationToken).ConfigureAwait(false);
                await WriteHoursAsync(gear, DaliGearDefinition.LampOnHours, D4iDiagnostics.Hours(values.LampOnTime), now, cancellationToken).ConfigureAwait(false);
                await WriteHoursAsync(gear, DaliGearDefinition.StartCount, values.LampStartCount.IsValid ? (double)values.LampStartCount.Value : null, now, cancellationToken).ConfigureAwait(false);
                await WriteHoursAsync(gear, DaliGearDefinition.RatedLifeHours, values.RatedLife.IsValid ? (double)values.RatedLife.Value : null, now, cancellationToken).ConfigureAwait(false);
            }
        }

        await ReportMissingAsync(gear, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void SetMissing(DaliGearD4iState d4i, byte[] asked, IReadOnlyList<byte> missing)
    {
        d4i.MissingBanks.ExceptWith(asked);
        d4i.MissingBanks.UnionWith(missing);
    }

    private async Task WriteHoursAsync(DaliGearState gear, string quantity, double? value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (value is double number)
        {
            await _sink.WriteAsync(gear.Definition.PointId(_line.Name, quantity), PointValue.FromNumber(Math.Round(number, 4)), Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One event when the set of banks a gear lacks changes (a gear without D4i is named once, not every hour).</summary>
    private async Task ReportMissingAsync(DaliGearState gear, CancellationToken cancellationToken)
    {
        var d4i = gear.D4i;
        string missing = string.Join(", ", d4i.MissingBanks.Select(BankName));
        if (missing == d4i.MissingReported)
        {
            return;
        }

        d4i.MissingReported = missing;
        if (missing.Length == 0)
        {
            await RecordEventAsync($"d4i-complete: {gear.Definition.Label} now has its D4i memory banks", cancellationToken).ConfigureAwait(false);
            return;
        }

        var without = new List<string>();
        if (d4i.Identity?.SourceBank == DaliBank0Identity.Bank)
        {
            without.Add("identity from the gear's bank 0");
        }
        else if (d4i.Identity is { Gtin: null, Serial: null })
        {
            without.Add("no identity");
        }

        if (d4i.Diagnostics is null)
        {
            without.Add("no operating hours, lamp-on hours, starts or rated life");
        }

        await RecordEventAsync($"d4i-missing: {gear.Definition.Label} has no memory bank {missing}{(without.Count > 0 ? ": " + string.Join(", ", without) : string.Empty)}",
            cancellationToken).ConfigureAwait(false);
    }

    private static string BankName(byte bank) => bank switch
    {
        D4iLuminaireData.Bank => "1 (luminaire data)",
        D4iDiagnostics.GearBank => "205 (gear diagnostics)",
        D4iDiagnostics.LampBank => "206 (light source diagnostics)",
        D4iDiagnostics.MaintenanceBank => "207 (maintenance)",
        _ => bank.ToString(CultureInfo.InvariantCulture),
    };
}
