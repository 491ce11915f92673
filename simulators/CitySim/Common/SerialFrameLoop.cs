namespace City.Sim.Common;

/// <summary>What a simulator's frame reader found at the start of the bytes buffered from its serial line.</summary>
internal enum SerialFrameStatus
{
    /// <summary>Only the start of a frame: read more.</summary>
    NeedMoreData,

    /// <summary>Not a frame: skip <c>consumed</c> bytes (at least one) and count a bad frame.</summary>
    Invalid,

    /// <summary>A whole frame of <c>consumed</c> bytes, decoded into the request.</summary>
    Frame,
}

/// <summary>Decodes the frame at the start of <paramref name="buffered"/>, if there is one.</summary>
internal delegate SerialFrameStatus SerialFrameReader<TRequest>(ReadOnlySpan<byte> buffered, out TRequest request, out int consumed);

/// <summary>
/// The read loop of citysim's serial slaves (M-Bus meters, the LUBA interface): reads the line into one buffer, cuts
/// frames with the protocol's reader, and awaits the simulator's handler for each request before looking at the next.
/// </summary>
internal static class SerialFrameLoop
{
    private const int BufferSize = 4096;

    /// <summary>Runs until the stream ends or <paramref name="cancellationToken"/> fires; a full buffer with no frame in it is dropped as one bad frame.</summary>
    public static async Task RunAsync<TRequest>(
        Stream stream, SerialFrameReader<TRequest> read, Func<TRequest, CancellationToken, Task> handle, Action badFrame, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        int filled = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (filled == buffer.Length)
            {
                badFrame();
                filled = 0;
            }

            int received = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                return;
            }

            filled += received;
            int offset = 0;
            while (offset < filled)
            {
                SerialFrameStatus status = read(buffer.AsSpan(offset, filled - offset), out TRequest request, out int consumed);
                if (status == SerialFrameStatus.NeedMoreData)
                {
                    break;
                }

                offset += Math.Max(1, consumed);
                if (status == SerialFrameStatus.Invalid)
                {
                    badFrame();
                    continue;
                }

                await handle(request, cancellationToken).ConfigureAwait(false);
            }

            buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
            filled -= offset;
        }
    }
}
