using System.Text.Json;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl tic read</c> against <c>citysim tic</c> (started as a process on a socat pty pair, sending at the mode's wire
/// speed), as a technician would check a cabinet's Linky output. Fails, not skips, without socat.
/// </summary>
public sealed class TicCitySimTests
{
    [Fact]
    public async Task A_standard_frame_reads_as_json_with_units_and_every_group_is_either_good_or_counted()
    {
        // One group in five is sent with a wrong checksum: each is dropped and counted, the rest of the frame is read.
        await using var sim = await CitySimOnPty.StartAsync("tic", "tic meter ", "--mode", "standard", "--bad-checksum-rate", "0.2", "--power-va", "2300");

        var (exit, stdout, stderr) = await RunAsync("tic", "read", "serial://" + sim.HostPort, "--mode", "standard", "--json");

        Assert.True(exit == 0, stderr);
        var frame = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("standard", frame.GetProperty("mode").GetString());
        Assert.Equal(0, frame.GetProperty("malformedGroups").GetInt32());
        var groups = frame.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("label").GetString()!);
        // citysim's standard frame has 37 groups.
        Assert.Equal(37, groups.Count + frame.GetProperty("badChecksums").GetInt32());
        Assert.Contains("dropped for a bad checksum", stderr, StringComparison.Ordinal);
        if (groups.TryGetValue("EAST", out var east))
        {
            Assert.Equal("Wh", east.GetProperty("unit").GetString());
            Assert.True(east.GetProperty("value").GetInt64() > 13_000_000);
        }

        if (groups.TryGetValue("SINSTS", out var power))
        {
            Assert.Equal("VA", power.GetProperty("unit").GetString());
            Assert.InRange(power.GetProperty("value").GetInt32(), 1000, 3500);
        }

        if (groups.TryGetValue("DATE", out var date))
        {
            Assert.True(date.GetProperty("clockValid").GetBoolean());
            Assert.Matches(@"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$", date.GetProperty("value").GetString()!);
        }

        if (groups.TryGetValue("STGE", out var status))
        {
            Assert.True(status.GetProperty("status").GetProperty("standard-tic").GetBoolean());
        }

        // Without --mode the line is tried at 9600 baud first and the frame tells its mode; the table has the units.
        (exit, stdout, stderr) = await RunAsync("tic", "read", "serial://" + sim.HostPort);
        Assert.True(exit == 0, stderr);
        Assert.Contains("standard mode", stderr, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^label +value +unit +date$", stdout);
        Assert.Matches(@"(?m)^(SINSTS +\d{5} +VA|URMS1 +230 +V)$", stdout);
    }

    [Fact]
    public async Task A_missing_port_or_a_bad_endpoint_is_one_line_and_exit_code_1()
    {
        var (exit, stdout, stderr) = await RunAsync("tic", "read", "serial:///dev/no-such-tty", "--json");
        Assert.Equal(1, exit);
        Assert.Equal("edgectl: no serial device /dev/no-such-tty", stderr.Trim());
        Assert.Equal("no serial device /dev/no-such-tty", JsonDocument.Parse(stdout).RootElement.GetProperty("error").GetString());

        (exit, _, stderr) = await RunAsync("tic", "read", "/dev/ttyS0");
        Assert.Equal(1, exit);
        Assert.Contains("bad endpoint '/dev/ttyS0': expected serial:///dev/ttyX", stderr, StringComparison.Ordinal);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>The historic mode on its own: a class of its own so that its 1200-baud wait runs beside the standard one.</summary>
public sealed class TicHistoricCitySimTests
{
    [Fact]
    public async Task A_historic_frame_reads_as_a_table_with_the_tariff_period_and_the_indexes()
    {
        await using var sim = await CitySimOnPty.StartAsync("tic", "tic meter ", "--mode", "historic");

        var (exit, stdout, stderr) = await TicCitySimTests.RunAsync("tic", "read", "serial://" + sim.HostPort, "--mode", "historic");

        Assert.True(exit == 0, stderr);
        Assert.Contains("historic mode, 11 groups, 0 dropped for a bad checksum, 0 malformed", stderr, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ADCO +021861348497$", stdout);
        Assert.Matches(@"(?m)^HCHC +\d{9} +Wh$", stdout);
        Assert.Matches(@"(?m)^HCHP +\d{9} +Wh$", stdout);
        Assert.Matches(@"(?m)^PTEC +H[CP]\.\.$", stdout);
        Assert.Matches(@"(?m)^PAPP +\d{5} +VA$", stdout);
        Assert.Matches(@"(?m)^IINST +\d{3} +A$", stdout);
    }
}
