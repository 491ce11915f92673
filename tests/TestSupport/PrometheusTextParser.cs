using System.Globalization;
using System.Text.Json;

namespace City.TestSupport;

/// <summary>One sample as a parser nobody here wrote read it: its family (name without _total for a counter), type, help, name, labels, value.</summary>
public sealed record ParsedSample(string Family, string Type, string Help, string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public override string ToString() =>
        $"{Name}{{{string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {Value.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Checks Prometheus text with two tools nobody here wrote: Prometheus's own <c>promtool check metrics</c> (Debian's
/// prometheus package: parse and lint, e.g. a counter without <c>_total</c>) and the official Python client's parser
/// (Debian's python3-prometheus-client, run by /usr/bin/python3: <c>prometheus_client.parser.text_string_to_metric_families</c>),
/// which gives the samples back. A text either refuses fails the test with its message; a family without HELP or TYPE
/// fails it too. Never skipped: both packages are in test.sh's peers.
/// </summary>
public static class PrometheusTextParser
{
    private const string SystemPython = "/usr/bin/python3";

    private const string Script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        with open(sys.argv[1], encoding="utf-8") as f:
            text = f.read()
        out = []
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                out.append({"family": family.name, "type": family.type, "help": family.documentation,
                            "name": s.name, "labels": s.labels, "value": s.value})
        print(json.dumps(out))
        """;

    public static async Task<IReadOnlyList<ParsedSample>> ParseAsync(string text)
    {
        var (promtoolExit, promtoolOutput) = await PromtoolCheckAsync(text);
        Assert.True(promtoolExit == 0, $"promtool check metrics: exit {promtoolExit}: {promtoolOutput}\n--- text ---\n{text}");
        PeerProcess.RequireExecutable(SystemPython, "apt-get install -y python3-prometheus-client");
        var directory = Path.Combine(Path.GetTempPath(), "prom-parse-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        try
        {
            var script = Path.Combine(directory, "parse.py");
            var input = Path.Combine(directory, "metrics.txt");
            await File.WriteAllTextAsync(script, Script);
            await File.WriteAllTextAsync(input, text);
            var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), SystemPython, script, input);
            Assert.True(exitCode == 0, $"python3-prometheus-client refused the text (exit {exitCode}): {output}\n--- text ---\n{text}");
            var json = output.Split('\n').Last(l => l.StartsWith('['));
            var samples = new List<ParsedSample>();
            foreach (var s in JsonDocument.Parse(json).RootElement.EnumerateArray())
            {
                var labels = s.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
                var value = s.GetProperty("value");
                samples.Add(new ParsedSample(s.GetProperty("family").GetString()!, s.GetProperty("type").GetString()!, s.GetProperty("help").GetString()!,
                    s.GetProperty("name").GetString()!, labels, value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN));
            }

            foreach (var family in samples.GroupBy(s => s.Family))
            {
                Assert.True(family.First().Type != "unknown", $"{family.Key}: no TYPE line");
                Assert.False(string.IsNullOrWhiteSpace(family.First().Help), $"{family.Key}: no HELP line");
            }

            return samples;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary><c>promtool check metrics</c> with the text on its standard input: exit code and output.</summary>
    public static async Task<(int Exit, string Output)> PromtoolCheckAsync(string text)
    {
        var promtool = PeerProcess.RequireExecutable("promtool", "apt-get install -y prometheus (test.sh installs it)");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The value of the one sample named <paramref name="name"/> with these labels (others may exist), or null.</summary>
    public static double? Value(this IReadOnlyList<ParsedSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.FirstOrDefault(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))?.Value;
}
