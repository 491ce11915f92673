using City.Central.Ingest;

namespace City.Central.Tests;

/// <summary>The ingest queue's second bound: payload bytes held until the worker has processed them.</summary>
public sealed class IngestQueueBytesTests
{
    private static IncomingMessage Message(int bytes) => new("city/v1/gw-1/data", new byte[bytes], bytes, false);

    [Fact]
    public async Task AWriteAboveTheByteBudget_WaitsUntilTheWorkerHasProcessedEnough()
    {
        var queue = new IngestQueue(capacity: 100, maxBytes: 1000);
        await queue.WriteAsync(Message(600), CancellationToken.None);
        await queue.WriteAsync(Message(400), CancellationToken.None);
        Assert.Equal(1000, queue.Bytes);

        var third = queue.WriteAsync(Message(300), CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        Assert.Equal(2, queue.Depth);

        // Taking messages off the queue frees nothing: the group they form is still in memory until processed.
        Assert.True(queue.Reader.TryRead(out var first));
        Assert.False(third.IsCompleted);

        queue.Processed(IngestQueue.SizeOf(first));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(700, queue.Bytes);
        Assert.Equal(2, queue.Depth);
    }

    [Fact]
    public async Task AMessageLargerThanTheWholeBudget_PassesWhenNothingElseIsHeld()
    {
        var queue = new IngestQueue(capacity: 10, maxBytes: 100);
        await queue.WriteAsync(Message(500), CancellationToken.None);
        Assert.Equal(500, queue.Bytes);

        var next = queue.WriteAsync(Message(1), CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        Assert.True(queue.Reader.TryRead(out var large));
        queue.Processed(IngestQueue.SizeOf(large));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, queue.Bytes);
    }

    [Fact]
    public async Task AWaitingWrite_IsCancelled_AndReservesNothing()
    {
        var queue = new IngestQueue(capacity: 10, maxBytes: 100);
        await queue.WriteAsync(Message(100), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.WriteAsync(Message(50), cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(100, queue.Bytes);
        Assert.Equal(1, queue.Depth);
    }
}
