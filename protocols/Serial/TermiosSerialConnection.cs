using System.IO.Ports;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace City.Protocols.Serial;

/// <summary>
/// A tty opened and configured through termios (raw mode, no flow control, the receiver on, modem lines ignored) and
/// read by one thread of its own, blocked in <c>poll</c> on the descriptor: received bytes complete a pending read on that
/// thread (no hand-over to the thread pool), or wait in a buffer for the next one. Writes go straight to the descriptor
/// from the caller. Reads are non-blocking (VMIN = VTIME = 0): the kernel's inter-character timer counts tenths of a
/// second, far longer than RTU's t3.5 at any baud rate in use, so frame gaps are timed by the protocols on their clock.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class TermiosSerialConnection : SerialConnection
{
    private readonly TermiosStream _stream;

    private TermiosSerialConnection(TermiosStream stream, string name)
        : base(name, SerialTransportKind.Termios)
    {
        _stream = stream;
    }

    public override Stream Stream => _stream;

    public override int BytesToRead => _stream.BytesToRead;

    public override void DiscardInput() => _stream.DiscardInput();

    public static unsafe TermiosSerialConnection OpenTermios(SerialLineSettings settings)
    {
        if (!LibC.TrySpeedConstant(settings.BaudRate, out uint speed))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.BaudRate, "Termios sets standard baud rates only.");
        }

        int fd = LibC.Open(settings.PortName, LibC.ORdWr | LibC.ONoCtty | LibC.ONonBlock | LibC.OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == 13
                ? new UnauthorizedAccessException($"Access to the port '{settings.PortName}' is denied.")
                : new IOException($"Cannot open serial port '{settings.PortName}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        try
        {
            Configure(fd, settings, speed);
            if (LibC.TcFlush(fd, LibC.TciFlush) != 0)
            {
                throw LastError($"tcflush on {settings.PortName}");
            }

            return new TermiosSerialConnection(new TermiosStream(fd, settings.PortName), settings.PortName);
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Raw mode at the given speed and character format; throws <see cref="ArgumentException"/> when the driver refuses them (EINVAL).</summary>
    private static unsafe void Configure(int fd, SerialLineSettings settings, uint speed)
    {
        byte* termios = stackalloc byte[256];
        new Span<byte>(termios, 256).Clear();
        if (LibC.TcGetAttr(fd, termios) != 0)
        {
            throw LastError($"tcgetattr on {settings.PortName} (is it a serial port?)");
        }

        LibC.CfMakeRaw(termios);
        uint cflag = *(uint*)(termios + LibC.CCflagOffset);
        cflag &= ~(LibC.CSize | LibC.CStopB | LibC.ParEnb | LibC.ParOdd | LibC.CMsPar | LibC.CRtsCts);
        cflag |= settings.DataBits switch
        {
            5 => LibC.CS5,
            6 => LibC.CS6,
            7 => LibC.CS7,
            8 => LibC.CS8,
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.DataBits, "Data bits must be 5..8."),
        };
        cflag |= settings.StopBits switch
        {
            StopBits.One => 0,
            StopBits.Two => LibC.CStopB,
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.StopBits, "Stop bits must be 1 or 2 with termios."),
        };
        cflag |= settings.Parity switch
        {
            Parity.None => 0,
            Parity.Even => LibC.ParEnb,
            Parity.Odd => LibC.ParEnb | LibC.ParOdd,
            Parity.Mark => LibC.ParEnb | LibC.ParOdd | LibC.CMsPar,
            Parity.Space => LibC.ParEnb | LibC.CMsPar,
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Parity, "Unknown parity."),
        };
        cflag |= LibC.CRead | LibC.CLocal;
        *(uint*)(termios + LibC.CCflagOffset) = cflag;
        if (settings.Parity != Parity.None)
        {
            // Check received parity (errors read as NUL), and keep the 8th bit of 7-bit characters out.
            *(uint*)(termios + LibC.CIflagOffset) |= LibC.InPck;
        }

        termios[LibC.CCcOffset + LibC.VMin] = 0;
        termios[LibC.CCcOffset + LibC.VTime] = 0;
        if (LibC.CfSetISpeed(termios, speed) != 0 || LibC.CfSetOSpeed(termios, speed) != 0)
        {
            throw LastError($"cfsetspeed {settings.BaudRate} on {settings.PortName}");
        }

        if (LibC.TcSetAttr(fd, LibC.TcsaNow, termios) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == LibC.EInval
                ? new ArgumentException($"{settings.PortName} refuses {settings.BaudRate} baud {settings.DataBits}{settings.Parity.ToString()[0]}{(settings.StopBits == StopBits.Two ? 2 : 1)}.", nameof(settings))
                : new IOException($"tcsetattr on {settings.PortName}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // As with System.IO.Ports, a port that keeps another character format without an error is accepted: a Linux pty
        // drops the parity bits, and on a pty they mean nothing.
    }

    private static IOException LastError(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }
}
