namespace City.Edge.Forwarding;

/// <summary>An auto-reset signal for one waiter: <see cref="Set"/> wakes the current or the next <see cref="WaitAsync"/>.</summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_gate)
        {
            _tcs.TrySetResult();
        }
    }

    /// <summary>Waits for a signal or the timeout (infinite allowed); the signal is consumed.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            task = _tcs.Task;
        }

        try
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            return;
        }

        lock (_gate)
        {
            if (_tcs.Task.IsCompleted)
            {
                _tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
