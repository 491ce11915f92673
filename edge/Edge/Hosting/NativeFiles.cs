using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace City.Edge.Hosting;

/// <summary>
/// The few Linux calls .NET does not offer: flock on a descriptor .NET has not locked itself (its own open takes a shared
/// flock, which would make a second process fail to even read the holder's PID), the owner and group of a path without
/// following a symbolic link, a file's group, and group names. statx is used because its layout is the same on every
/// architecture, unlike struct stat.
/// </summary>
internal static class NativeFiles
{
    private const int ReadWrite = 0x2;
    private const int Create = 0x40;
    private const int CloseOnExec = 0x80000;
    private const int CurrentDirectory = -100;
    private const int SymlinkNoFollow = 0x100;
    private const uint BasicStats = 0x7ff;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int Unlock = 8;
    private const int WouldBlock = 11;
    private const int Interrupted = 4;
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxGidOffset = 24;
    private const int StatxModeOffset = 28;
    private const int RangeTooSmall = 34;
    private const uint Unchanged = uint.MaxValue;

    /// <summary>Opens (creating it with mode 0644 if needed) a file for reading and writing, closed on exec.</summary>
    public static SafeFileHandle OpenOrCreate(string path)
    {
        int fd;
        do
        {
            fd = open(path, ReadWrite | Create | CloseOnExec, Convert.ToInt32("644", 8));
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (fd < 0)
        {
            throw Failure("open", path);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Takes an exclusive flock without waiting; false when another open file description holds it.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle, string path)
    {
        if (flock(handle, LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == WouldBlock ? false : throw Failure("flock", path, errno);
    }

    public static void UnlockQuietly(SafeFileHandle handle) => _ = flock(handle, Unlock); // closing the descriptor releases it anyway

    /// <summary>Type and permission bits (st_mode), owner and group of <paramref name="path"/> itself (a symbolic link is not followed).</summary>
    public static (int Mode, uint OwnerUid, uint GroupGid) StatNoFollow(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(CurrentDirectory, path, SymlinkNoFollow, BasicStats, buffer) != 0)
        {
            throw Failure("statx", path);
        }

        return (BitConverter.ToUInt16(buffer, StatxModeOffset), BitConverter.ToUInt32(buffer, StatxUidOffset), BitConverter.ToUInt32(buffer, StatxGidOffset));
    }

    public static uint EffectiveUserId() => geteuid();

    /// <summary>Gives <paramref name="path"/> itself (not the target of a symbolic link) the group <paramref name="gid"/>; the owner is kept.</summary>
    public static void ChangeGroup(string path, uint gid)
    {
        if (lchown(path, Unchanged, gid) != 0)
        {
            throw Failure("chown", path);
        }
    }

    /// <summary>
    /// Whether this process may give a file it owns the group <paramref name="gid"/>: root may give any, another user only
    /// one of its own groups (its primary group or a supplementary one).
    /// </summary>
    public static bool MayUseGroup(uint gid)
    {
        if (geteuid() == 0 || getegid() == gid)
        {
            return true;
        }

        var count = getgroups(0, null);
        var groups = new uint[Math.Max(count, 0)];
        count = getgroups(groups.Length, groups);
        return count > 0 && groups.AsSpan(0, count).Contains(gid);
    }

    /// <summary>The id of the group named <paramref name="name"/> (from /etc/group or whatever the system's NSS consults); false when there is none.</summary>
    public static bool TryGetGroupId(string name, out uint gid)
    {
        gid = 0;
        // struct group: gr_name, gr_passwd (two pointers), then gr_gid, on every Linux ABI.
        var entry = new byte[8 * IntPtr.Size];
        for (var size = 4096; size <= 1 << 24; size *= 4)
        {
            var strings = new byte[size];
            var error = getgrnam_r(name, entry, strings, (nuint)strings.Length, out var found);
            if (error == RangeTooSmall)
            {
                continue;
            }

            if (error != 0)
            {
                throw new IOException($"getgrnam_r '{name}': {Marshal.GetPInvokeErrorMessage(error)}", error);
            }

            if (found == IntPtr.Zero)
            {
                return false;
            }

            gid = BitConverter.ToUInt32(entry, 2 * IntPtr.Size);
            return true;
        }

        throw new IOException($"getgrnam_r '{name}': the group's entry is too large");
    }

    private static IOException Failure(string call, string path, int? errno = null)
    {
        var code = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(code)}", code);
    }

#pragma warning disable IDE1006 // libc functions keep their C names
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int flock(SafeFileHandle fd, int operation);

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint getegid();

    [DllImport("libc", SetLastError = true)]
    private static extern int getgroups(int size, uint[]? list);

    [DllImport("libc", SetLastError = true)]
    private static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc")]
    private static extern int getgrnam_r([MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] entry, byte[] buffer, nuint size, out IntPtr result);
#pragma warning restore IDE1006
}
