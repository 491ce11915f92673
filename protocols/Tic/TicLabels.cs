using System.Globalization;

namespace City.Protocols.Tic;

/// <summary>How a label's data reads.</summary>
public enum TicValueKind
{
    /// <summary>A decimal integer (leading zeros or spaces) in the label's unit.</summary>
    Number,

    /// <summary>Text (a tariff name, a period, an address, a message).</summary>
    Text,

    /// <summary>The group's date is its value (DATE: the data field is empty).</summary>
    Date,

    /// <summary>STGE: a 32-bit register in 8 hex digits, see <see cref="TicStatusRegister"/>.</summary>
    StatusRegister,
}

/// <summary>One label of a mode: its unit, how its data reads, whether it carries a date (standard mode), what it is.</summary>
public sealed record TicLabel(string Name, TicMode Mode, string Unit, TicValueKind Kind, string Description, bool Dated = false)
{
    /// <summary>The data as a number when the label is numeric and the data reads as one.</summary>
    public bool TryGetNumber(string value, out long number)
    {
        number = 0;
        return Kind == TicValueKind.Number && value is not null
            && long.TryParse(value.AsSpan().Trim(' '), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}

/// <summary>
/// The labels of both modes (Enedis-NOI-CPT_54E: the historic-mode groups of section 5, the standard-mode groups of
/// section 6) with their units. Energies are in Wh, apparent powers in VA, currents in A, voltages in V.
/// </summary>
public static class TicLabels
{
    private static readonly Dictionary<string, TicLabel> HistoricByName = Historic().ToDictionary(l => l.Name, StringComparer.Ordinal);
    private static readonly Dictionary<string, TicLabel> StandardByName = Standard().ToDictionary(l => l.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<TicLabel> Of(TicMode mode) => mode == TicMode.Standard ? StandardByName.Values : HistoricByName.Values;

    /// <summary>The label of <paramref name="mode"/> by name (case-sensitive, as sent), or null for one not in the specification.</summary>
    public static TicLabel? Find(TicMode mode, string name) =>
        (mode == TicMode.Standard ? StandardByName : HistoricByName).GetValueOrDefault(name ?? string.Empty);

    private static IEnumerable<TicLabel> Historic()
    {
        const TicMode H = TicMode.Historic;
        yield return new("ADCO", H, "", TicValueKind.Text, "meter address");
        yield return new("OPTARIF", H, "", TicValueKind.Text, "tariff option (BASE, HC.., EJP., BBRx)");
        yield return new("ISOUSC", H, "A", TicValueKind.Number, "subscribed current");
        yield return new("BASE", H, "Wh", TicValueKind.Number, "index, base option");
        yield return new("HCHC", H, "Wh", TicValueKind.Number, "index, off-peak hours");
        yield return new("HCHP", H, "Wh", TicValueKind.Number, "index, peak hours");
        yield return new("EJPHN", H, "Wh", TicValueKind.Number, "index, EJP normal hours");
        yield return new("EJPHPM", H, "Wh", TicValueKind.Number, "index, EJP mobile peak hours");
        foreach ((string colour, string name) in new[] { ("B", "blue"), ("W", "white"), ("R", "red") })
        {
            yield return new($"BBRHCJ{colour}", H, "Wh", TicValueKind.Number, $"index, Tempo off-peak hours, {name} days");
            yield return new($"BBRHPJ{colour}", H, "Wh", TicValueKind.Number, $"index, Tempo peak hours, {name} days");
        }

        yield return new("PEJP", H, "min", TicValueKind.Number, "EJP notice (30 min before the mobile peak)");
        yield return new("PTEC", H, "", TicValueKind.Text, "current tariff period (TH.., HC.., HP.., HN.., PM.., HCJB...)");
        yield return new("DEMAIN", H, "", TicValueKind.Text, "colour of tomorrow (Tempo)");
        yield return new("IINST", H, "A", TicValueKind.Number, "instantaneous current");
        yield return new("IMAX", H, "A", TicValueKind.Number, "maximum current reached");
        for (int phase = 1; phase <= 3; phase++)
        {
            yield return new($"IINST{phase}", H, "A", TicValueKind.Number, $"instantaneous current, phase {phase}");
            yield return new($"IMAX{phase}", H, "A", TicValueKind.Number, $"maximum current, phase {phase}");
            yield return new($"ADIR{phase}", H, "A", TicValueKind.Number, $"over-current warning, phase {phase}");
        }

        yield return new("ADPS", H, "A", TicValueKind.Number, "over-subscription warning (current above ISOUSC)");
        yield return new("PMAX", H, "W", TicValueKind.Number, "maximum three-phase power reached");
        yield return new("PAPP", H, "VA", TicValueKind.Number, "apparent power");
        yield return new("HHPHC", H, "", TicValueKind.Text, "peak/off-peak schedule (A, C, D, E, Y)");
        yield return new("MOTDETAT", H, "", TicValueKind.Text, "meter status word");
        yield return new("PPOT", H, "", TicValueKind.Text, "presence of the phase potentials");
    }

    private static IEnumerable<TicLabel> Standard()
    {
        const TicMode S = TicMode.Standard;
        yield return new("ADSC", S, "", TicValueKind.Text, "secondary address of the meter");
        yield return new("VTIC", S, "", TicValueKind.Text, "TIC version");
        yield return new("DATE", S, "", TicValueKind.Date, "current date and time", Dated: true);
        yield return new("NGTF", S, "", TicValueKind.Text, "supplier tariff calendar name");
        yield return new("LTARF", S, "", TicValueKind.Text, "current supplier tariff label");
        yield return new("EAST", S, "Wh", TicValueKind.Number, "total active energy drawn");
        for (int index = 1; index <= 10; index++)
        {
            yield return new($"EASF{index:D2}", S, "Wh", TicValueKind.Number, $"active energy drawn, supplier index {index}");
        }

        for (int index = 1; index <= 4; index++)
        {
            yield return new($"EASD{index:D2}", S, "Wh", TicValueKind.Number, $"active energy drawn, distributor index {index}");
        }

        yield return new("EAIT", S, "Wh", TicValueKind.Number, "total active energy injected");
        for (int quadrant = 1; quadrant <= 4; quadrant++)
        {
            yield return new($"ERQ{quadrant}", S, "VArh", TicValueKind.Number, $"total reactive energy, quadrant {quadrant}");
        }

        for (int phase = 1; phase <= 3; phase++)
        {
            yield return new($"IRMS{phase}", S, "A", TicValueKind.Number, $"RMS current, phase {phase}");
            yield return new($"URMS{phase}", S, "V", TicValueKind.Number, $"RMS voltage, phase {phase}");
        }

        yield return new("PREF", S, "kVA", TicValueKind.Number, "reference (subscribed) apparent power");
        yield return new("PCOUP", S, "kVA", TicValueKind.Number, "breaking apparent power");
        yield return new("SINSTS", S, "VA", TicValueKind.Number, "instantaneous apparent power drawn");
        yield return new("SMAXSN", S, "VA", TicValueKind.Number, "maximum apparent power drawn today", Dated: true);
        yield return new("SMAXSN-1", S, "VA", TicValueKind.Number, "maximum apparent power drawn yesterday", Dated: true);
        for (int phase = 1; phase <= 3; phase++)
        {
            yield return new($"SINSTS{phase}", S, "VA", TicValueKind.Number, $"instantaneous apparent power drawn, phase {phase}");
            yield return new($"SMAXSN{phase}", S, "VA", TicValueKind.Number, $"maximum apparent power drawn today, phase {phase}", Dated: true);
            yield return new($"SMAXSN{phase}-1", S, "VA", TicValueKind.Number, $"maximum apparent power drawn yesterday, phase {phase}", Dated: true);
            yield return new($"UMOY{phase}", S, "V", TicValueKind.Number, $"mean voltage, phase {phase}", Dated: true);
            yield return new($"DPM{phase}", S, "", TicValueKind.Number, $"start of mobile peak {phase}", Dated: true);
            yield return new($"FPM{phase}", S, "", TicValueKind.Number, $"end of mobile peak {phase}", Dated: true);
        }

        yield return new("SINSTI", S, "VA", TicValueKind.Number, "instantaneous apparent power injected");
        yield return new("SMAXIN", S, "VA", TicValueKind.Number, "maximum apparent power injected today", Dated: true);
        yield return new("SMAXIN-1", S, "VA", TicValueKind.Number, "maximum apparent power injected yesterday", Dated: true);
        yield return new("CCASN", S, "W", TicValueKind.Number, "active power drawn, current load-curve point", Dated: true);
        yield return new("CCASN-1", S, "W", TicValueKind.Number, "active power drawn, previous load-curve point", Dated: true);
        yield return new("CCAIN", S, "W", TicValueKind.Number, "active power injected, current load-curve point", Dated: true);
        yield return new("CCAIN-1", S, "W", TicValueKind.Number, "active power injected, previous load-curve point", Dated: true);
        yield return new("STGE", S, "", TicValueKind.StatusRegister, "status register");
        yield return new("MSG1", S, "", TicValueKind.Text, "short message");
        yield return new("MSG2", S, "", TicValueKind.Text, "ultra-short message");
        yield return new("PRM", S, "", TicValueKind.Text, "delivery point (PRM)");
        yield return new("RELAIS", S, "", TicValueKind.Number, "relays (bit n: relay n+1 closed)");
        yield return new("NTARF", S, "", TicValueKind.Number, "current tariff index");
        yield return new("NJOURF", S, "", TicValueKind.Number, "current day number in the supplier calendar");
        yield return new("NJOURF+1", S, "", TicValueKind.Number, "tomorrow's day number in the supplier calendar");
        yield return new("PJOURF+1", S, "", TicValueKind.Text, "tomorrow's profile in the supplier calendar");
        yield return new("PPOINTE", S, "", TicValueKind.Text, "next peak day profile");
    }
}
