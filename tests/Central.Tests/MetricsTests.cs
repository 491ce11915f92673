using System.Globalization;
using System.Net;
using City.Central.Auth;
using City.Central.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace City.Central.Tests;

/// <summary>GET /metrics: what it counts after real ingest, checked by Prometheus's own promtool; a registry per central; the token option.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_CountIngestGatewaysAndCommands_AndPassPromtool()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var other = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-metrics");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(4));
        await gateway.NextAckAsync();
        await gateway.DataAsync(2, FakeGateway.SampleReadings(4, start: 20));
        await gateway.NextAckAsync();
        await gateway.DataAsync(2, FakeGateway.SampleReadings(4, start: 20));   // a duplicate
        await gateway.NextAckAsync();
        await gateway.PublishAsync(Topics.Data("gw-metrics"), [1, 2, 3]);       // malformed
        await central.WaitForRejectedAsync("malformed", 1);
        await CommandApi.IssueAsync(central.Http, new { gateways = new[] { "gw-metrics" }, action = "dali", line = "l", target = "broadcast", command = "off" });

        using var anonymous = central.NewClient(null);
        using var response = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var samples = Parse(text);
        Assert.Equal(24, samples["central_ingest_readings_total"]);
        Assert.Equal(2, samples["central_ingest_batches_total"]);
        Assert.Equal(1, samples["central_ingest_duplicate_batches_total"]);
        Assert.Equal(1, samples["central_ingest_rejected_total{reason=\"malformed\"}"]);
        Assert.Equal(1, samples["central_gateways_online"]);
        // The one command is pending, or already sent when the broker took it before this read.
        Assert.Equal(1, samples["central_commands{status=\"pending\"}"] + samples["central_commands{status=\"sent\"}"]);
        Assert.Equal(1, samples.Where(s => s.Key.StartsWith("central_commands{", StringComparison.Ordinal)).Sum(s => s.Value));
        Assert.Equal(0, samples["central_commands{status=\"done\"}"]);
        Assert.True(samples["central_ingest_commit_duration_seconds_count"] >= 2);
        Assert.Equal(0, samples["central_ingest_queue_depth"]);
        Assert.Equal(0, samples["central_stream_clients"]);
        var instance = central.App.Services.GetRequiredService<IOptions<CentralOptions>>().Value.ResolvedInstanceId;
        Assert.Contains(samples.Keys, k => k.StartsWith("central_info{", StringComparison.Ordinal)
            && k.Contains($"instance=\"{instance}\"", StringComparison.Ordinal) && k.Contains("store=\"litedb\"", StringComparison.Ordinal));

        // A parser nobody here wrote: Prometheus's promtool (Debian's prometheus package).
        var (exit, output) = await PrometheusTextParser.PromtoolCheckAsync(text);
        Assert.True(exit == 0, $"promtool check metrics: exit {exit}: {output}\n{text}");

        // The other central in this process has a registry of its own.
        using var otherClient = other.NewClient(null);
        var otherSamples = Parse(await otherClient.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Equal(0, otherSamples["central_ingest_readings_total"]);
        Assert.Equal(0, otherSamples["central_gateways_online"]);
    }

    [Fact]
    public async Task Metrics_WithRequireToken_NeedAViewerToken_AndNameTheInstance()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:Metrics:RequireToken=true", "--Central:InstanceId=central-a");
        using var anonymous = central.NewClient(null);
        using var viewer = central.NewClient(central.CreateToken("metrics-viewer", ApiRole.Viewer));

        using var refused = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await viewer.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("central_info{instance=\"central-a\",store=\"litedb\",version=", text, StringComparison.Ordinal);
    }

    /// <summary>Sample name with its labels as written → value; comments skipped.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }
}
