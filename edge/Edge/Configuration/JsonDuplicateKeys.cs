using System.Text.Json;

namespace City.Edge.Configuration;

/// <summary>
/// Finds the keys a JSON configuration file sets twice, as the configuration sees them: case-insensitively and with objects
/// and arrays flattened to "Edge:Devices:0:Port". Used to explain the JSON provider's "duplicate key" failure.
/// </summary>
internal static class JsonDuplicateKeys
{
    /// <summary>One message per duplicate; empty when the file cannot be read or parsed (the caller reports that) or has none.</summary>
    public static List<string> Find(string path)
    {
        var errors = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return errors;
        }

        using (document)
        {
            Visit(document.RootElement, string.Empty, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), errors);
        }

        return errors;
    }

    private static void Visit(JsonElement element, string path, Dictionary<string, string> seen, List<string> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Visit(property.Value, path.Length == 0 ? property.Name : $"{path}:{property.Name}", seen, errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item, $"{path}:{index++}", seen, errors);
                }

                break;
            default:
                if (!seen.TryAdd(path, path))
                {
                    errors.Add(Describe(seen[path], path));
                }

                break;
        }
    }

    private static string Describe(string first, string second)
    {
        var cut = second.LastIndexOf(':');
        var parent = cut < 0 ? string.Empty : second[..cut];
        if (first.Length == second.Length && first.StartsWith(parent, StringComparison.Ordinal))
        {
            var where = parent.Length == 0 ? "(top level)" : parent;
            var firstName = first[(cut + 1)..];
            var secondName = second[(cut + 1)..];
            return firstName == secondName
                ? $"{where}: '{firstName}' is set twice; keep one"
                : $"{where}: '{firstName}' and '{secondName}' are the same key (keys are not case-sensitive); keep one";
        }

        return $"{second}: '{first}' and '{second}' are the same key (keys are not case-sensitive); keep one";
    }
}
