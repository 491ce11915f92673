using System.Diagnostics;
using City.Protocols.Serial;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// protocols/Serial under the RTU stack: the termios transport against System.IO.Ports on a socat pseudo-terminal pair
/// (bytes both ways, unread count, discard, a cancelled and a disposed pending read), the choice of transport, and the
/// precise delay on a manual clock. Never skipped: a missing socat is a failure.
/// </summary>
public sealed class SerialConnectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Termios_AndPortable_MoveBytesBothWays_CountAndDiscardUnreadInput()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        using SerialConnection termios = SerialConnection.Open(new SerialLineSettings(pair.PortA) { BaudRate = 115200, Transport = SerialTransportKind.Termios });
        using SerialConnection portable = SerialConnection.Open(new SerialLineSettings(pair.PortB) { BaudRate = 115200, Transport = SerialTransportKind.Portable });
        Assert.Equal(SerialTransportKind.Termios, termios.Kind);
        Assert.Equal(SerialTransportKind.Portable, portable.Kind);

        byte[] request = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        await termios.Stream.WriteAsync(request);
        Assert.Equal(request, await ReadExactlyAsync(portable.Stream, request.Length));

        byte[] answer = [.. Enumerable.Range(0, 255).Select(i => (byte)i)];
        await portable.Stream.WriteAsync(answer);
        await portable.Stream.FlushAsync();
        Assert.Equal(answer, await ReadExactlyAsync(termios.Stream, answer.Length));

        await portable.Stream.WriteAsync(new byte[] { 1, 2, 3 });
        await portable.Stream.FlushAsync();
        await Until.TrueAsync(() => termios.BytesToRead == 3, "three unread bytes on the termios side");
        termios.DiscardInput();
        Assert.Equal(0, termios.BytesToRead);

        await portable.Stream.WriteAsync(new byte[] { 9 });
        await portable.Stream.FlushAsync();
        Assert.Equal([9], await ReadExactlyAsync(termios.Stream, 1));
    }

    [Fact]
    public async Task Termios_PendingRead_EndsWhenCancelledAndWhenThePortCloses()
    {
        await using SocatPtyPair pair = await SocatPtyPair.StartAsync(Deadline);
        SerialConnection termios = SerialConnection.Open(new SerialLineSettings(pair.PortA) { Transport = SerialTransportKind.Termios });

        using var cancel = new CancellationTokenSource();
        ValueTask<int> cancelled = termios.Stream.ReadAsync(new byte[16], cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);

        ValueTask<int> pending = termios.Stream.ReadAsync(new byte[16]);
        termios.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pending);
    }

    [Fact]
    public void Resolve_PicksTermiosOnLinuxAtStandardRates_PortableOtherwise()
    {
        Assert.Equal(SerialTransportKind.Portable, SerialConnection.Resolve(SerialTransportKind.Portable, 19200));
        if (Environment.GetEnvironmentVariable(SerialTransportNames.EnvironmentVariable) is null)
        {
            Assert.Equal(OperatingSystem.IsLinux() ? SerialTransportKind.Termios : SerialTransportKind.Portable, SerialConnection.Resolve(SerialTransportKind.Auto, 19200));
            Assert.Equal(SerialTransportKind.Portable, SerialConnection.Resolve(SerialTransportKind.Auto, 14400));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => SerialConnection.Resolve(SerialTransportKind.Termios, 14400));
        Assert.True(SerialTransportNames.TryParse(" Termios ", out SerialTransportKind parsed));
        Assert.Equal(SerialTransportKind.Termios, parsed);
        Assert.False(SerialTransportNames.TryParse("usb", out _));
    }

    [Fact]
    public async Task PreciseDelay_OnAManualClock_WaitsForThatClock()
    {
        var clock = new ManualTimeProvider();
        Task waiting = PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(2), clock, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(2));
        await waiting;

        var stopwatch = Stopwatch.StartNew();
        await PreciseDelay.WaitAsync(TimeSpan.FromMilliseconds(3), TimeProvider.System, CancellationToken.None);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(3), $"woke after {stopwatch.Elapsed}");
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Deadline);
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }
}
