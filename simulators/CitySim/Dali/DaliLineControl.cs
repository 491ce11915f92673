using System.Globalization;
using System.Text;

namespace City.Sim.Dali;

/// <summary>
/// Fault injection on a running line from text commands (one per line on stdin with <c>citysim dali --control</c>):
/// <c>lamp fail GEAR</c>, <c>lamp ok GEAR</c>, <c>silent GEAR</c>, <c>answer GEAR</c>, <c>power off</c>, <c>power on</c>,
/// <c>status</c>. GEAR is a short address (<c>A5</c> or <c>5</c>) or a position on the line (<c>#5</c>, for unaddressed gear).
/// </summary>
internal static class DaliLineControl
{
    public const string Help = "commands: lamp fail|ok GEAR, silent GEAR, answer GEAR, power off|on, status (GEAR: A5, 5 or #5)";

    /// <summary>Applies one command; false with the reason when it cannot be understood.</summary>
    public static bool TryApply(string command, DaliSimLine line, out string reply)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = (command ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words)
        {
            case ["power", "off"]:
                line.SetPower(false);
                reply = "line power off";
                return true;
            case ["power", "on"]:
                line.SetPower(true);
                reply = "line power on";
                return true;
            case ["status"]:
                reply = Describe(line);
                return true;
            case ["lamp", "fail" or "ok", var gear]:
                return Change(line, gear, g => g.LampFailure = words[1] == "fail", $"lamp {words[1]}", out reply);
            case ["silent", var gear]:
                return Change(line, gear, g => g.Silent = true, "silent", out reply);
            case ["answer", var gear]:
                return Change(line, gear, g => g.Silent = false, "answering", out reply);
            default:
                reply = $"not understood: '{command}'; {Help}";
                return false;
        }
    }

    private static bool Change(DaliSimLine line, string gear, Action<DaliSimGear> change, string what, out string reply)
    {
        string? found = line.With((all, _) =>
        {
            var target = Find(all, gear);
            if (target is null)
            {
                return null;
            }

            change(target);
            return Name(target);
        });
        reply = found is null ? $"no gear '{gear}' on the line" : $"{found}: {what}";
        return found is not null;
    }

    private static DaliSimGear? Find(IReadOnlyList<DaliSimGear> gear, string text)
    {
        if (text.StartsWith('#'))
        {
            return int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < gear.Count ? gear[index] : null;
        }

        var digits = text.StartsWith('A') || text.StartsWith('a') ? text.AsSpan(1) : text.AsSpan();
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int address)
            ? gear.FirstOrDefault(g => g.ShortAddress == address)
            : null;
    }

    private static string Name(DaliSimGear gear) => gear.ShortAddress is byte a ? $"A{a} (#{gear.Index})" : $"#{gear.Index} (no short address)";

    private static string Describe(DaliSimLine line) => line.With((gear, now) =>
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"line power {(line.Powered ? "on" : "off")}, {gear.Count} gear");
        foreach (var g in gear)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{Name(g)}: level {g.ActualLevel(now)}, {g.PowerWatts(now):F1} W, {g.EnergyWh(now):F1} Wh, groups 0x{g.Groups:X4}");
            if (g.LampFailure)
            {
                text.Append(", lamp failed");
            }

            if (g.Silent)
            {
                text.Append(", silent");
            }
        }

        return text.ToString();
    });
}
