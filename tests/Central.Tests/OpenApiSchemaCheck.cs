using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace City.Central.Tests;

/// <summary>
/// Checks a JSON value against a schema of an OpenAPI 3.1 document (JSON Schema 2020-12, the parts the document uses:
/// $ref into #/components/schemas, type (one or a list, with "null"), enum, properties, required, additionalProperties,
/// items, oneOf, anyOf, allOf, pattern, minimum, maximum). Returns every problem with its JSON path; none when valid.
/// </summary>
internal static class OpenApiSchemaCheck
{
    public static List<string> Validate(JsonElement document, JsonElement schema, JsonElement value)
    {
        var problems = new List<string>();
        Check(document, schema, value, "$", problems, depth: 0);
        return problems;
    }

    private static void Check(JsonElement document, JsonElement schema, JsonElement value, string path, List<string> problems, int depth)
    {
        if (depth > 64)
        {
            problems.Add($"{path}: schema nesting deeper than 64 ($ref loop?)");
            return;
        }

        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            problems.Add($"{path}: no value is allowed here");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(document, Resolve(document, reference.GetString()!), value, path, problems, depth + 1);
        }

        foreach (var (keyword, needed) in new[] { ("oneOf", 1), ("anyOf", -1) })
        {
            if (schema.TryGetProperty(keyword, out var options))
            {
                var matches = options.EnumerateArray().Count(option => Validate(document, option, value).Count == 0);
                if (needed == 1 ? matches != 1 : matches == 0)
                {
                    problems.Add($"{path}: {value.GetRawText()} matches {matches} of the {keyword} schemas");
                }
            }
        }

        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var part in all.EnumerateArray())
            {
                Check(document, part, value, path, problems, depth + 1);
            }
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            problems.Add($"{path}: {Shorten(value.GetRawText())} is not of type {type.GetRawText()}");
            return;
        }

        if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(c => JsonElement.DeepEquals(c, value)))
        {
            problems.Add($"{path}: {value.GetRawText()} is not one of {choices.GetRawText()}");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(document, schema, value, path, problems, depth);
                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(document, items, item, $"{path}[{index++}]", problems, depth + 1);
                }

                break;
            case JsonValueKind.String when schema.TryGetProperty("pattern", out var pattern):
                if (!Regex.IsMatch(value.GetString()!, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    problems.Add($"{path}: '{value.GetString()}' does not match {pattern.GetString()}");
                }

                break;
            case JsonValueKind.Number:
                CheckRange(schema, value, path, problems);
                break;
        }
    }

    private static void CheckObject(JsonElement document, JsonElement schema, JsonElement value, string path, List<string> problems, int depth)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    problems.Add($"{path}: the required member '{name}' is missing");
                }
            }
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        foreach (var member in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var memberSchema))
            {
                Check(document, memberSchema, member.Value, $"{path}.{member.Name}", problems, depth + 1);
            }
            else if (additional.ValueKind is JsonValueKind.Object or JsonValueKind.False)
            {
                Check(document, additional, member.Value, $"{path}.{member.Name}", problems, depth + 1);
            }
        }
    }

    private static void CheckRange(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        var number = value.GetDouble();
        if (schema.TryGetProperty("minimum", out var minimum) && number < Number(minimum))
        {
            problems.Add($"{path}: {number} is below the minimum {minimum.GetRawText()}");
        }

        if (schema.TryGetProperty("maximum", out var maximum) && number > Number(maximum))
        {
            problems.Add($"{path}: {number} is above the maximum {maximum.GetRawText()}");
        }
    }

    private static double Number(JsonElement bound) =>
        bound.ValueKind == JsonValueKind.String ? double.Parse(bound.GetString()!, CultureInfo.InvariantCulture) : bound.GetDouble();

    private static bool TypeMatches(JsonElement type, JsonElement value) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Any(t => IsOfType(t.GetString()!, value)) : IsOfType(type.GetString()!, value);

    private static bool IsOfType(string type, JsonElement value) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => false,
    };

    /// <summary>A local reference (#/components/schemas/Name, ~0 and ~1 unescaped).</summary>
    public static JsonElement Resolve(JsonElement document, string reference)
    {
        Assert.StartsWith("#/", reference, StringComparison.Ordinal);
        var node = document;
        foreach (var part in reference[2..].Split('/'))
        {
            Assert.True(node.TryGetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal), out node), $"unresolved $ref {reference}");
        }

        return node;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
