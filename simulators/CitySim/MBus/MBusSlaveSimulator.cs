using System.Buffers;
using City.Protocols.MBus;
using City.Sim.Common;

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

    public Task RunAsync(CancellationToken cancellationToken) =>
        SerialFrameLoop.RunAsync<MBusFrame>(stream, ReadFrame, HandleAsync, () => BadFrames++, cancellationToken);

    /// <summary>An invalid frame skips one byte: the reader resynchronises on the next, and the master times out and repeats.</summary>
    private static SerialFrameStatus ReadFrame(ReadOnlySpan<byte> buffered, out MBusFrame request, out int consumed) =>
        MBusFraming.TryRead(buffered, out request, out consumed, out _) switch
        {
            OperationStatus.NeedMoreData => SerialFrameStatus.NeedMoreData,
            OperationStatus.InvalidData => Invalid(out consumed),
            _ => SerialFrameStatus.Frame,
        };

    private static SerialFrameStatus Invalid(out int consumed)
    {
        consumed = 1;
        return SerialFrameStatus.Invalid;
    }

    private async Task HandleAsync(MBusFrame request, CancellationToken cancellationToken)
    {
        byte[] answer = line.Handle(request);
        if (answer.Length > 0)
        {
            await AnswerAsync(answer, MBusFraming.EncodedLength(request), cancellationToken).ConfigureAwait(false);
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
