using System.Text.Json;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl mbus scan|read</c> against <c>citysim mbus</c> (heat meter at primary 1 / id 12345678, water at 2 / 16000001,
/// electricity at 5 / 20300003) on a socat pty pair, at 9600 baud with the simulator's wire timing. The secondary scan has to
/// narrow down collisions: all three answer the all-wildcard selection, two share the first digit.
/// </summary>
public sealed class MBusCitySimTests
{
    [Fact]
    public async Task Scan_finds_the_three_meters_both_ways_and_read_decodes_their_records()
    {
        await using var sim = await CitySimOnPty.StartAsync("mbus", "mbus line serving", "--baud", "9600", "--parity", "none");
        string line = $"serial://{sim.HostPort}?baud=9600&parity=none";

        var (exit, stdout, stderr) = await RunAsync("mbus", "scan", line, "--secondary", "--json");
        Assert.True(exit == 0, stderr);
        var scan = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["12345678", "16000001", "20300003"], scan.GetProperty("meters").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(["Heat: Outlet", "Water", "Electricity"], scan.GetProperty("meters").EnumerateArray().Select(m => m.GetProperty("medium").GetString()));
        Assert.Empty(scan.GetProperty("collisions").EnumerateArray());
        // The root, "1" and the two branches below it: 1 + 10 + 10 selections and 3 reads.
        Assert.Equal(24, scan.GetProperty("requests").GetInt32());

        (exit, stdout, stderr) = await RunAsync("mbus", "scan", line, "--primary", "--first", "0", "--last", "6", "--json");
        Assert.True(exit == 0, stderr);
        var primary = JsonDocument.Parse(stdout).RootElement.GetProperty("meters").EnumerateArray().ToList();
        Assert.Equal([1, 2, 5], primary.Select(m => m.GetProperty("primary").GetInt32()));
        Assert.Equal("20300003", primary[2].GetProperty("id").GetString());

        (exit, stdout, stderr) = await RunAsync("mbus", "read", line, "--address", "1", "--json");
        Assert.True(exit == 0, stderr);
        var heat = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("12345678", heat.GetProperty("id").GetString());
        var records = heat.GetProperty("records").EnumerateArray().ToList();
        var energy = records.First(r => r.GetProperty("quantity").GetString() == "Energy");
        Assert.Equal("Wh", energy.GetProperty("unit").GetString());
        Assert.True(energy.GetProperty("value").GetDouble() >= 37_351_000);
        var supply = records.First(r => r.GetProperty("quantity").GetString() == "Flow temperature");
        Assert.Equal("°C", supply.GetProperty("unit").GetString());
        Assert.InRange(supply.GetProperty("value").GetDouble(), 60, 80);
        Assert.Contains(records, r => r.GetProperty("storage").GetInt32() == 1 && r.GetProperty("quantity").GetString() == "Energy");

        (exit, stdout, stderr) = await RunAsync("mbus", "read", line, "--secondary", "16000001");
        Assert.True(exit == 0, stderr);
        Assert.Contains("meter 16000001 CTY version 33 Water", stdout, StringComparison.Ordinal);
        Assert.Matches(@"Volume\s+[0-9.]+\s+m3", stdout);

        (exit, _, stderr) = await RunAsync("mbus", "read", line, "--address", "9", "--retries", "0");
        Assert.Equal(1, exit);
        Assert.Contains("did not acknowledge SND_NKE", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await RunAsync("mbus", "read", "tcp://x", "--address", "1");
        Assert.Equal(2, exit);
        Assert.Contains("expected serial:///dev/ttyX", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // A loaded host delays the simulator's answers: a wider margin than the usual 50 ms keeps them inside the window.
        string[] margin = args.Contains("tcp://x") ? [] : ["--margin-ms", "150"];
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([.. args, .. margin]).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
