using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace City.Edge.Hosting;

/// <summary>
/// The few Linux calls .NET does not offer: flock on a descriptor .NET has not locked itself (its own open takes a shared
/// flock, which would make a second process fail to even read the holder's PID), and the owner of a path without following
/// a symbolic link. statx is used because its layout is the same on every architecture, unlike struct stat.
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
    private const int StatxModeOffset = 28;

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

    /// <summary>Type and permission bits (st_mode) and owner of <paramref name="path"/> itself (a symbolic link is not followed).</summary>
    public static (int Mode, uint OwnerUid) StatNoFollow(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(CurrentDirectory, path, SymlinkNoFollow, BasicStats, buffer) != 0)
        {
            throw Failure("statx", path);
        }

        return (BitConverter.ToUInt16(buffer, StatxModeOffset), BitConverter.ToUInt32(buffer, StatxUidOffset));
    }

    public static uint EffectiveUserId() => geteuid();

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
#pragma warning restore IDE1006
}
