using System.Diagnostics;
using City.Edge.Configuration;
using City.Edge.Hosting;

namespace City.Edge.Tests;

/// <summary>
/// Edge:LocalApi:Group: which group the socket gets (mode 0660) or none (0600), what happens when the group is missing,
/// the socket's directory, and the default socket path under systemd. The group used is dialout (gid 20, in every Debian
/// base system); a group that cannot exist is used for the missing cases.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SocketAccessTests : IDisposable
{
    private const string MissingGroup = "no-such-group-9q";
    private readonly TempDir _dir = new();

    [Fact]
    public void An_empty_group_means_an_owner_only_socket_without_a_warning()
    {
        var access = LocalApiSocketAccess.Resolve(string.Empty);
        Assert.Null(access.GroupId);
        Assert.Null(access.Warning);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, access.SocketMode);
    }

    [Fact]
    public void A_missing_default_group_gives_an_owner_only_socket_and_a_warning_that_says_how_to_create_it()
    {
        var access = LocalApiSocketAccess.Resolve(configured: null, defaultGroup: MissingGroup);
        Assert.Null(access.GroupId);
        Assert.StartsWith($"the group '{MissingGroup}' does not exist, so the local API socket is mode 0600", access.Warning, StringComparison.Ordinal);
        Assert.Contains($"groupadd --system {MissingGroup}", access.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_group_set_on_purpose_is_a_configuration_error_naming_the_key()
    {
        Assert.Null(LocalApiSocketAccess.CheckConfigured(null));
        Assert.Null(LocalApiSocketAccess.CheckConfigured(string.Empty));
        Assert.Null(LocalApiSocketAccess.CheckConfigured("dialout"));
        Assert.StartsWith($"Edge:LocalApi:Group: there is no group '{MissingGroup}' on this system", LocalApiSocketAccess.CheckConfigured(MissingGroup), StringComparison.Ordinal);
        var ex = Assert.Throws<LocalApiGroupException>(() => LocalApiSocketAccess.Resolve(MissingGroup));
        Assert.StartsWith("Edge:LocalApi:Group: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_edge_refuses_to_start_with_a_missing_group_set_on_purpose_exit_2_naming_the_key()
    {
        var config = _dir.File("edge.json");
        File.WriteAllText(config, $$"""
            { "Edge": { "GatewayId": "gw1", "Central": { "AllowPlain": true }, "Buffer": { "Path": "{{_dir.File("buffer.db")}}" },
              "LocalApi": { "SocketPath": "{{_dir.File("edgectl.sock")}}", "Group": "{{MissingGroup}}" }, "Devices": [] } }
            """);

        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "dotnet", Path.Combine(AppContext.BaseDirectory, "edge.dll"), "--config", config);

        Assert.True(exitCode == 2, $"exit {exitCode}: {output}");
        Assert.Contains($"Edge:LocalApi:Group: there is no group '{MissingGroup}' on this system", output, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("buffer.db")), "the edge must stop before it opens the buffer");
    }

    [Theory]
    [InlineData("dialout", "660 dialout")]
    [InlineData("", "600 OWN-GROUP")]
    public void The_bound_socket_has_the_group_and_mode_before_anyone_can_connect(string group, string expected)
    {
        expected = expected.Replace("OWN-GROUP", Run("id", "-gn"), StringComparison.Ordinal);
        var path = _dir.File("edgectl.sock");
        using (var socket = LocalApiSocket.Claim(path, group))
        {
            socket.Bind();
            Assert.Equal(expected, Run("stat", "-c", "%a %G", path));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_directory_the_edge_creates_is_0750_with_the_group_one_it_did_not_create_is_left_alone_with_a_warning()
    {
        var dialout = LocalApiSocketAccess.Resolve("dialout");
        var created = _dir.File("made");
        using (LocalApiSocket.Claim(Path.Combine(created, "edgectl.sock"), "dialout"))
        {
            Assert.Equal("750 dialout", Run("stat", "-c", "%a %G", created));
        }

        var existing = Directory.CreateDirectory(_dir.File("existing")).FullName;
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (var socket = LocalApiSocket.Claim(Path.Combine(existing, "edgectl.sock"), "dialout"))
        {
            Assert.Equal($"700 {Run("id", "-gn")}", Run("stat", "-c", "%a %G", existing));
            Assert.Contains(socket.Warnings, w => w.StartsWith($"the members of group 'dialout' cannot reach the local API socket: its directory {existing} (mode 0700", StringComparison.Ordinal));
        }

        // The same directory as the edge's systemd runtime directory (or one it created) is opened to the group.
        Assert.Null(SocketDirectory.LetGroupThrough(existing, dialout, mayChange: true));
        Assert.Equal("750 dialout", Run("stat", "-c", "%a %G", existing));
    }

    [Fact]
    public void Under_systemd_the_default_socket_is_in_the_runtime_directory()
    {
        Assert.Equal("/run/city-edge/edgectl.sock", LocalApiOptions.DefaultSocketPath("/run/city-edge"));
        Assert.Equal("/run/city-edge/edgectl.sock", LocalApiOptions.DefaultSocketPath("/run/city-edge:/run/other"));
        Assert.Equal("/tmp/city-edge/edgectl.sock", LocalApiOptions.DefaultSocketPath(null));
        Assert.Equal("/tmp/city-edge/edgectl.sock", LocalApiOptions.DefaultSocketPath(string.Empty));
    }

    [Fact]
    public void The_group_key_binds_and_an_empty_value_stays_empty()
    {
        var values = TestConfig.Valid();
        Assert.Null(TestConfig.Load(values).Settings.Options.LocalApi.Group);
        values["Edge:LocalApi:Group"] = string.Empty;
        Assert.Equal(string.Empty, TestConfig.Load(values).Settings.Options.LocalApi.Group);
        values["Edge:LocalApi:Group"] = "dialout";
        Assert.Equal("dialout", TestConfig.Load(values).Settings.Options.LocalApi.Group);
    }

    public void Dispose() => _dir.Dispose();

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
        Assert.True(process.ExitCode == 0, $"{program}: {error}");
        return output.Trim();
    }
}
