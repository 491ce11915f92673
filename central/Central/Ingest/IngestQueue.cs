using System.Threading.Channels;

namespace City.Central.Ingest;

/// <summary>
/// The bounded queue between the MQTT client and the ingest worker, bounded twice: at most <c>capacity</c> messages and
/// at most <c>maxBytes</c> of payload, counted from when a message is written until the worker has processed the group
/// it was taken in (<see cref="Processed"/>), so the bytes budget covers the group being committed too. When either
/// bound is reached, the client's handler waits, the client stops acknowledging to the broker, and the broker stops
/// sending. A message larger than the whole budget still passes when nothing else is held (never a deadlock).
/// </summary>
internal sealed class IngestQueue
{
    private readonly Channel<IncomingMessage> _channel;
    private readonly SemaphoreSlim _bytesFreed = new(0);
    private readonly long _maxBytes;
    private long _bytes;
    private int _waiting;

    public IngestQueue(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxBytes = maxBytes;
        _channel = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<IncomingMessage> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;

    /// <summary>Payload bytes written and not yet processed.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public long MaxBytes => _maxBytes;

    /// <summary>Queues a message, waiting while the queue holds its capacity in messages or its budget in bytes.</summary>
    public async ValueTask WriteAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var size = message.Payload?.Length ?? 0;
        await ReserveAsync(size, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_channel.Writer.TryWrite(message))
            {
                await _channel.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Processed(size);
            throw;
        }
    }

    /// <summary>The worker is done with messages of these many payload bytes (committed, rejected or acknowledged).</summary>
    public void Processed(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        Interlocked.Add(ref _bytes, -bytes);
        if (Volatile.Read(ref _waiting) > 0)
        {
            _bytesFreed.Release();
        }
    }

    public static long SizeOf(IncomingMessage message) => message.Payload?.Length ?? 0;

    private async ValueTask ReserveAsync(long size, CancellationToken cancellationToken)
    {
        if (size == 0 || TryReserve(size))
        {
            return;
        }

        Interlocked.Increment(ref _waiting);
        try
        {
            // Checked again after registering as waiting: bytes freed in between released the semaphore.
            while (!TryReserve(size))
            {
                await _bytesFreed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private bool TryReserve(long size)
    {
        while (true)
        {
            var held = Interlocked.Read(ref _bytes);
            if (held != 0 && held + size > _maxBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _bytes, held + size, held) == held)
            {
                return true;
            }
        }
    }
}
