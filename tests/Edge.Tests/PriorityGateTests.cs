using City.Edge.Devices;

namespace City.Edge.Tests;

/// <summary>The gate of a Modbus device: a write waits only for the request on the wire, never behind the poller's queued reads.</summary>
public sealed class PriorityGateTests
{
    [Fact]
    public async Task A_priority_waiter_goes_before_normal_waiters_that_came_first()
    {
        var gate = new PriorityGate();
        await gate.EnterAsync(priority: false, CancellationToken.None); // the read on the wire
        var read1 = gate.EnterAsync(priority: false, CancellationToken.None);
        var read2 = gate.EnterAsync(priority: false, CancellationToken.None);
        var write = gate.EnterAsync(priority: true, CancellationToken.None);
        Assert.Equal((1, 2), gate.Waiting);

        gate.Release();
        Assert.True(write.IsCompletedSuccessfully);
        Assert.False(read1.IsCompleted);
        Assert.False(read2.IsCompleted);

        gate.Release();
        Assert.True(read1.IsCompletedSuccessfully);
        Assert.False(read2.IsCompleted);
        gate.Release();
        Assert.True(read2.IsCompletedSuccessfully);
        gate.Release();
        Assert.True(gate.EnterAsync(priority: false, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Priority_waiters_are_served_in_their_order_of_arrival()
    {
        var gate = new PriorityGate();
        await gate.EnterAsync(priority: false, CancellationToken.None);
        var first = gate.EnterAsync(priority: true, CancellationToken.None);
        var second = gate.EnterAsync(priority: true, CancellationToken.None);

        gate.Release();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        gate.Release();
        Assert.True(second.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_its_lane_and_is_never_granted()
    {
        var gate = new PriorityGate();
        await gate.EnterAsync(priority: false, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(priority: true, cancel.Token);
        var read = gate.EnterAsync(priority: false, CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal((0, 1), gate.Waiting);

        gate.Release();
        Assert.True(read.IsCompletedSuccessfully);
    }
}
