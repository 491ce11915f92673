using System.Diagnostics;
using System.Globalization;
using City.Edge.Hosting;

namespace City.Edge.Tests;

/// <summary>The data-directory and socket locks, the socket directory rules and the socket claim (real files, real flock).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstanceLockTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void A_second_lock_on_a_data_directory_is_refused_naming_the_directory_and_the_holders_pid()
    {
        var buffer = Path.Combine(_dir.Path, "data", "buffer.db");
        using var first = InstanceLock.ForDataDirectory(buffer);
        Assert.Equal(Path.Combine(_dir.Path, "data", "edge.lock"), first.Path);
        // .NET's own File.ReadAllText takes a shared flock and fails here; cat does not lock.
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Run("cat", first.Path));

        // flock belongs to the open file, not the process: a second open in the same process is refused too.
        var ex = Assert.Throws<InstanceLockedException>(() => InstanceLock.ForDataDirectory(buffer));
        Assert.Equal(Environment.ProcessId, ex.HolderPid);
        Assert.Contains($"the data directory {Path.Combine(_dir.Path, "data")} is in use by another edge (PID {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_released_lock_or_a_lock_file_left_by_a_dead_process_is_taken_again()
    {
        var lockPath = _dir.File("x.lock");
        File.WriteAllText(lockPath, "999999\n"); // what a killed edge leaves: the file, but no lock
        using (var first = InstanceLock.Acquire(lockPath, "x"))
        {
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Run("cat", lockPath));
        }

        using var again = InstanceLock.Acquire(lockPath, "x");
        Assert.True(File.Exists(lockPath));
    }

    [Fact]
    public void A_missing_socket_directory_is_created_0700_and_owned_by_this_user()
    {
        var directory = Path.Combine(_dir.Path, "run", "edge");
        SocketDirectory.EnsureSafe(directory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(Run("id", "-u"), Run("stat", "-c", "%u", directory));
    }

    [Fact]
    public void A_socket_directory_0750_of_this_user_is_accepted()
    {
        var directory = Directory.CreateDirectory(_dir.File("api")).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("750", 8));
        SocketDirectory.EnsureSafe(directory);
    }

    [Theory]
    [InlineData("777", "is writable by group or others (mode 0777)")]
    [InlineData("770", "is writable by group or others (mode 0770)")]
    [InlineData("1777", "is writable by group or others (mode 1777)")]
    public void A_socket_directory_writable_by_others_is_refused(string mode, string expected)
    {
        var directory = Directory.CreateDirectory(_dir.File("api")).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32(mode, 8));
        var ex = Assert.Throws<UnsafeSocketDirectoryException>(() => SocketDirectory.EnsureSafe(directory));
        Assert.Contains($"the local API socket directory {directory} {expected}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_directory_owned_by_another_user_is_refused()
    {
        var directory = Directory.CreateDirectory(_dir.File("api")).FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Run("chown", "65534", directory);
        var ex = Assert.Throws<UnsafeSocketDirectoryException>(() => SocketDirectory.EnsureSafe(directory));
        Assert.Contains($"{directory} is owned by uid 65534, not by this edge's uid {Run("id", "-u")}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_directory_that_is_a_symbolic_link_is_refused_even_to_a_safe_directory()
    {
        var target = Directory.CreateDirectory(_dir.File("real")).FullName;
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var link = _dir.File("api");
        Directory.CreateSymbolicLink(link, target);
        var ex = Assert.Throws<UnsafeSocketDirectoryException>(() => SocketDirectory.EnsureSafe(link));
        Assert.Contains($"{link} is a symbolic link", ex.Message, StringComparison.Ordinal);

        // A dangling link is not replaced by a fresh directory either.
        Directory.Delete(target);
        Assert.Throws<UnsafeSocketDirectoryException>(() => SocketDirectory.EnsureSafe(link));
    }

    [Fact]
    public void Only_the_holder_of_the_socket_lock_removes_the_socket_file()
    {
        var socket = _dir.File("api/edgectl.sock");
        Directory.CreateDirectory(_dir.File("api"));
        File.WriteAllText(socket, "left by a killed edge");
        var first = LocalApiSocket.Claim(socket);
        Assert.False(File.Exists(socket));

        File.WriteAllText(socket, "bound by the first edge");
        var ex = Assert.Throws<InstanceLockedException>(() => LocalApiSocket.Claim(socket));
        Assert.Contains($"the local API socket {socket} is in use by another edge (PID {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(socket), "a refused claim removed the holder's socket");

        first.Dispose();
        Assert.False(File.Exists(socket));
        using var second = LocalApiSocket.Claim(socket);
        File.WriteAllText(socket, "bound by the second edge");
        first.Dispose(); // a late second dispose of the old claim leaves the new holder's socket alone
        Assert.True(File.Exists(socket));
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
