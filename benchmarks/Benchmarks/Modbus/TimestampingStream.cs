using System.Diagnostics;

namespace City.Benchmarks.Modbus;

/// <summary>
/// Passes reads and writes through to a serial port's stream and notes when they happen, so that the RTU benchmark can
/// split each request's time into: waiting before the send, the send, waiting for the first response byte, the rest of
/// the response. Timestamps are <see cref="Stopwatch.GetTimestamp"/> values; 0 = not seen since <see cref="Reset"/>.
/// Does not own the inner stream.
/// </summary>
internal sealed class TimestampingStream(Stream inner) : Stream
{
    public long WriteStarted { get; private set; }

    public long FlushEnded { get; private set; }

    public long FirstReadEnded { get; private set; }

    public long LastReadEnded { get; private set; }

    public int ReadCalls { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Reset()
    {
        WriteStarted = FlushEnded = FirstReadEnded = LastReadEnded = 0;
        ReadCalls = 0;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        long now = Stopwatch.GetTimestamp();
        if (FirstReadEnded == 0)
        {
            FirstReadEnded = now;
        }

        LastReadEnded = now;
        ReadCalls++;
        return count;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        WriteStarted = Stopwatch.GetTimestamp();
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        FlushEnded = Stopwatch.GetTimestamp();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous use only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous use only.");

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
