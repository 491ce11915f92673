using Microsoft.Extensions.Configuration;
using System.Diagnostics;

namespace City.Edge.Tests;

/// <summary>
/// <c>systemd-analyze verify</c> on the units the packages install (edge/edge.service as city-edge.service, central/central.service
/// as city-central.service). It needs no running systemd, but it checks that the programs of ExecStart= exist and loads the
/// units they depend on, so it runs against a root of this test (<c>--root</c>): the host's own units copied in, the two
/// units at their installed paths, and stub programs at /usr/bin/edge, /usr/bin/central and /bin/kill. systemd-analyze exits 0 on a
/// value it cannot parse (it ignores the line with a warning), so any output on stderr counts as a failure too.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests
{
    private const string HostUnits = "/usr/lib/systemd/system";

    [Fact]
    public async Task TheInstalledUnits_PassSystemdAnalyzeVerify_WithoutAWarning()
    {
        using var root = NewRoot();
        var (exit, errors) = await VerifyAsync(root.Path, "city-edge.service", "city-central.service");
        Assert.True(exit == 0 && errors.Length == 0, $"systemd-analyze verify: exit {exit}\n{errors}");

        var edge = await File.ReadAllTextAsync(System.IO.Path.Combine(root.Path, "usr/lib/systemd/system/city-edge.service"));
        Assert.Contains("RuntimeDirectory=city-edge", edge, StringComparison.Ordinal);
        Assert.Contains("SupplementaryGroups=dialout", edge, StringComparison.Ordinal);
        Assert.Contains("Type=notify", edge, StringComparison.Ordinal);
        Assert.Contains("WatchdogSec=", edge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCheck_CatchesABadValueAndAMissingProgram()
    {
        using var root = NewRoot();
        var unit = System.IO.Path.Combine(root.Path, "usr/lib/systemd/system/city-edge.service");
        await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(unit)).Replace("WatchdogSec=60", "WatchdogSec=soon", StringComparison.Ordinal));
        var (_, badValue) = await VerifyAsync(root.Path, "city-edge.service");
        Assert.Contains("soon", badValue, StringComparison.Ordinal);

        File.Delete(System.IO.Path.Combine(root.Path, "usr/bin/central"));
        var (exit, missing) = await VerifyAsync(root.Path, "city-central.service");
        Assert.NotEqual(0, exit);
        Assert.Contains("/usr/bin/central", missing, StringComparison.Ordinal);
    }

    private static TempDir NewRoot()
    {
        Assert.True(Directory.Exists(HostUnits), $"{HostUnits} is missing: install the systemd package (.ci/install-peers.sh systemd)");
        var root = new TempDir();
        var units = Directory.CreateDirectory(System.IO.Path.Combine(root.Path, "usr/lib/systemd/system")).FullName;
        foreach (var file in new DirectoryInfo(HostUnits).EnumerateFileSystemInfos())
        {
            // The host's targets and services (symbolic links kept as links: some point at absolute paths, resolved inside the root).
            if (file.LinkTarget is { } target)
            {
                File.CreateSymbolicLink(System.IO.Path.Combine(units, file.Name), target);
            }
            else if (file is FileInfo regular)
            {
                regular.CopyTo(System.IO.Path.Combine(units, file.Name));
            }
        }

        var repository = RepositoryRoot();
        File.Copy(System.IO.Path.Combine(repository, "edge/edge.service"), System.IO.Path.Combine(units, "city-edge.service"));
        File.Copy(System.IO.Path.Combine(repository, "central/central.service"), System.IO.Path.Combine(units, "city-central.service"));
        // The programs the units name: ours, and kill for the edge's ExecReload.
        foreach (var program in new[] { "usr/bin/edge", "usr/bin/central", "bin/kill" })
        {
            var stub = System.IO.Path.Combine(root.Path, program);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(stub)!);
            File.WriteAllText(stub, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return root;
    }

    private static async Task<(int Exit, string Errors)> VerifyAsync(string root, params string[] units)
    {
        var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("verify");
        start.ArgumentList.Add("--root=" + root);
        foreach (var unit in units)
        {
            start.ArgumentList.Add(unit);
        }

        // Messages go to stderr (not the journal, which a container may lack).
        start.Environment["SYSTEMD_LOG_TARGET"] = "console";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start systemd-analyze");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, ((await output) + (await errors)).Trim());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Edge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Edge.sln) is not above " + AppContext.BaseDirectory);
    }
}

/// <summary>The site configuration the city-edge package installs as /etc/city-edge/edge.json.example passes the edge's own checks.</summary>
public sealed class PackageExampleConfigTests
{
    [Fact]
    public void TheExampleSiteConfiguration_IsValid_ApartFromItsTlsFiles()
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(System.IO.Path.Combine(repository.FullName, "Edge.sln")))
        {
            repository = repository.Parent;
        }

        Assert.NotNull(repository);
        var example = new ConfigurationBuilder()
            .AddJsonFile(System.IO.Path.Combine(repository.FullName, "packaging/debian/edge.json.example"))
            .Build();

        // The cabinet's certificate files do not exist here: the link is checked plain, everything else as written.
        var values = example.AsEnumerable()
            .Where(kv => kv.Value is not null && !kv.Key.StartsWith("Edge:Central:Tls", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        values["Edge:Central:AllowPlain"] = "true";
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal("cab-0001", settings.Options.GatewayId);
        Assert.Equal("meter1", Assert.Single(settings.Devices).Name);
    }
}
