using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>Who asks for the bus: commands go before any waiting poll query.</summary>
internal enum DaliBusUser
{
    Command,
    Poll,
}

/// <summary>
/// Owns one line's master interface and hands the bus out one transaction at a time. A command waiting behind a poll
/// transaction gets the bus as soon as that transaction ends, before the next poll query. Maintenance (scan, commission)
/// pauses polling: while it holds the pause, poll transactions wait and commands still pass.
/// </summary>
internal sealed class DaliLineBus
{
    private readonly IDaliMaster _master;
    private readonly Lock _gate = new();
    private readonly Queue<TaskCompletionSource> _commandWaiters = new();
    private readonly Queue<TaskCompletionSource> _pollWaiters = new();
    private bool _busy;
    private string? _pausedBy;
    private long _transactions;

    public DaliLineBus(IDaliMaster master)
    {
        ArgumentNullException.ThrowIfNull(master);
        _master = master;
        Commands = new View(this, DaliBusUser.Command);
        Polls = new View(this, DaliBusUser.Poll);
    }

    /// <summary>The master as commands (and maintenance) see it.</summary>
    public IDaliMaster Commands { get; }

    /// <summary>The master as the poll loop sees it.</summary>
    public IDaliMaster Polls { get; }

    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>What holds the poll pause, or null when polling runs.</summary>
    public string? PausedBy
    {
        get
        {
            lock (_gate)
            {
                return _pausedBy;
            }
        }
    }

    /// <summary>Stops polling until the returned lease is disposed; null when something else already paused it (the line is busy).</summary>
    public IDisposable? TryPausePolling(string reason)
    {
        lock (_gate)
        {
            if (_pausedBy is not null)
            {
                return null;
            }

            _pausedBy = reason;
            return new PauseLease(this);
        }
    }

    private void Resume()
    {
        lock (_gate)
        {
            _pausedBy = null;
            if (!_busy)
            {
                GrantNext();
            }
        }
    }

    private async ValueTask<DaliBusResult> SendAsync(DaliBusUser user, DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        await AcquireAsync(user, cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _transactions);
            return await _master.SendAsync(frame, transmit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    private async Task AcquireAsync(DaliBusUser user, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (!_busy && (user == DaliBusUser.Command || (_pausedBy is null && _commandWaiters.Count == 0)))
            {
                _busy = true;
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (user == DaliBusUser.Command ? _commandWaiters : _pollWaiters).Enqueue(waiter);
        }

        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                // Granted just as it was cancelled: hand the bus on instead of leaking it.
                if (waiter.Task.IsCompletedSuccessfully)
                {
                    _busy = false;
                    GrantNext();
                }
                else
                {
                    waiter.TrySetCanceled(cancellationToken);
                }
            }

            throw;
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _busy = false;
            GrantNext();
        }
    }

    // Called under _gate with the bus free.
    private void GrantNext()
    {
        if (TryGrant(_commandWaiters))
        {
            return;
        }

        if (_pausedBy is null)
        {
            TryGrant(_pollWaiters);
        }
    }

    private bool TryGrant(Queue<TaskCompletionSource> waiters)
    {
        while (waiters.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                _busy = true;
                return true;
            }
        }

        return false;
    }

    private sealed class View(DaliLineBus bus, DaliBusUser user) : IDaliMaster
    {
        public ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken) =>
            bus.SendAsync(user, frame, transmit, cancellationToken);
    }

    private sealed class PauseLease(DaliLineBus bus) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bus.Resume();
            }
        }
    }
}
