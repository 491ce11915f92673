using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>One sample of the Prometheus text: its metric name, labels in their order, value, and its family's type and help.</summary>
internal sealed record MetricSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, string Type, string Help);

/// <summary>
/// <c>edgectl metrics</c>: GET /metrics of the daemon (Prometheus text format) shown as a table, as JSON (<c>--json</c>), or as
/// it came (<c>--raw</c>). The parser reads what the edge writes (HELP, TYPE, samples with labels; no timestamps or exemplars).
/// </summary>
internal static class MetricsView
{

    public static async Task<int> RunAsync(string socketPath, bool json, bool raw, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            await error.WriteLineAsync($"edgectl: {problem}").ConfigureAwait(false);
            return 1;
        }

        string text;
        try
        {
            using var client = new LocalApiClient(socketPath);
            text = await client.GetTextAsync("/metrics", cancellation).ConfigureAwait(false);
        }
        catch (LocalApiException e)
        {
            await error.WriteLineAsync($"edgectl: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TaskCanceledException)
        {
            await error.WriteLineAsync($"edgectl: cannot read /metrics from {socketPath}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        if (raw)
        {
            await output.WriteAsync(text).ConfigureAwait(false);
            return 0;
        }

        IReadOnlyList<MetricSample> samples;
        try
        {
            samples = Parse(text);
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync($"edgectl: the edge's /metrics is not Prometheus text: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        if (json)
        {
            var document = samples.Select(s => new MetricSampleOutput(s.Name, s.Type, s.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), s.Value, s.Help)).ToList();
            await output.WriteLineAsync(JsonSerializer.Serialize(document, EdgeCtlJson.Indented.ListMetricSampleOutput)).ConfigureAwait(false);
        }
        else
        {
            Print(samples, output);
        }

        return 0;
    }

    /// <summary>
    /// One line per sample: name, labels as k=v, value (integers without decimals), grouped by metric as the edge sent them.
    /// Error counters at 0 (<c>*_errors_total</c>: one per device and kind) are left out, and counted in a last line.
    /// </summary>
    public static void Print(IReadOnlyList<MetricSample> samples, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(output);
        var shown = samples.Where(s => !(s.Value == 0 && s.Name.EndsWith("_errors_total", StringComparison.Ordinal))).ToList();
        var rows = shown.Select(s => (s.Name, Labels: string.Join(' ', s.Labels.Select(l => $"{l.Key}={l.Value}")), Value: Format(s.Value))).ToList();
        var nameWidth = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
        var labelWidth = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Labels.Length));
        output.WriteLine($"{"metric".PadRight(nameWidth)}  {"labels".PadRight(labelWidth)}  value");
        foreach (var (name, labels, value) in rows)
        {
            output.WriteLine($"{name.PadRight(nameWidth)}  {labels.PadRight(labelWidth)}  {value,12}");
        }

        if (samples.Count > shown.Count)
        {
            output.WriteLine($"({samples.Count - shown.Count} error counts at 0 not shown; --json and --raw show every sample)");
        }
    }

    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsInfinity(value) ? (value > 0 ? "+Inf" : "-Inf")
        : value % 1 == 0 && Math.Abs(value) < 1e15 ? value.ToString("0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Parses the Prometheus text exposition format 0.0.4; throws <see cref="FormatException"/> naming the line.</summary>
    public static IReadOnlyList<MetricSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<(string Name, List<KeyValuePair<string, string>> Labels, double Value)>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] == "HELP")
                {
                    help[parts[2]] = parts.Length == 4 ? Unescape(parts[3]) : string.Empty;
                }
                else if (parts.Length >= 4 && parts[1] == "TYPE")
                {
                    types[parts[2]] = parts[3];
                }

                continue;
            }

            samples.Add(ParseSample(line, lineNumber));
        }

        return samples.Select(s =>
        {
            var family = FamilyOf(s.Name, types);
            return new MetricSample(s.Name, s.Labels, s.Value, types.GetValueOrDefault(family, "untyped"), help.GetValueOrDefault(family, string.Empty));
        }).ToList();
    }

    /// <summary>The family a sample belongs to: its own name, or without a _total/_sum/_count/_bucket suffix when that is the typed name.</summary>
    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name))
        {
            return name;
        }

        foreach (var suffix in (string[])["_total", "_sum", "_count", "_bucket"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(name[..^suffix.Length]))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static (string Name, List<KeyValuePair<string, string>> Labels, double Value) ParseSample(string line, int lineNumber)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        if (name.Length == 0)
        {
            throw new FormatException($"line {lineNumber}: no metric name: {line}");
        }

        var labels = new List<KeyValuePair<string, string>>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (i < line.Length && line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"')
                {
                    throw new FormatException($"line {lineNumber}: bad label: {line}");
                }

                var key = line[i..eq].Trim();
                var value = new StringBuilder();
                var j = eq + 2;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\' && j + 1 < line.Length)
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                if (j >= line.Length)
                {
                    throw new FormatException($"line {lineNumber}: unterminated label value: {line}");
                }

                labels.Add(new(key, value.ToString()));
                i = j + 1;
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }

            if (i >= line.Length)
            {
                throw new FormatException($"line {lineNumber}: unterminated labels: {line}");
            }

            i++;
        }

        var fields = line[i..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || !TryParseValue(fields[0], out var number))
        {
            throw new FormatException($"line {lineNumber}: bad value: {line}");
        }

        return (name, labels, number);
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    private static string Unescape(string help) => help.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
}
