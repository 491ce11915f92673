using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// One edge per data directory and per local API socket, and a socket directory nobody else controls: real edge processes
/// started side by side (exit code 3: another edge holds the lock; 4: unsafe socket directory).
/// </summary>
[Collection("processes")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EdgeInstanceTests(ITestOutputHelper log)
{
    private const int ExitInstanceLocked = 3;
    private const int ExitUnsafeSocketDirectory = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_second_edge_on_one_data_directory_exits_naming_the_path_and_the_holder_and_the_first_keeps_buffering()
    {
        await using var city = new CityStack(log, "gw-lock");
        await city.StartMeterAsync();
        city.StartEdge(periodMs: 200);
        var first = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("readingsBuffered") > 0 ? s : null;
        }, Patience, "the first edge buffering readings");

        // Same buffer, its own socket: only the data directory is shared.
        var section = city.MeterEdgeSection(periodMs: 200);
        var otherSocket = Path.Combine(city.DataDirectory, "second", "edgectl.sock");
        section["LocalApi"] = new JsonObject { ["SocketPath"] = otherSocket };
        var second = city.StartOtherEdge("edge-second", section);
        Assert.Equal(ExitInstanceLocked, await second.WaitForExitAsync(Patience));
        var dataDirectory = Path.Combine(city.DataDirectory, "edge");
        var refusal = Assert.Single(second.Output.Split('\n'), line => line.Contains(dataDirectory, StringComparison.Ordinal));
        Assert.Contains($"PID {city.Edge!.Id}", refusal, StringComparison.Ordinal);
        Assert.False(File.Exists(otherSocket));

        await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s["buffer"].Long("readingsBuffered") > first["buffer"].Long("readingsBuffered") + 5 ? s : null;
        }, Patience, "the first edge still answering and its buffer growing");
        Assert.False(city.Edge.HasExited);

        // kill -9 leaves no stale lock: the next edge starts at once on the same directory and socket.
        await city.KillEdgeAsync();
        city.StartEdge(periodMs: 200);
        var restarted = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            return s.Long("epoch") > first.Long("epoch") ? s : null;
        }, Patience, "a new edge after kill -9 of the first");
        Assert.Equal("gw-lock", (string?)restarted["gatewayId"]);
    }

    [Fact]
    public async Task A_second_edge_on_the_same_socket_is_refused_before_opening_its_buffer_and_the_socket_stays_with_the_first()
    {
        await using var city = new CityStack(log, "gw-sock");
        var socketDirectory = Path.Combine(city.DataDirectory, "api");
        var socket = Path.Combine(socketDirectory, "edgectl.sock");
        var section = city.EdgeSection();
        section["LocalApi"] = new JsonObject { ["SocketPath"] = socket };
        city.StartEdge(section);
        await Eventually.ReturnsAsync(async () => (string?)(await city.EdgeStatusAsync(socket))["gatewayId"], Patience, "the first edge's status");

        // A directory the edge made itself: its owner only, and the search right for the socket's group (Edge:LocalApi:Group,
        // default edgectl) when that group exists on this machine (the .deb creates it).
        var groupExists = File.ReadLines("/etc/group").Any(line => line.StartsWith("edgectl:", StringComparison.Ordinal));
        Assert.Equal(groupExists ? "0 750" : "0 700", Run("stat", "-c", "%u %a", socketDirectory));

        var other = city.EdgeSection();
        other["GatewayId"] = "gw-other";
        other["Central"] = city.CentralSection("gw-other");
        var otherBuffer = Path.Combine(city.DataDirectory, "other", "buffer.db");
        other["Buffer"] = new JsonObject { ["Path"] = otherBuffer };
        other["LocalApi"] = new JsonObject { ["SocketPath"] = socket };
        var second = city.StartOtherEdge("edge-other", other);
        Assert.Equal(ExitInstanceLocked, await second.WaitForExitAsync(Patience));
        var refusal = Assert.Single(second.Output.Split('\n'), line => line.Contains(socket, StringComparison.Ordinal));
        Assert.Contains($"PID {city.Edge!.Id}", refusal, StringComparison.Ordinal);
        Assert.False(File.Exists(otherBuffer), "the refused edge opened its buffer");

        var status = await city.EdgeStatusAsync(socket);
        Assert.Equal("gw-sock", (string?)status["gatewayId"]);
        Assert.False(city.Edge.HasExited);
    }

    [Theory]
    [InlineData("owned by another user")]
    [InlineData("writable by everyone")]
    [InlineData("a symbolic link")]
    public async Task An_unsafe_socket_directory_is_refused_with_a_clear_message(string kind)
    {
        await using var city = new CityStack(log, "gw-unsafe");
        var socketDirectory = Path.Combine(city.DataDirectory, "api");
        string expected;
        switch (kind)
        {
            case "owned by another user":
                Directory.CreateDirectory(socketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Run("chown", "65534", socketDirectory);
                expected = "owned by uid 65534";
                break;
            case "writable by everyone":
                Directory.CreateDirectory(socketDirectory);
                File.SetUnixFileMode(socketDirectory, (UnixFileMode)Convert.ToInt32("777", 8));
                expected = "writable by group or others";
                break;
            default:
                var target = Directory.CreateDirectory(Path.Combine(city.DataDirectory, "elsewhere")).FullName;
                Directory.CreateSymbolicLink(socketDirectory, target);
                expected = "symbolic link";
                break;
        }

        var section = city.EdgeSection();
        section["LocalApi"] = new JsonObject { ["SocketPath"] = Path.Combine(socketDirectory, "edgectl.sock") };
        city.StartEdge(section);
        Assert.Equal(ExitUnsafeSocketDirectory, await city.Edge!.WaitForExitAsync(Patience));
        var refusal = Assert.Single(city.Edge.Output.Split('\n'), line => line.Contains(socketDirectory, StringComparison.Ordinal));
        Assert.Contains(expected, refusal, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(city.DataDirectory, "edge", "buffer.db")), "the refused edge opened its buffer");
    }

    private static string Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: exit {process.ExitCode.ToString(CultureInfo.InvariantCulture)} {error}");
        return output.Trim();
    }
}
