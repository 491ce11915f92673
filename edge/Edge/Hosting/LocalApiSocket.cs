using System.Net.Sockets;

namespace City.Edge.Hosting;

/// <summary>
/// The local API socket path, claimed by this edge: its directory checked (<see cref="SocketDirectory"/>), the lock
/// <c>{socket}.lock</c> held, and a socket file left by a killed edge removed. Only the holder of the lock deletes or
/// replaces the socket file, and it deletes it before releasing the lock, so it never removes a successor's socket.
/// <see cref="Bind"/> creates the socket with its group and mode (<see cref="Access"/>) before Kestrel listens on it.
/// </summary>
internal sealed class LocalApiSocket : IDisposable
{
    private readonly InstanceLock _socketLock;
    private Socket? _listener;
    private int _disposed;

    private LocalApiSocket(string path, InstanceLock socketLock, LocalApiSocketAccess access, IReadOnlyList<string> warnings)
    {
        Path = path;
        _socketLock = socketLock;
        Access = access;
        Warnings = warnings;
    }

    /// <summary>The full path of the socket.</summary>
    public string Path { get; }

    /// <summary>Its group and mode.</summary>
    public LocalApiSocketAccess Access { get; }

    /// <summary>What the edge logs as warnings once it has a logger (a missing default group, a directory the group cannot pass).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// <paramref name="group"/> is Edge:LocalApi:Group (<see cref="LocalApiSocketAccess.Resolve"/>). Throws
    /// <see cref="UnsafeSocketDirectoryException"/> for an unsafe directory, <see cref="LocalApiGroupException"/> for a
    /// group the edge cannot use and <see cref="InstanceLockedException"/> when another edge serves this socket.
    /// </summary>
    public static LocalApiSocket Claim(string socketPath, string? group = null)
    {
        var access = LocalApiSocketAccess.Resolve(group);
        var full = System.IO.Path.GetFullPath(socketPath);
        var directory = System.IO.Path.GetDirectoryName(full)!;
        var created = SocketDirectory.EnsureSafe(directory);
        var claimed = InstanceLock.Acquire(full + ".lock", $"the local API socket {full}");
        try
        {
            var warnings = new List<string>();
            if (access.Warning is { } warning)
            {
                warnings.Add(warning);
            }

            if (SocketDirectory.LetGroupThrough(directory, access, mayChange: created || IsRuntimeDirectory(directory)) is { } blocked)
            {
                warnings.Add(blocked);
            }

            File.Delete(full); // a socket file left by a killed edge; nothing when there is none
            return new LocalApiSocket(full, claimed, access, warnings);
        }
        catch
        {
            claimed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binds the socket (again after a reload: a new socket at the same path) and gives its file the group and mode of <see cref="Access"/>; nobody can connect before Kestrel
    /// listens on the returned descriptor (<c>ListenHandle</c>), so there is no moment with looser permissions. The
    /// descriptor stays this object's: it is closed by <see cref="Dispose"/>, after Kestrel has stopped.
    /// </summary>
    public ulong Bind()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the local API is a Unix domain socket with Unix permissions");
        }

        if (_listener is not null)
        {
            // A later run of the loops (a configuration reload), once the previous run's Kestrel has stopped: a fresh socket
            // at the same path, as a listening socket Kestrel has shut down does not accept again. The lock stays held.
            _listener.Dispose();
            _listener = null;
            File.Delete(Path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(Path));
            if (Access.GroupId is { } gid)
            {
                NativeFiles.ChangeGroup(Path, gid);
            }

            File.SetUnixFileMode(Path, Access.SocketMode);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listener = socket;
        return (ulong)socket.Handle;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // a second call must not delete the socket of the edge that claimed it since
        }

        try
        {
            _listener?.Dispose();
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

    /// <summary>The directory systemd made for this service alone (RuntimeDirectory= in edge.service sets RUNTIME_DIRECTORY).</summary>
    private static bool IsRuntimeDirectory(string directory) =>
        Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } runtime
        && runtime.Split(':').Any(r => string.Equals(System.IO.Path.TrimEndingDirectorySeparator(r), System.IO.Path.TrimEndingDirectorySeparator(directory), StringComparison.Ordinal));
}
