namespace City.Edge.Hosting;

/// <summary>
/// The local API socket path, claimed by this edge: its directory checked (<see cref="SocketDirectory"/>), the lock
/// <c>{socket}.lock</c> held, and a socket file left by a killed edge removed. Only the holder of the lock deletes or
/// replaces the socket file, and it deletes it before releasing the lock, so it never removes a successor's socket.
/// </summary>
internal sealed class LocalApiSocket : IDisposable
{
    private readonly InstanceLock _socketLock;
    private int _disposed;

    private LocalApiSocket(string path, InstanceLock socketLock)
    {
        Path = path;
        _socketLock = socketLock;
    }

    /// <summary>The full path of the socket.</summary>
    public string Path { get; }

    /// <summary>
    /// Throws <see cref="UnsafeSocketDirectoryException"/> for an unsafe directory and <see cref="InstanceLockedException"/>
    /// when another edge serves this socket.
    /// </summary>
    public static LocalApiSocket Claim(string socketPath)
    {
        var full = System.IO.Path.GetFullPath(socketPath);
        SocketDirectory.EnsureSafe(System.IO.Path.GetDirectoryName(full)!);
        var claimed = InstanceLock.Acquire(full + ".lock", $"the local API socket {full}");
        try
        {
            File.Delete(full); // a socket file left by a killed edge; nothing when there is none
            return new LocalApiSocket(full, claimed);
        }
        catch
        {
            claimed.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // a second call must not delete the socket of the edge that claimed it since
        }

        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // The next holder removes it when it starts: it is stale once the lock is released.
        }
        finally
        {
            _socketLock.Dispose();
        }
    }
}
