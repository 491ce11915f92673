using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace City.Central.Tests;

/// <summary>One operation of the OpenAPI document.</summary>
internal sealed record ApiOperation(string Method, string Path, JsonElement Definition)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// A generated request: the operation, the choices that pick each parameter's and the body's value (0 picks the first,
/// most ordinary value, so shrinking leads towards valid requests) and a random text the choices may use.
/// </summary>
internal sealed record FuzzCase(int Operation, int[] Choices, string Junk);

/// <summary>
/// Builds requests from the OpenAPI document (every parameter valid, invalid or left out; the body the document's
/// example, a mutation of it, or not JSON) and checks the answers against it: no 5xx, a status the operation documents,
/// and a body its schema accepts.
/// </summary>
internal sealed class ApiFuzzer
{
    private static readonly string[] Times = ["2026-11-26T14:00:00Z", "0", "-62135596800001", "9223372036854775807", "-9223372036854775808", "2026-13-45T99:00:00Z", "yesterday", "1e3", "2026-11-26"];
    private static readonly string[] Texts = ["", " ", "x", "%", "ünïcödé", "a/b", "../..", "'; drop table x; --", "\u0000", "${jndi:x}"];
    private static readonly JsonNode?[] JunkValues = [null, 0, -1, 1.5, "x", "", true, new JsonArray(), new JsonObject(), 1e308, "99999999999999999999999"];

    private readonly JsonElement _document;
    private readonly IReadOnlyList<string> _gateways;

    public ApiFuzzer(JsonElement document, IReadOnlyList<string> knownGateways)
    {
        _document = document;
        _gateways = knownGateways;
        var operations = new List<ApiOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete"))
            {
                operations.Add(new ApiOperation(operation.Name.ToUpperInvariant(), path.Name, operation.Value));
            }
        }

        Operations = operations;
    }

    public IReadOnlyList<ApiOperation> Operations { get; }

    /// <summary>Command ids and cursors seen in answers, offered as valid values to later requests.</summary>
    public List<string> SeenIds { get; } = [];

    public HttpRequestMessage Build(FuzzCase fuzz)
    {
        var operation = Operations[fuzz.Operation % Operations.Count];
        var next = 0;
        int Choose(int count) => count <= 1 ? 0 : fuzz.Choices.Length == 0 ? 0 : Math.Abs(fuzz.Choices[next++ % fuzz.Choices.Length] % count);

        var path = operation.Path;
        var query = new List<string>();
        if (operation.Definition.TryGetProperty("parameters", out var parameters))
        {
            foreach (var parameter in parameters.EnumerateArray())
            {
                var name = parameter.GetProperty("name").GetString()!;
                var inPath = parameter.GetProperty("in").GetString() == "path";
                var required = parameter.TryGetProperty("required", out var r) && r.GetBoolean();
                // Optional parameters are left out half of the time (choice 0: left out, so shrinking drops them).
                if (!inPath && Choose(required ? 8 : 2) == 0 && !required)
                {
                    continue;
                }

                // A NUL in the path is refused by Kestrel itself (400 without a body) before the API sees the request, and
                // the client resolves a "." or ".." segment into another path.
                var values = ValuesFor(name, parameter.GetProperty("schema"), fuzz.Junk)
                    .Where(v => !inPath || (!v.Contains('\0', StringComparison.Ordinal) && v is not ("." or ".."))).ToList();
                var value = values[Choose(values.Count)];
                if (inPath)
                {
                    path = path.Replace("{" + name + "}", value.Length == 0 ? "%20" : Uri.EscapeDataString(value), StringComparison.Ordinal);
                }
                else
                {
                    query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
                }
            }
        }

        var request = new HttpRequestMessage(new HttpMethod(operation.Method), new Uri(path + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)), UriKind.Relative));
        if (operation.Definition.TryGetProperty("requestBody", out var body))
        {
            var contents = body.GetProperty("content").EnumerateObject().ToList();
            var content = contents[Choose(contents.Count)];
            var example = content.Value.TryGetProperty("example", out var e) ? e : default;
            request.Content = BodyFor(content.Name, example, Choose(8), Choose(64), fuzz.Junk);
        }

        return request;
    }

    /// <summary>Problems of an answer to <paramref name="operation"/>; none when the document allows it.</summary>
    public List<string> Check(ApiOperation operation, HttpStatusCode status, string? contentType, string body)
    {
        var problems = new List<string>();
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        if ((int)status >= 500)
        {
            problems.Add($"answered {code} (no 5xx expected): {body}");
        }

        var responses = operation.Definition.GetProperty("responses");
        if (!responses.TryGetProperty(code, out var response) && !responses.TryGetProperty(code[0] + "XX", out response) && !responses.TryGetProperty("default", out response))
        {
            problems.Add($"answered {code}, which the document does not list ({string.Join(", ", responses.EnumerateObject().Select(p => p.Name))}): {body}");
            return problems;
        }

        if (!response.TryGetProperty("content", out var content))
        {
            if (body.Length > 0)
            {
                problems.Add($"answered {code} with a body, which the document does not describe: {body}");
            }

            return problems;
        }

        var mediaType = contentType ?? string.Empty;
        if (!content.TryGetProperty(mediaType, out var media))
        {
            problems.Add($"answered {code} as '{mediaType}', not one of {string.Join(", ", content.EnumerateObject().Select(p => p.Name))}");
            return problems;
        }

        if (!mediaType.Contains("json", StringComparison.Ordinal))
        {
            // Text (Prometheus metrics) or a stream (server-sent events): the content type is the contract.
            return problems;
        }

        JsonElement parsed;
        try
        {
            parsed = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException exception)
        {
            problems.Add($"answered {code} with a body that is not JSON ({exception.Message}): {body}");
            return problems;
        }

        Remember(parsed);
        problems.AddRange(OpenApiSchemaCheck.Validate(_document, media.GetProperty("schema"), parsed).Select(p => $"answered {code}: {p}"));
        return problems;
    }

    private void Remember(JsonElement parsed)
    {
        if (SeenIds.Count > 200 || parsed.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var name in new[] { "id", "nextCursor" })
        {
            if (parsed.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                SeenIds.Add(value.GetString()!);
            }
        }
    }

    /// <summary>The ordinary values first, then unusual and invalid ones.</summary>
    private List<string> ValuesFor(string name, JsonElement schema, string junk)
    {
        var values = new List<string>();
        if (schema.TryGetProperty("enum", out var choices))
        {
            values.AddRange(choices.EnumerateArray().Select(c => c.GetString()!));
        }
        else if (schema.TryGetProperty("pattern", out _))
        {
            values.AddRange(_gateways);
            values.AddRange(["fz-nobody", "bad id!", new string('g', 65)]);
        }
        else if (schema.TryGetProperty("type", out var type) && type.GetString() == "integer")
        {
            var min = schema.TryGetProperty("minimum", out var lo) ? long.Parse(lo.ToString(), CultureInfo.InvariantCulture) : 0;
            var max = schema.TryGetProperty("maximum", out var hi) ? long.Parse(hi.ToString(), CultureInfo.InvariantCulture) : 1_000;
            values.AddRange([min.ToString(CultureInfo.InvariantCulture), Math.Min(max, min + 2).ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture),
                (min - 1).ToString(CultureInfo.InvariantCulture), (max + 1).ToString(CultureInfo.InvariantCulture), "1.5", "abc", "99999999999999999999"]);
        }
        else if (schema.TryGetProperty("format", out var format) && format.GetString() == "uuid")
        {
            values.AddRange(SeenIds.Where(i => Guid.TryParse(i, out _)).Take(3));
            values.AddRange([Guid.Empty.ToString("D"), "not-a-uuid"]);
        }
        else if (name is "from" or "to")
        {
            values.AddRange(Times);
        }
        else if (name is "cursor" or "after")
        {
            values.AddRange(SeenIds.Where(i => !Guid.TryParse(i, out _)).Take(3));
            values.AddRange(["garbage", "YzF8MXwwfHh8eQ", "1764165600000|00000000-0000-0000-0000-000000000000"]);
        }
        else if (name == "point")
        {
            values.AddRange(["meter1/power", "1", "4294967295", "nope"]);
        }
        else if (name is "town")
        {
            values.AddRange(["Dijon", "dijon", "Nowhere"]);
        }
        else if (name is "tag")
        {
            values.AddRange(["pilot", "bad tag!"]);
        }
        else if (name == "id")
        {
            values.AddRange(["night-dim", "dijon", "fz-new"]);
        }

        values.AddRange(Texts);
        values.Add(junk);
        return values;
    }

    private static HttpContent BodyFor(string contentType, JsonElement example, int how, int pick, string junk)
    {
        var json = contentType.Contains("json", StringComparison.Ordinal);
        if (!json)
        {
            var text = example.ValueKind == JsonValueKind.String ? example.GetString()! : string.Empty;
            return new StringContent(how switch { 0 or 1 or 2 => text, 3 => text + junk + "\n", 4 => junk, _ => text[..(pick % (text.Length + 1))] }, Encoding.UTF8, contentType);
        }

        var node = example.ValueKind == JsonValueKind.Undefined ? new JsonObject() : JsonNode.Parse(example.GetRawText());
        string payload;
        switch (how)
        {
            case 0 or 1:
                payload = node?.ToJsonString() ?? "null";
                break;
            case 2 when node is JsonObject dropped && dropped.Count > 0:
                dropped.Remove(dropped.ElementAt(pick % dropped.Count).Key);
                payload = dropped.ToJsonString();
                break;
            case 3 when node is JsonObject changed && changed.Count > 0:
                changed[changed.ElementAt(pick % changed.Count).Key] = JunkValues[pick % JunkValues.Length]?.DeepClone();
                payload = changed.ToJsonString();
                break;
            case 4 when node is JsonObject extended:
                extended[junk.Length == 0 ? "extra" : junk] = JunkValues[pick % JunkValues.Length]?.DeepClone();
                payload = extended.ToJsonString();
                break;
            case 5:
                payload = JunkValues[pick % JunkValues.Length]?.ToJsonString() ?? "null";
                break;
            case 6:
                payload = (node?.ToJsonString() ?? "{}")[..(pick % ((node?.ToJsonString() ?? "{}").Length + 1))];
                break;
            default:
                payload = junk;
                break;
        }

        return new StringContent(payload, Encoding.UTF8, contentType);
    }
}
