using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace City.Edge.Hosting;

/// <summary>Another edge holds a lock this one needs; the message names what is locked and the holder's PID.</summary>
internal sealed class InstanceLockedException(string message, string lockPath, int? holderPid) : Exception(message)
{
    public string LockPath { get; } = lockPath;

    public int? HolderPid { get; } = holderPid;
}

/// <summary>
/// An exclusive flock on a lock file that holds the owner's PID. The kernel releases it when the process ends, however it
/// ends (kill -9 included), so there is never a stale lock to clean up. The file itself is never deleted: deleting it would
/// let two processes lock two different files of the same name.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    public const string DataDirectoryLockName = "edge.lock";

    private readonly SafeFileHandle _handle;

    private InstanceLock(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>
    /// Locks the directory of the buffer file (created if needed) with <c>edge.lock</c> in it, before the buffer is opened.
    /// </summary>
    public static InstanceLock ForDataDirectory(string bufferPath)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(bufferPath))!;
        Directory.CreateDirectory(directory);
        return Acquire(System.IO.Path.Combine(directory, DataDirectoryLockName), $"the data directory {directory}");
    }

    /// <summary>
    /// Takes the lock at <paramref name="lockPath"/> or throws <see cref="InstanceLockedException"/> at once;
    /// <paramref name="what"/> ("the data directory /var/lib/edge") starts the message.
    /// </summary>
    public static InstanceLock Acquire(string lockPath, string what)
    {
        var full = System.IO.Path.GetFullPath(lockPath);
        var handle = NativeFiles.OpenOrCreate(full);
        try
        {
            if (!NativeFiles.TryLockExclusive(handle, full))
            {
                var holder = ReadPid(handle);
                var pid = holder is { } p ? "PID " + p.ToString(CultureInfo.InvariantCulture) : "PID unknown";
                throw new InstanceLockedException($"{what} is in use by another edge ({pid}, lock file {full})", full, holder);
            }

            var text = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, text, 0);
            return new InstanceLock(full, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_handle.IsClosed)
        {
            NativeFiles.UnlockQuietly(_handle);
            _handle.Dispose();
        }
    }

    private static int? ReadPid(SafeFileHandle handle)
    {
        Span<byte> buffer = stackalloc byte[32];
        var read = RandomAccess.Read(handle, buffer, 0);
        var text = Encoding.ASCII.GetString(buffer[..read]).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }
}
