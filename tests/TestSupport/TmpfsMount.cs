using System.Diagnostics;

namespace City.TestSupport;

/// <summary>A small tmpfs mounted for one test (the tests run as root; mode 0700, as the edge wants its socket directory), unmounted lazily at the end (files may still be open).</summary>
public sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string path, string size)
    {
        Path = path;
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", path);
    }

    public string Path { get; }

    public void Dispose() => Run("umount", "-l", Path);

    /// <summary>Writes random bytes to <paramref name="filler"/> until only <paramref name="leaveFree"/> bytes are free on its file system.</summary>
    public static void FillUntilFree(string filler, long leaveFree)
    {
        var drive = new DriveInfo(System.IO.Path.GetDirectoryName(filler)!);
        var size = Math.Max(0, drive.AvailableFreeSpace - leaveFree);
        using var stream = File.Create(filler);
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        for (long written = 0; written < size; written += chunk.Length)
        {
            stream.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
    }
}
