using System.Globalization;

namespace City.Edge.Hosting;

/// <summary>The directory of the local API socket is not one this edge alone controls; the message says why and what to do.</summary>
internal sealed class UnsafeSocketDirectoryException(string message) : Exception(message);

/// <summary>
/// Whoever can write to the socket's directory can replace the socket with an impostor that edgectl would talk to. The
/// directory must therefore be a real directory (not a symbolic link), owned by the edge's own user and writable by no one
/// else. A missing directory is created with mode 0700 (0750 and the socket's group once <see cref="LetGroupThrough"/> has run).
/// </summary>
internal static class SocketDirectory
{
    public const UnixFileMode CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int TypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeSymbolicLink = 0xA000;
    private const int GroupOrOthersWrite = 0x12; // 0022
    private const int GroupReadSearch = 0x28; // 0050
    private const int GroupSearch = 0x8; // 0010
    private const int OthersSearch = 0x1; // 0001

    /// <summary>
    /// Creates <paramref name="directory"/> (0700) if it is missing, then checks it; throws <see cref="UnsafeSocketDirectoryException"/>.
    /// True when it created the directory.
    /// </summary>
    public static bool EnsureSafe(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the local API is a Unix domain socket with Unix permissions");
        }

        var full = Path.GetFullPath(directory);
        var created = false;
        if (!Path.Exists(full) && !IsSymbolicLink(full))
        {
            Directory.CreateDirectory(full, CreateMode);
            created = true;
        }

        var (mode, owner, _) = NativeFiles.StatNoFollow(full);
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
                $"{prefix} is writable by group or others (mode {Octal(mode)}); chmod it to 0700 or 0750");
        }

        return created;
    }

    /// <summary>
    /// Makes sure the members of the socket's group can reach the socket through <paramref name="directory"/> (checked by
    /// <see cref="EnsureSafe"/>). A directory that lets them through is left alone. Otherwise, when <paramref name="mayChange"/>
    /// (the edge created it, or it is the edge's systemd runtime directory), it gets the group and its read and search bits
    /// (0750 from 0700), never write; a directory the edge did not create is not changed: the answer is a warning for the log.
    /// </summary>
    public static string? LetGroupThrough(string directory, LocalApiSocketAccess access, bool mayChange)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (OperatingSystem.IsWindows() || access.GroupId is not { } gid)
        {
            return null;
        }

        var full = Path.GetFullPath(directory);
        var (mode, _, group) = NativeFiles.StatNoFollow(full);
        if ((group == gid && (mode & GroupSearch) != 0) || (mode & OthersSearch) != 0)
        {
            return null;
        }

        if (!mayChange)
        {
            return $"the members of group '{access.GroupName}' cannot reach the local API socket: its directory {full} (mode {Octal(mode)}, gid " +
                $"{group.ToString(CultureInfo.InvariantCulture)}) does not let them through; chgrp {access.GroupName} and chmod 0750 it, or set Edge:LocalApi:SocketPath elsewhere";
        }

        if (group != gid)
        {
            NativeFiles.ChangeGroup(full, gid);
        }

        File.SetUnixFileMode(full, (UnixFileMode)((mode & 0xFFF) | GroupReadSearch));
        return null;
    }

    private static string Octal(int mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');

    private static bool IsSymbolicLink(string path) => new FileInfo(path).LinkTarget is not null;
}
