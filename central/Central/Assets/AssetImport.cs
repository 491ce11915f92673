using System.Globalization;
using System.Text;
using System.Text.Json;
using City.Contract;

namespace City.Central.Assets;

/// <summary>
/// Parses an asset import, CSV or GeoJSON, into lamp fields; every problem is named (CSV: line and column; GeoJSON:
/// the feature's JSON path and property). An empty cell or a null property leaves the field to the birth.
/// </summary>
internal static class AssetImport
{
    public const int MaxLamps = 100_000;

    /// <summary>The columns (CSV header) and properties (GeoJSON) an import may carry; gateway and lamp_id are required.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "gateway", "lamp_id", "pole_id", "latitude", "longitude", "luminaire_model", "rated_power_w", "replaced_power_w",
        "installed_on", "rated_life_hours", "town", "district",
    ];

    private const int MaxText = 128;

    /// <summary>Parses CSV (RFC 4180: a header line, then one lamp per line; quoted fields may hold commas and "").</summary>
    public static IReadOnlyList<LampFields> ParseCsv(string text, long nowUnixMs, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        errors = [];
        var records = CsvRecords(text.TrimStart('\uFEFF'), errors);
        if (errors.Count > 0)
        {
            return [];
        }

        if (records.Count == 0)
        {
            errors.Add("line 1: the header is missing (expected " + string.Join(',', Columns) + ").");
            return [];
        }

        var header = records[0].Fields.Select(f => f.Trim()).ToList();
        for (var c = 0; c < header.Count; c++)
        {
            if (!Columns.Contains(header[c], StringComparer.Ordinal))
            {
                errors.Add($"line 1, column {c + 1}: '{header[c]}' is not a known column (known: {string.Join(',', Columns)}).");
            }
            else if (header.IndexOf(header[c]) != c)
            {
                errors.Add($"line 1, column {c + 1}: '{header[c]}' appears twice.");
            }
        }

        foreach (var required in new[] { "gateway", "lamp_id" }.Where(r => !header.Contains(r)))
        {
            errors.Add($"line 1: the required column '{required}' is missing.");
        }

        if (errors.Count > 0)
        {
            return [];
        }

        var rows = new List<Row>();
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Count == 1 && record.Fields[0].Length == 0)
            {
                continue;
            }

            var where = $"line {record.Line}";
            if (record.Fields.Count != header.Count)
            {
                rows.Add(new Row(where, _ => where, [], [$"{where}: {record.Fields.Count} fields, the header has {header.Count}."]));
                continue;
            }

            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var c = 0; c < header.Count; c++)
            {
                cells[header[c]] = record.Fields[c].Trim();
            }

            rows.Add(new Row(where, column => $"{where}, column {column}", cells, []));
        }

        return Validate(rows, nowUnixMs, errors);
    }

    /// <summary>Parses a GeoJSON FeatureCollection of Point features (or null geometry) whose properties are the CSV's columns.</summary>
    public static IReadOnlyList<LampFields> ParseGeoJson(string text, long nowUnixMs, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        errors = [];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException exception)
        {
            errors.Add($"the body is not JSON: {exception.Message}");
            return [];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "FeatureCollection")
            {
                errors.Add("type: a GeoJSON FeatureCollection is expected ({\"type\":\"FeatureCollection\",\"features\":[...]}).");
                return [];
            }

            if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                errors.Add("features: an array of Feature objects is required.");
                return [];
            }

            var rows = new List<Row>();
            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                var where = $"features[{index++}]";
                var problems = new List<string>();
                var cells = ReadFeature(feature, where, problems) ?? [];
                rows.Add(new Row(where, property => property is "latitude" or "longitude" && !cells.ContainsKey("$" + property)
                    ? $"{where}.geometry.coordinates" : $"{where}.properties.{property}", cells, problems));
            }

            return Validate(rows, nowUnixMs, errors);
        }
    }

    /// <summary>The feature's properties as cells (numbers in invariant form, null = empty); the point's coordinates fill latitude/longitude.</summary>
    private static Dictionary<string, string>? ReadFeature(JsonElement feature, string where, List<string> errors)
    {
        if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("type", out var type) || type.GetString() != "Feature")
        {
            errors.Add($"{where}.type: a Feature object is expected.");
            return null;
        }

        var cells = new Dictionary<string, string>(StringComparer.Ordinal);
        var before = errors.Count;
        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var name = $"{where}.properties.{property.Name}";
                if (!Columns.Contains(property.Name, StringComparer.Ordinal))
                {
                    errors.Add($"{name}: not a known property (known: {string.Join(',', Columns)}).");
                    continue;
                }

                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        cells[property.Name] = property.Value.GetString()!.Trim();
                        break;
                    case JsonValueKind.Number:
                        cells[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        cells[property.Name] = string.Empty;
                        break;
                    default:
                        errors.Add($"{name}: a string or a number is expected, not {property.Value.ValueKind.ToString().ToLowerInvariant()}.");
                        break;
                }
            }

            // Marks the properties given as such, so that errors about them name the property, not the geometry.
            foreach (var axis in new[] { "latitude", "longitude" }.Where(cells.ContainsKey))
            {
                cells["$" + axis] = string.Empty;
            }
        }
        else
        {
            errors.Add($"{where}.properties: an object is required (with at least gateway and lamp_id).");
            return null;
        }

        if (feature.TryGetProperty("geometry", out var geometry) && geometry.ValueKind != JsonValueKind.Null)
        {
            ReadPoint(geometry, where, cells, errors);
        }

        return errors.Count > before ? null : cells;
    }

    private static void ReadPoint(JsonElement geometry, string where, Dictionary<string, string> cells, List<string> errors)
    {
        if (geometry.ValueKind != JsonValueKind.Object || !geometry.TryGetProperty("type", out var type) || type.GetString() != "Point")
        {
            errors.Add($"{where}.geometry: a Point (or null) is expected.");
            return;
        }

        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array
            || coordinates.GetArrayLength() < 2 || coordinates.EnumerateArray().Take(2).Any(c => c.ValueKind != JsonValueKind.Number))
        {
            errors.Add($"{where}.geometry.coordinates: [longitude, latitude] numbers are expected.");
            return;
        }

        var longitude = coordinates[0].GetRawText();
        var latitude = coordinates[1].GetRawText();
        foreach (var (axis, value) in new[] { ("latitude", latitude), ("longitude", longitude) })
        {
            if (cells.TryGetValue(axis, out var given) && given.Length > 0
                && double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && Math.Abs(a - b) > 1e-9)
            {
                errors.Add($"{where}.properties.{axis}: {given} disagrees with the geometry's {value}.");
            }

            cells[axis] = value;
        }
    }

    private static List<LampFields> Validate(List<Row> rows, long nowUnixMs, List<string> errors)
    {
        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add("no lamp: the import holds no row.");
        }

        if (rows.Count > MaxLamps)
        {
            errors.Add($"{rows.Count} lamps: at most {MaxLamps} per import.");
            return [];
        }

        var lamps = new List<LampFields>(rows.Count);
        var seen = new Dictionary<(string, string), string>();
        foreach (var (where, name, cells, problems) in rows)
        {
            if (problems.Count > 0)
            {
                errors.AddRange(problems);
                continue;
            }

            var fields = new RowReader(cells, name, errors);
            var before = errors.Count;
            var gateway = fields.Required("gateway");
            if (gateway is not null && !GatewayIds.IsValid(gateway))
            {
                errors.Add($"{name("gateway")}: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
            }

            var lampId = fields.Required("lamp_id");
            if (lampId is not null && !IsLampId(lampId))
            {
                errors.Add($"{name("lamp_id")}: '{lampId}' is not a lamp id (LINE/gADDRESS, address 0-63, e.g. lights-a/g3).");
            }

            var latitude = fields.Number("latitude", -90, 90);
            var longitude = fields.Number("longitude", -180, 180);
            var hasLatitude = cells.GetValueOrDefault("latitude", string.Empty).Length > 0;
            if (hasLatitude != cells.GetValueOrDefault("longitude", string.Empty).Length > 0)
            {
                errors.Add($"{name(hasLatitude ? "longitude" : "latitude")}: latitude and longitude go together (both or neither).");
            }

            var lamp = new LampFields(
                gateway ?? string.Empty,
                lampId ?? string.Empty,
                fields.Text("pole_id"),
                latitude ?? double.NaN,
                longitude ?? double.NaN,
                fields.Text("luminaire_model"),
                fields.Number("rated_power_w", 0, 100_000),
                fields.Number("replaced_power_w", 0, 100_000),
                fields.Date("installed_on"),
                fields.Number("rated_life_hours", 0, 10_000_000),
                fields.Text("town"),
                fields.Text("district"),
                UpdatedUnixMs: nowUnixMs);
            if (errors.Count > before)
            {
                continue;
            }

            if (seen.TryGetValue((lamp.GatewayId, lamp.LampId), out var first))
            {
                errors.Add($"{where}: {lamp.GatewayId} {lamp.LampId} is already given at {first}.");
                continue;
            }

            seen.Add((lamp.GatewayId, lamp.LampId), where);
            lamps.Add(lamp);
        }

        return lamps;
    }

    /// <summary>One CSV line or GeoJSON feature: where it is, how to name one of its cells, its cells, and the problems found while reading it.</summary>
    private sealed record Row(string Where, Func<string, string> Name, Dictionary<string, string> Cells, List<string> Problems);

    /// <summary>LINE/gADDRESS with a non-empty line without spaces and an address 0-63, as the edge names a DALI gear.</summary>
    public static bool IsLampId(string lampId)
    {
        var slash = lampId.LastIndexOf("/g", StringComparison.Ordinal);
        return slash > 0
            && lampId.Length <= 200
            && !lampId.Any(char.IsWhiteSpace)
            && int.TryParse(lampId.AsSpan(slash + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var address)
            && address is >= 0 and <= 63
            && lampId.Length - slash - 2 <= 2;
    }

    /// <summary>Splits CSV text into records with the line each starts on.</summary>
    private static List<(int Line, List<string> Fields)> CsvRecords(string text, List<string> errors)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var fieldStart = true;
        var closed = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                    closed = true;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when fieldStart:
                    quoted = true;
                    fieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStart = true;
                    closed = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add((recordLine, fields));
                    fields = [];
                    line++;
                    recordLine = line;
                    fieldStart = true;
                    closed = false;
                    break;
                default:
                    if (c == '"' || closed)
                    {
                        errors.Add($"line {line}: a quote inside an unquoted field, or text after a closing quote (quote the whole field and double its quotes).");
                        return records;
                    }

                    field.Append(c);
                    fieldStart = false;
                    break;
            }
        }

        if (quoted)
        {
            errors.Add($"line {recordLine}: a quoted field is not closed.");
            return records;
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields));
        }

        return records;
    }

    /// <summary>Reads and checks one row's cells; each problem is added to the errors, naming the cell.</summary>
    private readonly struct RowReader(Dictionary<string, string> cells, Func<string, string> name, List<string> errors)
    {
        public string? Required(string column)
        {
            var value = Text(column);
            if (value is null)
            {
                errors.Add($"{name(column)}: required.");
            }

            return value;
        }

        public string? Text(string column)
        {
            if (!cells.TryGetValue(column, out var value) || value.Length == 0)
            {
                return null;
            }

            if (value.Length > MaxText || value.Any(char.IsControl))
            {
                errors.Add($"{name(column)}: at most {MaxText} characters, no control characters.");
                return null;
            }

            return value;
        }

        public double? Number(string column, double min, double max)
        {
            var text = Text(column);
            if (text is null)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
            {
                errors.Add($"{name(column)}: '{text}' is not a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
                return null;
            }

            return value;
        }

        public DateOnly? Date(string column)
        {
            var text = Text(column);
            if (text is null)
            {
                return null;
            }

            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                errors.Add($"{name(column)}: '{text}' is not a date yyyy-mm-dd.");
                return null;
            }

            return day;
        }
    }
}
