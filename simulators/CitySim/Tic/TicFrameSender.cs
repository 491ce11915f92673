using City.Protocols.Tic;

namespace City.Sim.Tic;

/// <summary>
/// Sends the meter's frames one after the other at the wire speed of the mode (a pty moves bytes instantly, a real meter
/// does not: a historic frame takes 1.5-2 s at 1200 baud), with the short pause a meter leaves between frames.
/// A share of the groups can be sent with a wrong checksum.
/// </summary>
internal sealed class TicFrameSender(Stream stream, TicMeter meter, TicMode mode, double badChecksumRate, int seed, TimeProvider time)
{
    /// <summary>Between two frames a meter stays silent for about 16.7-33.4 ms.</summary>
    private static readonly TimeSpan InterFrameGap = TimeSpan.FromMilliseconds(25);

    private readonly Random _faults = new(seed ^ 0x54C);

    public long Frames { get; private set; }

    public long Groups { get; private set; }

    public long BadChecksums { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            meter.Advance();
            byte[] frame = Encode(meter.Frame(mode));
            await SendPacedAsync(frame, cancellationToken).ConfigureAwait(false);
            Frames++;
            await Task.Delay(InterFrameGap, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The frame's bytes, with the checksums of the groups picked for a fault changed.</summary>
    internal byte[] Encode(IReadOnlyList<TicGroup> groups)
    {
        byte[] frame = TicFrameEncoder.Encode(groups, mode);
        if (badChecksumRate > 0)
        {
            // Each group ends with "checksum CR": change the checksum of the groups picked to another printable one.
            for (int at = 0; at < frame.Length; at++)
            {
                if (frame[at] == TicChars.CR && _faults.NextDouble() < badChecksumRate)
                {
                    frame[at - 1] = (byte)(0x20 + ((frame[at - 1] - 0x20 + 1 + _faults.Next(62)) % 64));
                    BadChecksums++;
                }
            }
        }

        Groups += groups.Count;
        return frame;
    }

    /// <summary>Writes in slices of about 10 ms of wire time and waits until each slice would have left the UART.</summary>
    private async Task SendPacedAsync(byte[] frame, CancellationToken cancellationToken)
    {
        int slice = Math.Max(1, mode.BaudRate() / TicModes.BitsPerCharacter / 100);
        long started = time.GetTimestamp();
        for (int at = 0; at < frame.Length; at += slice)
        {
            int count = Math.Min(slice, frame.Length - at);
            await stream.WriteAsync(frame.AsMemory(at, count), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            TimeSpan due = mode.WireTime(at + count) - time.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
