using System.Text.Json;
using System.Text.Json.Nodes;
using City.Contract;
using City.Edge.Configuration;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Reload;

/// <summary>
/// The "Edge" section of one configuration as flat keys (Edge:Devices:0:Name = meter1), the form every source reduces to:
/// what is validated, compared, stored in the history and applied. Its JSON form ({"Edge": {...}}, lists as arrays, every
/// value as text) is what the history keeps and what a rollback loads again.
/// </summary>
internal sealed class ConfigDocument
{
    private ConfigDocument(SortedDictionary<string, string> values)
    {
        Values = values;
        Json = ToJson(values);
        Digest = EdgeConfigVersion.Of(Json);
    }

    /// <summary>Edge:... → value, keys in ordinal-ignore-case order (the configuration's own key rule).</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>The document as indented JSON.</summary>
    public string Json { get; }

    /// <summary><see cref="EdgeConfigVersion.Of"/> of <see cref="Json"/>: the version of a configuration read from files.</summary>
    public string Digest { get; }

    public static ConfigDocument From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return From(configuration.GetSection(EdgeOptions.SectionName).AsEnumerable(makePathsRelative: false));
    }

    public static ConfigDocument From(IEnumerable<KeyValuePair<string, string?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var flat = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            if (value is not null && key.StartsWith(EdgeOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase))
            {
                flat[key] = value;
            }
        }

        return new ConfigDocument(flat);
    }

    /// <summary>The document as a configuration (what the loader validates and the next run of the loops is built from).</summary>
    public IConfigurationRoot ToConfiguration() =>
        new ConfigurationBuilder().AddInMemoryCollection(Values.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value))).Build();

    /// <summary>The keys under <c>Edge:{section}</c> (the section's own key included), for comparing one section of two documents.</summary>
    public IEnumerable<KeyValuePair<string, string>> Section(string section)
    {
        var prefix = $"{EdgeOptions.SectionName}:{section}";
        return Values.Where(kv => kv.Key.Equals(prefix, StringComparison.OrdinalIgnoreCase) || kv.Key.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The names of the sections directly under Edge that the document sets (GatewayId, Central, Devices...).</summary>
    public IReadOnlySet<string> TopSections() =>
        Values.Keys.Select(k => k.Split(':')[1]).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// This document with every section under Edge that <paramref name="overlay"/> names replaced whole by the overlay's
    /// (a list is never merged index by index), and the sections it does not name kept.
    /// </summary>
    public ConfigDocument With(ConfigDocument overlay)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        var named = overlay.TopSections();
        var merged = Values.Where(kv => !named.Contains(kv.Key.Split(':')[1]))
            .Concat(overlay.Values)
            .Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value));
        return From(merged);
    }

    /// <summary>Reads a document ({"Edge": {...}}); throws <see cref="JsonException"/> for text that is not a JSON object with an Edge object.</summary>
    public static ConfigDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the configuration must be a JSON object {\"Edge\": {...}}");
            }

            var edge = root.EnumerateObject().Where(p => p.Name.Equals(EdgeOptions.SectionName, StringComparison.OrdinalIgnoreCase)).ToList();
            if (edge.Count != 1 || edge[0].Value.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the configuration must hold exactly one \"Edge\" object");
            }

            foreach (var other in root.EnumerateObject().Where(p => !p.Name.Equals(EdgeOptions.SectionName, StringComparison.OrdinalIgnoreCase)))
            {
                throw new JsonException($"'{other.Name}': only the \"Edge\" section can be pushed (logging and the rest stay as the files set them)");
            }
        }

        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        try
        {
            return From(new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable());
        }
        catch (FormatException ex)
        {
            // The JSON provider's error for a key set twice (keys ignore case).
            throw new JsonException(ex.Message, ex);
        }
    }

    private static string ToJson(SortedDictionary<string, string> values)
    {
        var root = new JsonObject();
        foreach (var (key, value) in values)
        {
            var parts = key.Split(':');
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (node[parts[i]] is not JsonObject child)
                {
                    child = [];
                    node[parts[i]] = child;
                }

                node = child;
            }

            node[parts[^1]] = value;
        }

        return AsArrays(root)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>An object whose keys are 0..n-1 becomes an array (the configuration's form of a list).</summary>
    private static JsonNode? AsArrays(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return node?.DeepClone();
        }

        var children = obj.Select(kv => (kv.Key, Value: AsArrays(kv.Value))).ToList();
        var indexes = children.Select(c => int.TryParse(c.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : -1).ToList();
        if (children.Count > 0 && indexes.Order().SequenceEqual(Enumerable.Range(0, children.Count)))
        {
            var array = new JsonArray();
            foreach (var child in children.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)))
            {
                array.Add(child.Value);
            }

            return array;
        }

        var result = new JsonObject();
        foreach (var (key, value) in children)
        {
            result[key] = value;
        }

        return result;
    }
}
