using City.Central.Configuration;
using Microsoft.Extensions.Configuration;

namespace City.Central.Pki;

/// <summary>
/// The arguments of a sub-command (<c>central pki ...</c>, <c>central mosquitto-config</c>): its flags, its options with a
/// value (<c>--out DIR</c> or <c>--out=DIR</c>, repeatable), positional words, and configuration keys
/// (<c>--Central:DataPath=DIR</c>) read like central reads them: appsettings.json next to the binary, the environment,
/// then these.
/// </summary>
internal sealed class CommandArguments
{
    private static readonly string[] ConfigurationSections = [CentralOptions.Section, "Logging"];

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _configuration = [];

    public List<string> Positional { get; } = [];

    /// <summary>The first problem met, or null.</summary>
    public string? Problem { get; private set; }

    public static CommandArguments Parse(IEnumerable<string> args, IReadOnlyCollection<string> flags, IReadOnlyCollection<string> valued)
    {
        var parsed = new CommandArguments();
        var list = args.ToList();
        for (var i = 0; i < list.Count && parsed.Problem is null; i++)
        {
            var arg = list[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            if (IsConfigurationKey(arg))
            {
                parsed._configuration.Add(arg);
                if (equals < 0)
                {
                    if (i + 1 >= list.Count)
                    {
                        parsed.Problem = $"'{arg}' needs a value: {arg}=VALUE";
                    }
                    else
                    {
                        parsed._configuration.Add(list[++i]);
                    }
                }
            }
            else if (flags.Contains(arg))
            {
                parsed._flags.Add(arg);
            }
            else if (valued.Contains(name))
            {
                string? value = equals > 0 && name != arg ? arg[(equals + 1)..]
                    : i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
                if (string.IsNullOrEmpty(value))
                {
                    parsed.Problem = $"{name} needs a value";
                }
                else
                {
                    parsed.Add(name, value);
                }
            }
            else if (arg.StartsWith('-'))
            {
                parsed.Problem = $"unknown option '{arg}'";
            }
            else
            {
                parsed.Positional.Add(arg);
            }
        }

        return parsed;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> Values(string option) => _values.TryGetValue(option, out var values) ? values : [];

    public string? Value(string option) => _values.TryGetValue(option, out var values) ? values[^1] : null;

    /// <summary>appsettings.json in <paramref name="baseDirectory"/>, the environment, then the configuration keys given.</summary>
    public IConfiguration Configuration(string baseDirectory) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(baseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine([.. _configuration])
        .Build();

    /// <summary>Central:DataPath as central would read it, made absolute.</summary>
    public string DataPath(string baseDirectory) =>
        Path.GetFullPath(Configuration(baseDirectory)[$"{CentralOptions.Section}:DataPath"] ?? new CentralOptions().DataPath);

    private static bool IsConfigurationKey(string arg) =>
        ConfigurationSections.Any(s => arg.StartsWith($"--{s}:", StringComparison.OrdinalIgnoreCase));

    private void Add(string option, string value)
    {
        if (!_values.TryGetValue(option, out var values))
        {
            _values[option] = values = [];
        }

        values.Add(value);
    }
}
