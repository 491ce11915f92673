using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace City.EdgeCtl;

/// <summary>
/// Where edgectl looks for the edge's socket, and why it may not use it. The edge makes its socket mode 0660 with the group
/// of Edge:LocalApi:Group (default edgectl): a technician outside that group gets EACCES, and edgectl names the group to
/// join instead of printing the bare error.
/// </summary>
internal static class SocketAccess
{
    /// <summary>The socket of an edge run by edge.service (systemd's RuntimeDirectory=city-edge).</summary>
    public const string SystemdSocketPath = "/run/city-edge/edgectl.sock";

    /// <summary>The edge's default outside systemd.</summary>
    public const string FallbackSocketPath = "/tmp/city-edge/edgectl.sock";

    private const int NoSuchFile = 2;
    private const int PermissionDenied = 13;
    private const int NotADirectory = 20;
    private const int CurrentDirectory = -100;
    private const uint BasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxGidOffset = 24;
    private const int StatxModeOffset = 28;
    private const int GroupWrite = 0x10; // 0020
    private const int RangeTooSmall = 34;

    /// <summary>
    /// The systemd socket when it, or at least its directory, exists (the directory lives while edge.service runs; a
    /// technician outside the group may not see the socket in it, and should hear why), otherwise the fallback.
    /// </summary>
    public static string DefaultSocketPath(string systemdSocketPath = SystemdSocketPath, string fallbackSocketPath = FallbackSocketPath) =>
        Path.Exists(systemdSocketPath) || Directory.Exists(Path.GetDirectoryName(systemdSocketPath)) ? systemdSocketPath : fallbackSocketPath;

    /// <summary>Why <paramref name="socketPath"/> cannot be used (no socket there, or no permission to reach it); null when it is there.</summary>
    public static string? Problem(string socketPath)
    {
        var errno = Stat(socketPath, out _, out _, out _);
        return errno switch
        {
            0 => null,
            PermissionDenied => DeniedMessage(socketPath),
            NoSuchFile or NotADirectory => $"no edge daemon socket at {socketPath} (is the edge running? pass --socket PATH or set EDGECTL_SOCKET)",
            _ => $"cannot reach {socketPath}: {Marshal.GetPInvokeErrorMessage(errno)}",
        };
    }

    /// <summary>Whether connecting failed because this user may not use the socket (EACCES), however the HTTP stack wrapped it.</summary>
    public static bool IsAccessDenied(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is UnauthorizedAccessException || e is SocketException { SocketErrorCode: SocketError.AccessDenied })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// "permission denied on SOCKET: add yourself to group GROUP (...)", GROUP the group of the socket file, or of the
    /// nearest directory above it this user can see when the socket itself is out of sight. A socket whose group may not
    /// write to it (mode 0600: the edge had no group to give it) is explained as such.
    /// </summary>
    public static string DeniedMessage(string socketPath)
    {
        var full = Path.GetFullPath(socketPath);
        for (var path = full; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (Stat(path, out var mode, out var uid, out var gid) != 0)
            {
                continue;
            }

            if (path == full && (mode & GroupWrite) == 0)
            {
                return $"permission denied on {socketPath}: only its owner (uid {uid.ToString(CultureInfo.InvariantCulture)}) and root may use it " +
                    $"(mode {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')}, no group); run edgectl as that user, or have Edge:LocalApi:Group set on the edge";
            }

            var group = GroupName(gid) ?? gid.ToString(CultureInfo.InvariantCulture);
            return $"permission denied on {socketPath}: add yourself to group {group} (sudo usermod -aG {group} $USER, then log in again)";
        }

        return $"permission denied on {socketPath}";
    }

    /// <summary>stat(2) (following links): 0, or the errno.</summary>
    private static int Stat(string path, out int mode, out uint uid, out uint gid)
    {
        var buffer = new byte[StatxSize];
        mode = 0;
        uid = gid = 0;
        if (statx(CurrentDirectory, path, 0, BasicStats, buffer) != 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        mode = BitConverter.ToUInt16(buffer, StatxModeOffset);
        uid = BitConverter.ToUInt32(buffer, StatxUidOffset);
        gid = BitConverter.ToUInt32(buffer, StatxGidOffset);
        return 0;
    }

    /// <summary>The name of group <paramref name="gid"/>, or null when the system knows none.</summary>
    private static string? GroupName(uint gid)
    {
        // struct group: gr_name (a pointer into the buffer), gr_passwd, gr_gid, gr_mem.
        var entry = Marshal.AllocHGlobal(8 * IntPtr.Size);
        try
        {
            for (var size = 4096; size <= 1 << 24; size *= 4)
            {
                var strings = Marshal.AllocHGlobal(size);
                try
                {
                    var error = getgrgid_r(gid, entry, strings, (nuint)size, out var found);
                    if (error == RangeTooSmall)
                    {
                        continue;
                    }

                    return error != 0 || found == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry));
                }
                finally
                {
                    Marshal.FreeHGlobal(strings);
                }
            }

            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(entry);
        }
    }

#pragma warning disable IDE1006 // libc functions keep their C names
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc")]
    private static extern int getgrgid_r(uint gid, IntPtr entry, IntPtr buffer, nuint size, out IntPtr result);
#pragma warning restore IDE1006
}
