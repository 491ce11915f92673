using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Configuration;

/// <summary>What a configuration key holds.</summary>
internal enum ConfigValueKind
{
    Text,

    /// <summary>An int.</summary>
    Integer,

    /// <summary>A long.</summary>
    LongInteger,

    /// <summary>A double.</summary>
    Number,

    Boolean,

    /// <summary>An object with settings of its own (<see cref="ConfigSetting.Items"/>).</summary>
    Section,

    /// <summary>A list of sections (<see cref="ConfigSetting.Items"/> describes one entry).</summary>
    List,

    /// <summary>A list of ints.</summary>
    IntegerList,
}

/// <summary>
/// One key of a section. <see cref="Min"/> and <see cref="Max"/> only describe the expected value in a type error (the widest
/// range any protocol accepts); the validators check the exact range with their own message. A <see cref="Secret"/> (a
/// community, a passphrase) is never quoted in an error, nor are the keys of a section put in its place.
/// </summary>
internal sealed record ConfigSetting(string Name, ConfigValueKind Kind, long? Min = null, long? Max = null, ConfigSchema? Items = null, bool Secret = false);

/// <summary>
/// The keys a configuration section may hold and their types. <see cref="Check"/> walks an <see cref="IConfiguration"/>
/// tree against it, so a wrong type or an unknown key anywhere is reported with its full key before anything is bound:
/// the .NET binder would drop a list entry that fails to convert without a word.
/// </summary>
internal sealed class ConfigSchema
{
    private readonly Dictionary<string, ConfigSetting> _byName;

    public ConfigSchema(params ConfigSetting[] settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _byName = settings.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<ConfigSetting> Settings { get; }

    public static ConfigSetting Text(string name) => new(name, ConfigValueKind.Text);

    /// <summary>A text that is a secret: errors about it name the key, never the value.</summary>
    public static ConfigSetting SecretText(string name) => new(name, ConfigValueKind.Text, Secret: true);

    public static ConfigSetting Integer(string name, long min, long max) => new(name, ConfigValueKind.Integer, min, max);

    public static ConfigSetting LongInteger(string name, long min) => new(name, ConfigValueKind.LongInteger, min);

    public static ConfigSetting Number(string name) => new(name, ConfigValueKind.Number);

    public static ConfigSetting Boolean(string name) => new(name, ConfigValueKind.Boolean);

    public static ConfigSetting Section(string name, ConfigSchema items) => new(name, ConfigValueKind.Section, Items: items);

    public static ConfigSetting List(string name, ConfigSchema items) => new(name, ConfigValueKind.List, Items: items);

    public static ConfigSetting IntegerList(string name, long min, long max) => new(name, ConfigValueKind.IntegerList, min, max);

    /// <summary>Adds an error for every unknown key, every value of the wrong type and every malformed list under <paramref name="section"/>.</summary>
    public void Check(IConfigurationSection section, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var child in section.GetChildren())
        {
            if (_byName.TryGetValue(child.Key, out var setting))
            {
                CheckValue(child, setting, errors);
            }
            else
            {
                errors.Add($"{child.Path}: unknown setting (valid here: {string.Join(", ", Settings.Select(s => s.Name))})");
            }
        }
    }

    private static void CheckValue(IConfigurationSection node, ConfigSetting setting, List<string> errors)
    {
        var children = node.GetChildren().ToList();
        switch (setting.Kind)
        {
            case ConfigValueKind.Section:
                if (!string.IsNullOrEmpty(node.Value))
                {
                    errors.Add($"{node.Path}: must be a section of {string.Join(", ", setting.Items!.Settings.Select(s => s.Name))} (got '{node.Value}')");
                }

                setting.Items!.Check(node, errors);
                break;
            case ConfigValueKind.List or ConfigValueKind.IntegerList:
                if (!string.IsNullOrEmpty(node.Value))
                {
                    errors.Add($"{node.Path}: must be a list (got '{node.Value}')");
                }

                CheckList(node, children, setting, errors);
                break;
            default:
                CheckScalar(node, children, setting, errors);
                break;
        }
    }

    private static void CheckList(IConfigurationSection list, List<IConfigurationSection> items, ConfigSetting setting, List<string> errors)
    {
        // GetChildren sorts numeric keys as numbers. A gap would shift every later entry: the binder fills the list in order,
        // and the validators' keys (by position) would then name the wrong entry.
        var next = 0;
        foreach (var item in items)
        {
            if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                errors.Add($"{item.Path}: not a list index ({list.Path} is a list: its keys are 0, 1, 2...)");
                continue;
            }

            if (index != next)
            {
                errors.Add($"{item.Path}: {list.Path}:{next} is missing (a list's indexes run 0, 1, 2... without a gap)");
            }

            next = index + 1;
            if (setting.Kind == ConfigValueKind.IntegerList)
            {
                CheckScalar(item, item.GetChildren().ToList(), setting with { Kind = ConfigValueKind.Integer }, errors);
            }
            else
            {
                if (!string.IsNullOrEmpty(item.Value))
                {
                    errors.Add($"{item.Path}: must be a section of {string.Join(", ", setting.Items!.Settings.Select(s => s.Name))} (got '{item.Value}')");
                }

                setting.Items!.Check(item, errors);
            }
        }
    }

    private static void CheckScalar(IConfigurationSection node, List<IConfigurationSection> children, ConfigSetting setting, List<string> errors)
    {
        if (children.Count > 0)
        {
            errors.Add(setting.Secret
                ? $"{node.Path}: must be {Expected(setting)} (got a section)"
                : $"{node.Path}: must be {Expected(setting)} (got a section with {string.Join(", ", children.Select(c => c.Key))})");
            return;
        }

        // A null value is a key without a value (JSON null, an empty list or object): not set, the default applies.
        if (node.Value is not { } value || setting.Kind == ConfigValueKind.Text)
        {
            return;
        }

        // The same parsing the binder's type converters do (invariant culture), so a value accepted here binds.
        var parses = setting.Kind switch
        {
            ConfigValueKind.Integer => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            ConfigValueKind.LongInteger => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            ConfigValueKind.Number => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            ConfigValueKind.Boolean => bool.TryParse(value, out _),
            _ => true,
        };
        if (!parses)
        {
            errors.Add($"{node.Path}: must be {Expected(setting)} (got '{value}')");
        }
    }

    private static string Expected(ConfigSetting setting) => setting.Kind switch
    {
        ConfigValueKind.Integer or ConfigValueKind.LongInteger => (setting.Min, setting.Max) switch
        {
            ({ } min, { } max) => $"an integer {min}-{max}",
            ({ } min, null) => $"an integer of at least {min}",
            _ => "an integer",
        },
        ConfigValueKind.Number => "a number",
        ConfigValueKind.Boolean => "true or false",
        _ => "a text value",
    };
}
