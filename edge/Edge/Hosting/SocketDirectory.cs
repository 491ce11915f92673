using System.Globalization;

namespace City.Edge.Hosting;

/// <summary>The directory of the local API socket is not one this edge alone controls; the message says why and what to do.</summary>
internal sealed class UnsafeSocketDirectoryException(string message) : Exception(message);

/// <summary>
/// Whoever can write to the socket's directory can replace the socket with an impostor that edgectl would talk to. The
/// directory must therefore be a real directory (not a symbolic link), owned by the edge's own user and writable by no one
/// else. A missing directory is created with mode 0700.
/// </summary>
internal static class SocketDirectory
{
    public const UnixFileMode CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int TypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeSymbolicLink = 0xA000;
    private const int GroupOrOthersWrite = 0x12; // 0022

    /// <summary>Creates <paramref name="directory"/> (0700) if it is missing, then checks it; throws <see cref="UnsafeSocketDirectoryException"/>.</summary>
    public static void EnsureSafe(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the local API is a Unix domain socket with Unix permissions");
        }

        var full = Path.GetFullPath(directory);
        if (!Path.Exists(full) && !IsSymbolicLink(full))
        {
            Directory.CreateDirectory(full, CreateMode);
        }

        var (mode, owner) = NativeFiles.StatNoFollow(full);
        var me = NativeFiles.EffectiveUserId();
        var prefix = $"the local API socket directory {full}";
        if ((mode & TypeMask) == TypeSymbolicLink)
        {
            throw new UnsafeSocketDirectoryException($"{prefix} is a symbolic link; use a real directory (or set Edge:LocalApi:SocketPath elsewhere)");
        }

        if ((mode & TypeMask) != TypeDirectory)
        {
            throw new UnsafeSocketDirectoryException($"{prefix} is not a directory");
        }

        if (owner != me)
        {
            throw new UnsafeSocketDirectoryException(
                $"{prefix} is owned by uid {owner.ToString(CultureInfo.InvariantCulture)}, not by this edge's uid {me.ToString(CultureInfo.InvariantCulture)}; " +
                "remove it so the edge creates it, or set Edge:LocalApi:SocketPath elsewhere");
        }

        if ((mode & GroupOrOthersWrite) != 0)
        {
            throw new UnsafeSocketDirectoryException(
                $"{prefix} is writable by group or others (mode {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')}); chmod it to 0700 or 0750");
        }
    }

    private static bool IsSymbolicLink(string path) => new FileInfo(path).LinkTarget is not null;
}
