using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.MBus;

namespace City.EdgeCtl.MBus;

/// <summary>Tables and JSON documents of <c>edgectl mbus read</c> and <c>scan</c>.</summary>
internal static class MBusViews
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string FunctionName(MBusFunction function) => function switch
    {
        MBusFunction.Instantaneous => "instantaneous",
        MBusFunction.Maximum => "maximum",
        MBusFunction.Minimum => "minimum",
        _ => "during-error",
    };

    public static string ReadTable(MBusTelegram telegram)
    {
        var text = new StringBuilder();
        text.AppendLine(HeaderLine(telegram.Header));
        var rows = new List<string[]> { new[] { "#", "quantity", "value", "unit", "storage", "tariff", "subunit", "function", "record" } };
        for (int i = 0; i < telegram.Records.Count; i++)
        {
            var r = telegram.Records[i];
            rows.Add([
                i.ToString(CultureInfo.InvariantCulture), r.Quantity.Name + string.Concat(r.Modifiers.Select(m => $" ({m})")),
                r.Error is null ? r.Text : $"{r.Text} ({r.Error})", r.Unit, r.StorageNumber.ToString(CultureInfo.InvariantCulture),
                r.Tariff.ToString(CultureInfo.InvariantCulture), r.Subunit.ToString(CultureInfo.InvariantCulture), FunctionName(r.Function), r.Header,
            ]);
        }

        AppendTable(text, rows);
        if (telegram.HasManufacturerData)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"manufacturer-specific data: {telegram.ManufacturerData.Length} bytes{(telegram.MoreRecordsFollow ? " (more records follow)" : "")}");
        }

        if (telegram.Error is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"decoding stopped: {telegram.Error}");
        }

        return text.ToString();
    }

    public static string ReadJson(MBusTelegram telegram)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOptions))
        {
            json.WriteStartObject();
            WriteHeader(json, telegram.Header);
            json.WriteStartArray("records");
            foreach (var r in telegram.Records)
            {
                json.WriteStartObject();
                json.WriteString("record", r.Header);
                json.WriteString("quantity", r.Quantity.Name);
                json.WriteString("unit", r.Unit);
                if (r.Value is { } value)
                {
                    json.WriteNumber("value", value);
                }
                else
                {
                    json.WriteNull("value");
                }

                json.WriteString("text", r.Text);
                if (r.Time is { } time)
                {
                    json.WriteString("time", time.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                }

                json.WriteNumber("storage", r.StorageNumber);
                json.WriteNumber("tariff", r.Tariff);
                json.WriteNumber("subunit", r.Subunit);
                json.WriteString("function", FunctionName(r.Function));
                if (r.Modifiers.Count > 0)
                {
                    json.WriteStartArray("modifiers");
                    r.Modifiers.ToList().ForEach(json.WriteStringValue);
                    json.WriteEndArray();
                }

                if (r.Error is not null)
                {
                    json.WriteString("error", r.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("manufacturerData", Convert.ToHexString(telegram.ManufacturerData.Span));
            json.WriteBoolean("moreRecordsFollow", telegram.MoreRecordsFollow);
            if (telegram.Error is not null)
            {
                json.WriteString("error", telegram.Error);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string ScanTable(MBusScanResult result)
    {
        var text = new StringBuilder();
        var rows = new List<string[]> { new[] { "primary", "secondary", "id", "manufacturer", "version", "medium", "note" } };
        foreach (var f in result.Found)
        {
            rows.Add([
                f.PrimaryAddress?.ToString(CultureInfo.InvariantCulture) ?? "-", f.SecondaryAddress?.ToString() ?? "-", f.Header?.Identification ?? "-",
                f.Header?.Manufacturer ?? "-", f.Header?.Version?.ToString(CultureInfo.InvariantCulture) ?? "-", f.Header?.MediumName ?? "-", f.Problem ?? "",
            ]);
        }

        AppendTable(text, rows);
        foreach (string collision in result.Collisions)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"collision: {collision}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{result.Found.Count} meter(s) found with {result.Requests} requests");
        return text.ToString();
    }

    public static string ScanJson(MBusScanResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("meters");
            foreach (var f in result.Found)
            {
                json.WriteStartObject();
                if (f.PrimaryAddress is { } primary)
                {
                    json.WriteNumber("primary", primary);
                }

                if (f.SecondaryAddress is { } secondary)
                {
                    json.WriteString("secondary", secondary.ToString());
                }

                if (f.Header is { } header)
                {
                    WriteHeader(json, header);
                }

                if (f.Problem is not null)
                {
                    json.WriteString("problem", f.Problem);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("collisions");
            result.Collisions.ToList().ForEach(json.WriteStringValue);
            json.WriteEndArray();
            json.WriteNumber("requests", result.Requests);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string HeaderLine(MBusHeader header) => header.Address is null
        ? string.Create(CultureInfo.InvariantCulture, $"meter (short header): access {header.AccessNumber}, status {header.Status:X2}")
        : string.Create(
            CultureInfo.InvariantCulture,
            $"meter {header.Identification} {header.Manufacturer} version {header.Version} {header.MediumName}: secondary {header.Address}, access {header.AccessNumber}, status {header.Status:X2}");

    private static void WriteHeader(Utf8JsonWriter json, MBusHeader header)
    {
        if (header.Address is { } address)
        {
            json.WriteString("id", header.Identification);
            json.WriteString("manufacturer", header.Manufacturer);
            json.WriteNumber("version", address.Version);
            json.WriteString("medium", header.MediumName);
            json.WriteString("secondaryAddress", address.ToString());
        }

        json.WriteNumber("accessNumber", header.AccessNumber);
        json.WriteString("status", header.Status.ToString("X2", CultureInfo.InvariantCulture));
    }

    private static void AppendTable(StringBuilder text, List<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == columns - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
