using System.Globalization;

namespace City.Protocols.Tic;

/// <summary>
/// STGE, the standard-mode status register (Enedis-NOI-CPT_54E, "registre de statuts"): 32 bits sent as 8 hex digits.
/// Each property is one field; the names give the meaning of each value in English.
/// </summary>
public sealed record TicStatusRegister(uint Raw)
{
    private static readonly string[] CutOffStates =
    [
        "closed", "open-overpower", "open-overvoltage", "open-load-shedding", "open-remote-order", "open-overheat-over-max-current",
        "open-overheat-under-max-current", "unknown",
    ];

    private static readonly string[] EuridisStates = ["disabled", "enabled-without-security", "unknown", "enabled-with-security"];

    private static readonly string[] PlcStates = ["new-unlock", "new-lock", "registered", "unknown"];

    private static readonly string[] TempoColours = ["none", "blue", "white", "red"];

    private static readonly string[] MobilePeaks = ["none", "pm1", "pm2", "pm3"];

    /// <summary>Bit 0: the dry contact is open.</summary>
    public bool DryContactOpen => Bit(0);

    /// <summary>Bits 1-3: the breaking device (closed, or open and why).</summary>
    public string CutOff => CutOffStates[Field(1, 3)];

    /// <summary>Bit 4: the distributor's terminal cover is open.</summary>
    public bool TerminalCoverOpen => Bit(4);

    /// <summary>Bit 6: over-voltage on a phase.</summary>
    public bool Overvoltage => Bit(6);

    /// <summary>Bit 7: the reference power is exceeded.</summary>
    public bool ReferencePowerExceeded => Bit(7);

    /// <summary>Bit 8: the meter works as a producer (otherwise a consumer).</summary>
    public bool Producer => Bit(8);

    /// <summary>Bit 9: the active energy flows the negative way.</summary>
    public bool NegativeActiveEnergy => Bit(9);

    /// <summary>Bits 10-13: the supplier tariff in force, index 1-16 (the index EASFnn counting now).</summary>
    public int SupplierTariffIndex => Field(10, 4) + 1;

    /// <summary>Bits 14-15: the distributor tariff in force, index 1-4 (EASDnn).</summary>
    public int DistributorTariffIndex => Field(14, 2) + 1;

    /// <summary>Bit 16: the meter's clock runs in degraded mode (its dates are not to be trusted).</summary>
    public bool ClockDegraded => Bit(16);

    /// <summary>Bit 17: the TIC output is in standard mode (otherwise historic).</summary>
    public bool StandardTic => Bit(17);

    /// <summary>Bits 19-20: the Euridis link.</summary>
    public string Euridis => EuridisStates[Field(19, 2)];

    /// <summary>Bits 21-22: the PLC (CPL) status.</summary>
    public string PlcStatus => PlcStates[Field(21, 2)];

    /// <summary>Bit 23: the PLC is synchronised.</summary>
    public bool PlcSynchronised => Bit(23);

    /// <summary>Bits 24-25: today's colour of the historic Tempo contract.</summary>
    public string TempoToday => TempoColours[Field(24, 2)];

    /// <summary>Bits 26-27: tomorrow's colour of the historic Tempo contract.</summary>
    public string TempoTomorrow => TempoColours[Field(26, 2)];

    /// <summary>Bits 28-29: notice of a mobile peak.</summary>
    public string MobilePeakNotice => MobilePeaks[Field(28, 2)];

    /// <summary>Bits 30-31: the mobile peak in force.</summary>
    public string MobilePeak => MobilePeaks[Field(30, 2)];

    /// <summary>Parses the 8 hex digits of an STGE group (either case); false for anything else.</summary>
    public static bool TryParse(string? text, out TicStatusRegister register)
    {
        register = new TicStatusRegister(0);
        string trimmed = text?.Trim(' ') ?? string.Empty;
        if (trimmed.Length != 8 || !uint.TryParse(trimmed, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint raw))
        {
            return false;
        }

        register = new TicStatusRegister(raw);
        return true;
    }

    /// <summary>Every field by name, in bit order (what the edge publishes as points "stge.NAME").</summary>
    public IReadOnlyList<(string Name, object Value)> Fields() =>
    [
        ("dry-contact-open", DryContactOpen),
        ("cut-off", CutOff),
        ("terminal-cover-open", TerminalCoverOpen),
        ("overvoltage", Overvoltage),
        ("reference-power-exceeded", ReferencePowerExceeded),
        ("producer", Producer),
        ("negative-active-energy", NegativeActiveEnergy),
        ("supplier-tariff-index", SupplierTariffIndex),
        ("distributor-tariff-index", DistributorTariffIndex),
        ("clock-degraded", ClockDegraded),
        ("standard-tic", StandardTic),
        ("euridis", Euridis),
        ("plc-status", PlcStatus),
        ("plc-synchronised", PlcSynchronised),
        ("tempo-today", TempoToday),
        ("tempo-tomorrow", TempoTomorrow),
        ("mobile-peak-notice", MobilePeakNotice),
        ("mobile-peak", MobilePeak),
    ];

    private bool Bit(int bit) => ((Raw >> bit) & 1) != 0;

    private int Field(int first, int bits) => (int)((Raw >> first) & ((1u << bits) - 1));
}
