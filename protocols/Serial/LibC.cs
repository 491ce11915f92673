using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace City.Protocols.Serial;

/// <summary>
/// The libc calls of the termios transport, with Linux's values (the same on x86-64, arm64 and arm: asm-generic and
/// glibc's termios-*.h headers). The termios structure is handled as bytes at glibc's offsets; only c_iflag, c_oflag,
/// c_cflag, c_lflag and c_cc are touched directly, the speeds through cfsetispeed/cfsetospeed.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    public const int ORdWr = 0x2;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EInval = 22;

    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int TcsaNow = 0;
    public const int TciFlush = 0;

    public const uint FionRead = 0x541B;
    public const int EfdCloExec = 0x80000;
    public const int EfdNonBlock = 0x800;

    // termios layout (glibc, NCCS 32): c_iflag 0, c_oflag 4, c_cflag 8, c_lflag 12, c_line 16, c_cc 17..48, c_ispeed 52, c_ospeed 56.
    public const int TermiosSize = 60;
    public const int CIflagOffset = 0;
    public const int CCflagOffset = 8;
    public const int CCcOffset = 17;
    public const int VTime = 5;
    public const int VMin = 6;

    public const uint CSize = 0x30;
    public const uint CS5 = 0x0;
    public const uint CS6 = 0x10;
    public const uint CS7 = 0x20;
    public const uint CS8 = 0x30;
    public const uint CStopB = 0x40;
    public const uint CRead = 0x80;
    public const uint ParEnb = 0x100;
    public const uint ParOdd = 0x200;
    public const uint CLocal = 0x800;
    public const uint CMsPar = 0x40000000;
    public const uint CRtsCts = 0x80000000;
    public const uint InPck = 0x10;
    public const uint IStrip = 0x20;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    public static partial void CfMakeRaw(byte* termios);

    [LibraryImport("libc", EntryPoint = "cfsetispeed", SetLastError = true)]
    public static partial int CfSetISpeed(byte* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "cfsetospeed", SetLastError = true)]
    public static partial int CfSetOSpeed(byte* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "tcflush", SetLastError = true)]
    public static partial int TcFlush(int fd, int queueSelector);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    /// <summary>The speed_t constant of a standard baud rate (termios' Bnnn), or false for a rate the plain termios interface cannot set.</summary>
    public static bool TrySpeedConstant(int baudRate, out uint speed)
    {
        speed = baudRate switch
        {
            50 => 1, 75 => 2, 110 => 3, 134 => 4, 150 => 5, 200 => 6, 300 => 7, 600 => 8, 1200 => 9, 1800 => 10, 2400 => 11,
            4800 => 12, 9600 => 13, 19200 => 14, 38400 => 15, 57600 => 0x1001, 115200 => 0x1002, 230400 => 0x1003,
            460800 => 0x1004, 500000 => 0x1005, 576000 => 0x1006, 921600 => 0x1007, 1000000 => 0x1008, 1152000 => 0x1009,
            1500000 => 0x100A, 2000000 => 0x100B, 2500000 => 0x100C, 3000000 => 0x100D, 3500000 => 0x100E, 4000000 => 0x100F,
            _ => 0,
        };
        return speed != 0;
    }
}
