using System.Diagnostics;
using System.Globalization;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// The edge's socket is mode 0660 with the group of Edge:LocalApi:Group; edgectl, run as a process by an unprivileged user
/// (nobody, through setpriv: the tests run as root, and root passes every mode bit), is refused with a message naming the
/// group unless that user is in it. A throwaway group is created for the test and removed after.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SocketPermissionTests : IAsyncLifetime
{
    private const string Nobody = "65534";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-perm-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _group = "edgectl-t" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<(WebApplication App, BatchBuffer Buffer)> _edges = [];
    private string _gid = string.Empty;

    public async Task InitializeAsync()
    {
        // 0755 under /tmp: nobody can reach what the edge puts here; the socket's own mode decides.
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, (UnixFileMode)Convert.ToInt32("755", 8));
        await RunAsync("groupadd", _group);
        _gid = (await RunAsync("getent", "group", _group)).Split(':')[2];
    }

    public async Task DisposeAsync()
    {
        foreach (var (app, buffer) in _edges)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            buffer.Dispose();
        }

        await RunAsync("groupdel", _group);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_socket_is_0660_with_the_configured_group_and_edgectl_outside_it_is_told_which_group_to_join()
    {
        var socket = await StartEdgeAsync("in-dir", Path.Combine(_dir, "edgectl.sock"), _group);
        Assert.Equal($"660 {_group}", await RunAsync("stat", "-c", "%a %G", socket));

        var (exit, stdout, stderr) = await EdgeCtlAsync(socket, groups: null);

        Assert.True(exit == 1, $"exit {exit}: {stdout}{stderr}");
        Assert.Equal($"edgectl: permission denied on {socket}: add yourself to group {_group} (sudo usermod -aG {_group} $USER, then log in again)", stderr.Trim());
    }

    [Fact]
    public async Task A_member_of_the_group_uses_edgectl_without_being_root()
    {
        var socket = await StartEdgeAsync("member", Path.Combine(_dir, "edgectl.sock"), _group);

        var (exit, stdout, stderr) = await EdgeCtlAsync(socket, groups: _gid);

        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("member", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_the_edge_creates_is_0750_with_the_group_and_a_stranger_who_cannot_enter_it_hears_the_same_advice()
    {
        var directory = Path.Combine(_dir, "run");
        var socket = await StartEdgeAsync("made-dir", Path.Combine(directory, "edgectl.sock"), _group);
        Assert.Equal($"750 {_group}", await RunAsync("stat", "-c", "%a %G", directory));
        Assert.Equal($"660 {_group}", await RunAsync("stat", "-c", "%a %G", socket));

        var (exit, _, stderr) = await EdgeCtlAsync(socket, groups: null);
        var (memberExit, memberOut, memberErr) = await EdgeCtlAsync(socket, groups: _gid);

        Assert.True(exit == 1, stderr);
        Assert.Equal($"edgectl: permission denied on {socket}: add yourself to group {_group} (sudo usermod -aG {_group} $USER, then log in again)", stderr.Trim());
        Assert.True(memberExit == 0, $"exit {memberExit}: {memberOut}{memberErr}");
    }

    [Fact]
    public async Task With_no_group_the_socket_is_0600_and_edgectl_says_only_its_owner_may_use_it()
    {
        var socket = await StartEdgeAsync("owner", Path.Combine(_dir, "edgectl.sock"), group: string.Empty);
        Assert.Equal("600", await RunAsync("stat", "-c", "%a", socket));

        var (exit, _, stderr) = await EdgeCtlAsync(socket, groups: _gid);

        Assert.True(exit == 1, stderr);
        Assert.StartsWith($"edgectl: permission denied on {socket}: only its owner (uid 0) and root may use it (mode 0600, no group)", stderr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Edgectl_looks_for_the_systemd_socket_first_and_then_for_the_old_default()
    {
        var runtime = Path.Combine(_dir, "run", "city-edge");
        var systemd = Path.Combine(runtime, "edgectl.sock");
        var fallback = Path.Combine(_dir, "tmp", "city-edge", "edgectl.sock");
        Assert.Equal(fallback, SocketAccess.DefaultSocketPath(systemd, fallback));

        // The runtime directory exists while edge.service runs, even when this user may not see the socket inside it.
        Directory.CreateDirectory(runtime);
        Assert.Equal(systemd, SocketAccess.DefaultSocketPath(systemd, fallback));
        Assert.Equal("/run/city-edge/edgectl.sock", SocketAccess.SystemdSocketPath);
        Assert.Equal("/tmp/city-edge/edgectl.sock", SocketAccess.FallbackSocketPath);
    }

    private async Task<string> StartEdgeAsync(string gatewayId, string socketPath, string group)
    {
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = gatewayId,
            ["Edge:Central:Port"] = FreePort.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(_dir, gatewayId, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = socketPath,
            ["Edge:LocalApi:Group"] = group,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        Directory.CreateDirectory(Path.Combine(_dir, gatewayId));
        var buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, buffer), buffer, TimeProvider.System, out var socket);
        _edges.Add((app, buffer));
        await app.StartAsync();
        return socket;
    }

    /// <summary><c>edgectl status --socket SOCKET</c> as uid/gid nobody, with no supplementary group or only <paramref name="groups"/>.</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> EdgeCtlAsync(string socket, string? groups)
    {
        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in (string[])["--reuid", Nobody, "--regid", Nobody, .. groups is null ? ["--clear-groups"] : (string[])["--groups", groups],
            "dotnet", Path.Combine(AppContext.BaseDirectory, "edgectl.dll"), "status", "--socket", socket])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["HOME"] = "/tmp";
        info.Environment.Remove("EDGECTL_SOCKET");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var (exit, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), program, arguments);
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)}: exit {exit}: {output}");
        return output.Trim();
    }
}
