using System.Globalization;
using System.Text;
using System.Text.Json;

namespace City.Central.OpenData;

/// <summary>
/// A published table: named columns and rows of cells (text, number or null). Written as CSV (RFC 4180: a header line,
/// fields quoted when they hold a comma, quote or line break, CRLF line ends, UTF-8 without a byte order mark) and as
/// JSON (an object with the columns and one object per row).
/// </summary>
internal sealed class DataTable(IReadOnlyList<string> columns)
{
    /// <summary>Text as it is (UTF-8, not \u escapes): the files are served as JSON, never inside HTML.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<object?[]> _rows = [];

    public IReadOnlyList<string> Columns { get; } = columns;

    public IReadOnlyList<object?[]> Rows => _rows;

    public void Add(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"a row of {cells.Length} cells for {Columns.Count} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public byte[] ToCsv()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Columns.Select(Quote)).Append("\r\n");
        foreach (var row in _rows)
        {
            text.AppendJoin(',', row.Select(c => Quote(Cell(c)))).Append("\r\n");
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    /// <summary>{"title":..., "licence":..., "generatedAt":..., "columns":[...], "rows":[{column: value, ...}, ...]}.</summary>
    public byte[] ToJson(string title, string licenceUrl, string generatedAt)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("title", title);
            json.WriteString("licence", licenceUrl);
            json.WriteString("generatedAt", generatedAt);
            json.WriteStartArray("columns");
            foreach (var column in Columns)
            {
                json.WriteStringValue(column);
            }

            json.WriteEndArray();
            json.WriteStartArray("rows");
            foreach (var row in _rows)
            {
                json.WriteStartObject();
                for (var i = 0; i < Columns.Count; i++)
                {
                    json.WritePropertyName(Columns[i]);
                    WriteValue(json, row[i]);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    internal static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case double d when !double.IsFinite(d):
                json.WriteNullValue();
                break;
            case double d:
                json.WriteNumberValue(d);
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string Cell(object? value) => value switch
    {
        null => string.Empty,
        double d when !double.IsFinite(d) => string.Empty,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
