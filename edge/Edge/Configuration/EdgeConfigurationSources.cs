using System.Collections;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Configuration;

/// <summary>
/// Where the configuration comes from, lowest priority first:
/// appsettings.json next to the binary; the file given with --config PATH (a list it sets directly under Edge, such as Edge:Devices,
/// replaces the default file's list instead of being merged index by index); environment variables, both the .NET style
/// (Edge__GatewayId) and the EDGE_ style (EDGE_GatewayId, EDGE_Central__Host); then the command line
/// (--Edge:GatewayId=gw1).
/// </summary>
internal static class EdgeConfigurationSources
{
    public const string EnvironmentPrefix = "EDGE_";

    /// <summary>Thrown for a configuration file that is missing or not valid JSON (reported without a stack trace).</summary>
    public sealed class ConfigurationFileException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>Extracts "--config PATH" or "--config=PATH"; returns the other arguments.</summary>
    public static string[] ExtractConfigPath(string[] args, out string? configPath)
    {
        ArgumentNullException.ThrowIfNull(args);
        configPath = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--config" or "-c")
            {
                if (i + 1 >= args.Length)
                {
                    throw new ConfigurationFileException("--config needs a path: --config /etc/city-edge/edge.json");
                }

                configPath = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
            }
            else
            {
                rest.Add(arg);
            }
        }

        return [.. rest];
    }

    public static void Configure(IConfigurationBuilder builder, string[] args, string baseDirectory, IDictionary? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rest = ExtractConfigPath(args, out var configPath);
        var defaults = LoadJson(Path.Combine(baseDirectory, "appsettings.json"), optional: true);
        if (configPath is not null)
        {
            var full = Path.GetFullPath(configPath);
            var extra = LoadJson(full, optional: false);
            // A list the file sets directly under Edge replaces the default one as a whole: merging index by index would mix two
            // sites' devices. An empty list ("Devices": []) shows up as the list's own key with a null value.
            foreach (var list in ListsUnderEdge(extra, defaults))
            {
                foreach (var key in defaults.Keys.Where(k => k.StartsWith(list + ":", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    defaults.Remove(key);
                }
            }

            builder.AddInMemoryCollection(WithValues(defaults));
            builder.AddInMemoryCollection(WithValues(extra));
        }
        else
        {
            builder.AddInMemoryCollection(WithValues(defaults));
        }

        environment ??= Environment.GetEnvironmentVariables();
        var dotnetStyle = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var edgeStyle = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            var name = (string)entry.Key;
            var value = entry.Value as string;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && !name.StartsWith(EnvironmentPrefix + "_", StringComparison.Ordinal))
            {
                edgeStyle["Edge:" + name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
            }
            else if (name.Contains("__", StringComparison.Ordinal))
            {
                dotnetStyle[name.Replace("__", ":", StringComparison.Ordinal)] = value;
            }
            else
            {
                dotnetStyle[name] = value;
            }
        }

        builder.AddInMemoryCollection(dotnetStyle);
        builder.AddInMemoryCollection(edgeStyle);
        builder.AddCommandLine(rest);
    }

    /// <summary>The keys that carry a value (sections and empty lists or objects have none).</summary>
    private static IEnumerable<KeyValuePair<string, string?>> WithValues(Dictionary<string, string?> settings) =>
        settings.Where(kv => kv.Value is not null);

    private static Dictionary<string, string?> LoadJson(string path, bool optional)
    {
        if (!File.Exists(path))
        {
            if (optional)
            {
                return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            }

            throw new ConfigurationFileException($"--config: file '{path}' does not exist");
        }

        try
        {
            var config = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
            return config.AsEnumerable().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException or System.Text.Json.JsonException)
        {
            // The JSON provider reports a key set twice (keys ignore case: "Port" and "port") as a parse error; say what it is.
            var duplicates = JsonDuplicateKeys.Find(path);
            if (duplicates.Count > 0)
            {
                throw new ConfigurationFileException($"invalid configuration in {path}:{string.Concat(duplicates.Select(d => "\n  " + d))}", ex);
            }

            throw new ConfigurationFileException($"{path}: not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The keys Edge:X of the lists <paramref name="file"/> sets directly under Edge: an entry Edge:X:0..., or Edge:X itself (an
    /// empty list) where the defaults hold a list.
    /// </summary>
    private static IEnumerable<string> ListsUnderEdge(IDictionary<string, string?> file, IDictionary<string, string?> defaults)
    {
        var lists = ListsIn(file);
        lists.UnionWith(file.Keys.Where(k => k.Count(c => c == ':') == 1).Intersect(ListsIn(defaults), StringComparer.OrdinalIgnoreCase));
        return lists;
    }

    private static HashSet<string> ListsIn(IDictionary<string, string?> values)
    {
        var lists = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in values.Keys)
        {
            var parts = key.Split(':');
            if (parts.Length >= 3 && parts[0].Equals("Edge", StringComparison.OrdinalIgnoreCase) && parts[2].Length > 0 && parts[2].All(char.IsAsciiDigit))
            {
                lists.Add($"{parts[0]}:{parts[1]}");
            }
        }

        return lists;
    }
}
