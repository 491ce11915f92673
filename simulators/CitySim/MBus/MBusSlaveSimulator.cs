using System.Buffers;
using City.Protocols.MBus;

namespace City.Sim.MBus;

/// <summary>
/// The wire side of a simulated M-Bus line on a byte stream (a serial port, or one end of a socat pty pair): reads the
/// master's frames, lets the line answer, and with wire timing sends the answer as a real line would: it starts after the
/// request's own wire time plus the slave's response delay (33 bit times) and arrives at the baud rate, a few characters
/// at a time. A pty moves bytes instantly, so without this a master's timeouts would never be tested.
/// </summary>
internal sealed class MBusSlaveSimulator(Stream stream, MBusSimLine line, MBusTiming timing, TimeProvider time, bool wireTiming)
{
    public long BadFrames { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        int filled = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (filled == buffer.Length)
            {
                BadFrames++;
                filled = 0;
            }

            int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            filled += read;
            int offset = 0;
            while (offset < filled)
            {
                var status = MBusFraming.TryRead(buffer.AsSpan(offset, filled - offset), out MBusFrame request, out int consumed, out _);
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }

                if (status == OperationStatus.InvalidData)
                {
                    // Resynchronise on the next byte; the master will time out and repeat.
                    BadFrames++;
                    offset++;
                    continue;
                }

                offset += consumed;
                byte[] answer = line.Handle(request);
                if (answer.Length > 0)
                {
                    await AnswerAsync(answer, MBusFraming.EncodedLength(request), cancellationToken).ConfigureAwait(false);
                }
            }

            buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
            filled -= offset;
        }
    }

    private async Task AnswerAsync(byte[] answer, int requestLength, CancellationToken cancellationToken)
    {
        if (!wireTiming)
        {
            await stream.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        long start = time.GetTimestamp();
        TimeSpan firstCharacter = timing.TransmissionTime(requestLength) + timing.SlaveResponseDelay;
        int perChunk = Math.Max(1, (int)(timing.BaudRate / MBusTiming.BitsPerCharacter * 0.02));
        for (int sent = 0; sent < answer.Length;)
        {
            int count = Math.Min(perChunk, answer.Length - sent);
            TimeSpan due = firstCharacter + timing.TransmissionTime(sent + count);
            TimeSpan wait = due - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            await stream.WriteAsync(answer.AsMemory(sent, count), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            sent += count;
        }
    }
}
