using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.Tic;

namespace City.EdgeCtl.Tic;

/// <summary>One frame as <c>edgectl tic read</c> prints it: a table, or JSON with label, value and unit per group.</summary>
internal static class TicFrameView
{
    /// <summary>
    /// <c>label  value  unit  date</c>, one row per group in the frame's order; values without their padding spaces,
    /// dates in ISO 8601 with the offset their season gives.
    /// </summary>
    public static string Table(TicFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var rows = frame.Groups.Select(g => (g.Label, Value: g.TrimmedValue, Unit: TicLabels.Find(frame.Mode, g.Label)?.Unit ?? "", Date: g.Timestamp?.ToString() ?? "")).ToList();
        int labelWidth = Math.Max(5, rows.Count == 0 ? 0 : rows.Max(r => r.Label.Length));
        // PJOURF+1 (~100 characters) would push the other columns off the screen: longer values overflow their column.
        int valueWidth = Math.Clamp(rows.Count == 0 ? 0 : rows.Max(r => r.Value.Length), 5, 20);
        int unitWidth = Math.Max(4, rows.Count == 0 ? 0 : rows.Max(r => r.Unit.Length));
        var text = new StringBuilder();
        text.Append("label".PadRight(labelWidth)).Append("  ").Append("value".PadRight(valueWidth)).Append("  ").Append("unit".PadRight(unitWidth)).AppendLine("  date");
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Label.PadRight(labelWidth), row.Value.PadRight(valueWidth), row.Unit.PadRight(unitWidth), row.Date).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>The summary line for stderr: mode, groups, dropped groups, interruption.</summary>
    public static string Summary(TicFrame frame, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return string.Create(CultureInfo.InvariantCulture,
            $"{endpoint}: {frame.Mode.Name()} mode, {frame.Groups.Count} groups, {frame.BadChecksums} dropped for a bad checksum, {frame.MalformedGroups} malformed{(frame.Interrupted ? ", interrupted (EOT)" : "")}");
    }

    /// <summary>
    /// <c>{"mode", "badChecksums", "malformedGroups", "interrupted", "groups": [{"label", "value", "unit", "raw", "date"?, "clockValid"?, "status"?}]}</c>:
    /// value is a number for the numeric labels, the trimmed text otherwise; raw is the data as sent; STGE gets its fields.
    /// </summary>
    public static string Json(TicFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("mode", frame.Mode.Name());
            json.WriteNumber("badChecksums", frame.BadChecksums);
            json.WriteNumber("malformedGroups", frame.MalformedGroups);
            json.WriteBoolean("interrupted", frame.Interrupted);
            json.WriteStartArray("groups");
            foreach (TicGroup group in frame.Groups)
            {
                WriteGroup(json, frame.Mode, group);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteGroup(Utf8JsonWriter json, TicMode mode, TicGroup group)
    {
        TicLabel? label = TicLabels.Find(mode, group.Label);
        json.WriteStartObject();
        json.WriteString("label", group.Label);
        if (label is not null && label.TryGetNumber(group.Value, out long number))
        {
            json.WriteNumber("value", number);
        }
        else if (label?.Kind == TicValueKind.Date && group.Timestamp is { } date)
        {
            json.WriteString("value", date.ToString());
        }
        else
        {
            json.WriteString("value", group.TrimmedValue);
        }

        json.WriteString("unit", label?.Unit ?? "");
        json.WriteString("raw", group.Value);
        if (group.Timestamp is { } timestamp)
        {
            json.WriteString("date", timestamp.ToString());
            json.WriteBoolean("clockValid", timestamp.ClockValid);
        }

        if (label?.Kind == TicValueKind.StatusRegister && TicStatusRegister.TryParse(group.Value, out TicStatusRegister status))
        {
            json.WriteStartObject("status");
            foreach ((string name, object value) in status.Fields())
            {
                switch (value)
                {
                    case bool flag:
                        json.WriteBoolean(name, flag);
                        break;
                    case int integer:
                        json.WriteNumber(name, integer);
                        break;
                    default:
                        json.WriteString(name, value.ToString());
                        break;
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
