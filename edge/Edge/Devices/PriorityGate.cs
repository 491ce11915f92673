namespace City.Edge.Devices;

/// <summary>
/// A one-at-a-time gate with two lanes: when it is released, a waiter of the priority lane (a write, a remote command) goes
/// before every waiter of the normal lane (the poller's reads), whatever their order of arrival; within a lane, first come
/// first served. So a command waits at most for the transaction already on the bus. A cancelled wait leaves its lane.
/// </summary>
internal sealed class PriorityGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource> _priority = new();
    private readonly LinkedList<TaskCompletionSource> _normal = new();
    private bool _held;

    /// <summary>Waiters in each lane (tests).</summary>
    public (int Priority, int Normal) Waiting
    {
        get
        {
            lock (_lock)
            {
                return (_priority.Count, _normal.Count);
            }
        }
    }

    public Task EnterAsync(bool priority, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return Task.CompletedTask;
            }

            var lane = priority ? _priority : _normal;
            node = lane.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    // Still waiting: leave the lane. Already granted: the caller holds the gate and releases it as usual.
                    if (node.List is { } list)
                    {
                        list.Remove(node);
                        node.Value.TrySetCanceled(cancellationToken);
                    }
                }
            });
            _ = node.Value.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return node.Value.Task;
    }

    public void Release()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            var lane = _priority.Count > 0 ? _priority : _normal;
            if (lane.First is { } first)
            {
                lane.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _held = false;
                return;
            }
        }

        next.SetResult();
    }
}
