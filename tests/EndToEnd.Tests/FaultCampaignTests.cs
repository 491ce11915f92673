using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The short versions of the fault campaigns in benchmarks/ (the scripts themselves, with few cycles): a power cut under
/// the edge's buffer (an ext4 loop device whose image is kept as it was at the cut) and central's store on a full disk.
/// Both need root (losetup, mount), as the suite runs in CI; without it the scripts fail and say so. Each ends with the
/// verdict of benchmarks/campaign-verdict.py: the edge's lifetime counters against central's store, every meter point's
/// timestamps unique, a reading every polling period but at the cuts, and citysim load's acknowledged batches all stored.
/// The long campaigns and the kill -9 cycles: benchmarks/README.md, figures in docs/performance.md.
/// </summary>
[Collection("processes")]
public sealed class FaultCampaignTests(ITestOutputHelper log)
{
    // Not the campaign's speed: only a broken build or a hung rig goes past it.
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task A_power_cut_under_the_edge_keeps_every_batch_it_published_as_committed_and_loses_nothing_else()
    {
        var output = await RunCampaignAsync("power-cut.sh", new() { ["CYCLES"] = "2", ["UP_MS"] = "0", ["LOAD_GATEWAYS"] = "2" });
        Assert.Contains("cut 1/2: central had seqs up to", output, StringComparison.Ordinal);
        Assert.Contains("cut 2/2: central had seqs up to", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Central_on_a_full_disk_stops_acknowledging_turns_unhealthy_and_resumes_when_space_returns()
    {
        var output = await RunCampaignAsync("central-disk-full.sh", new() { ["CYCLES"] = "1", ["FULL_S"] = "1", ["LOAD_GATEWAYS"] = "2" });
        Assert.Contains("full disk 1/1: /healthz 503 after", output, StringComparison.Ordinal);
    }

    private async Task<string> RunCampaignAsync(string script, Dictionary<string, string> environment)
    {
        environment["NO_BUILD"] = "1";
        environment["CONFIGURATION"] = Repository.Configuration;
        var (exitCode, output) = await PeerProcess.RunAsync(Deadline, "bash", [Path.Combine(Repository.Root, "benchmarks", script)], environment);
        log.WriteLine(output);
        Assert.True(exitCode == 0, $"benchmarks/{script} exited {exitCode}:\n{output}");
        Assert.Contains("LOST 0   DUPLICATED 0   OK", output, StringComparison.Ordinal);
        return output;
    }
}
