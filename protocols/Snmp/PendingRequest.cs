using System.Net;
using System.Threading.Tasks.Sources;

namespace City.Protocols.Snmp;

/// <summary>
/// One outstanding request of <see cref="SnmpManager"/>: the receive loop hands it the answer, the attempt timer tells
/// it an attempt is over, and the requester awaits either without a Task or a timer allocated per attempt. The
/// requester's continuation runs synchronously on whichever of them completes the wait (no thread-pool hop).
/// </summary>
internal sealed class PendingRequest(IPEndPoint agent) : IValueTaskSource<bool>
{
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core;
    private ReadOnlyMemory<byte>? _answer;
    private bool _waiting;
    private bool _timedOut;
    private bool _closed;
    private CancellationToken _cancelled;
    private bool _isCancelled;

    public IPEndPoint Agent { get; } = agent;

    /// <summary>Called before the attempt's timer is armed: forgets an earlier attempt's timeout.</summary>
    public void BeginAttempt()
    {
        lock (_gate)
        {
            _timedOut = false;
        }
    }

    /// <summary>True when an answer is there (<see cref="TakeAnswer"/>), false when the attempt timed out.</summary>
    public ValueTask<bool> WaitAsync()
    {
        lock (_gate)
        {
            if (_isCancelled)
            {
                return ValueTask.FromException<bool>(new OperationCanceledException(_cancelled));
            }

            if (_answer is not null)
            {
                return new ValueTask<bool>(true);
            }

            if (_timedOut)
            {
                return new ValueTask<bool>(false);
            }

            _core.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _core.Version);
        }
    }

    /// <summary>The answer that ended the wait; the next wait waits for another one (this one did not decode).</summary>
    public ReadOnlyMemory<byte> TakeAnswer()
    {
        lock (_gate)
        {
            ReadOnlyMemory<byte> answer = _answer ?? throw new InvalidOperationException("No answer to take.");
            _answer = null;
            return answer;
        }
    }

    /// <summary>From the receive loop; false when the request no longer takes answers (or already holds one).</summary>
    public bool Answer(ReadOnlyMemory<byte> data)
    {
        lock (_gate)
        {
            if (_closed || _answer is not null)
            {
                return false;
            }

            _answer = data;
            if (!_waiting)
            {
                return true;
            }

            _waiting = false;
        }

        _core.SetResult(true);
        return true;
    }

    public void AttemptTimedOut()
    {
        lock (_gate)
        {
            if (_closed || _answer is not null)
            {
                return;
            }

            if (!_waiting)
            {
                _timedOut = true;
                return;
            }

            _waiting = false;
        }

        _core.SetResult(false);
    }

    public void Cancel(CancellationToken token)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _isCancelled = true;
            _cancelled = token;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _core.SetException(new OperationCanceledException(token));
    }

    /// <summary>The request is over: later answers, timer ticks and cancellation are ignored.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
