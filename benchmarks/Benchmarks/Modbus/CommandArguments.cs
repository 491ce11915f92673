using System.Globalization;

namespace City.Benchmarks.Modbus;

/// <summary>"--name value" arguments of the Modbus load commands; unknown names and bad numbers are reported, not guessed.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _flags = [];

    private CommandArguments(string command) => Command = command;

    public string Command { get; }

    public string? Error { get; private set; }

    /// <summary>Parses args[1..]; <paramref name="valueNames"/> take a value, <paramref name="flagNames"/> do not.</summary>
    public static CommandArguments Parse(string[] args, IReadOnlyCollection<string> valueNames, IReadOnlyCollection<string>? flagNames = null)
    {
        var parsed = new CommandArguments(args[0]);
        for (int i = 1; i < args.Length; i++)
        {
            string name = args[i];
            if (flagNames?.Contains(name) == true)
            {
                parsed._flags.Add(name);
            }
            else if (valueNames.Contains(name) && i + 1 < args.Length)
            {
                parsed._values[name] = args[++i];
            }
            else
            {
                parsed.Error ??= $"{args[0]}: unknown argument or missing value: '{name}'";
            }
        }

        return parsed;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public string Text(string name, string fallback) => _values.TryGetValue(name, out string? value) ? value : fallback;

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
        {
            return value;
        }

        Error ??= $"{Command}: {name} must be an integer in {min}..{max}, not '{text}'";
        return fallback;
    }

    public double Double(string name, double fallback, double min = double.MinValue)
    {
        if (!_values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min)
        {
            return value;
        }

        Error ??= $"{Command}: {name} must be a number >= {min}, not '{text}'";
        return fallback;
    }
}
