using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;

namespace City.Protocols.Snmp;

/// <summary>
/// The manager's request/response layer over one transport: request ids, the receive loop (or a receive thread on a
/// blocking transport), matching each answer to its pending request by key and sender, and the per-attempt timeout
/// and retries on the injected clock. It moves datagrams out and decoded messages back; GET, walks and the USM are
/// <see cref="SnmpManager"/>'s.
/// </summary>
internal sealed class SnmpExchange : IAsyncDisposable
{
    private readonly ISnmpTransport _transport;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<int, PendingRequest> _pending = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _receiveLoop;
    private int _nextId = RandomNumberGenerator.GetInt32(1, int.MaxValue / 2);
    private long _dropped;

    public SnmpExchange(ISnmpTransport transport, TimeProvider timeProvider)
    {
        _transport = transport;
        _timeProvider = timeProvider;
        if (transport is ISnmpBlockingTransport blocking)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _receiveLoop = done.Task;
            new Thread(() => ReceiveThread(blocking, done)) { IsBackground = true, Name = "SNMP manager receive" }.Start();
        }
        else
        {
            _receiveLoop = Task.Run(ReceiveLoopAsync);
        }
    }

    /// <summary>Datagrams that did not decode or matched no request.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _dropped);

    /// <summary>The last receive error of the transport, if any (the loop keeps receiving after one).</summary>
    public Exception? LastTransportError { get; private set; }

    /// <summary>The next request id or msgID (positive, shared by every request of this manager).</summary>
    public int NextId() => Interlocked.Increment(ref _nextId) & int.MaxValue;

    /// <summary>Sends one datagram that expects no answer (a trap).</summary>
    public ValueTask SendAsync(byte[] datagram, IPEndPoint remote, CancellationToken cancellationToken) =>
        _transport.SendAsync(datagram, remote, cancellationToken);

    public async Task<SnmpMessage> ExchangeAsync(SnmpTarget target, int key, Func<byte[]> datagram, CancellationToken cancellationToken) =>
        (await ExchangeWithBytesAsync(target, key, datagram, cancellationToken).ConfigureAwait(false)).Message;

    /// <summary>
    /// Sends (a fresh datagram per attempt) until an answer with <paramref name="key"/> arrives from the target and
    /// decodes; an answer that does not decode is counted as dropped and the attempt keeps waiting. Returns the decoded
    /// message and its bytes (the USM checks the digest over them).
    /// </summary>
    public async Task<(SnmpMessage Message, ReadOnlyMemory<byte> Data)> ExchangeWithBytesAsync(SnmpTarget target, int key, Func<byte[]> datagram,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingRequest(target.EndPoint);
        if (!_pending.TryAdd(key, pending))
        {
            throw new InvalidOperationException("Request id collision.");
        }

        ITimer? timer = null;
        CancellationTokenRegistration cancellation = default;
        try
        {
            cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingRequest)state!).Cancel(token), pending);
            timer = _timeProvider.CreateTimer(static state => ((PendingRequest)state!).AttemptTimedOut(), pending, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            for (int attempt = 0; attempt <= target.Retries; attempt++)
            {
                await _transport.SendAsync(datagram(), target.EndPoint, cancellationToken).ConfigureAwait(false);
                pending.BeginAttempt();
                timer.Change(target.Timeout, Timeout.InfiniteTimeSpan);
                while (await pending.WaitAsync().ConfigureAwait(false))
                {
                    ReadOnlyMemory<byte> answer = pending.TakeAnswer();
                    if (SnmpCodec.TryDecode(answer.Span, out SnmpMessage? message) == SnmpDecodeStatus.Ok)
                    {
                        return (message!, answer);
                    }

                    Interlocked.Increment(ref _dropped);
                }

                // The attempt timed out: next attempt; an answer to an earlier attempt still completes the same key.
            }

            throw new SnmpTimeoutException($"No answer from {target.EndPoint} after {target.Retries + 1} attempts of {target.Timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            pending.Close();
            _pending.TryRemove(key, out _);
            timer?.Dispose();
            cancellation.Dispose();
        }
    }


    private async Task ReceiveLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            SnmpDatagram datagram;
            try
            {
                datagram = await _transport.ReceiveAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                // Requests waiting on this socket will time out and say so; keep the error for whoever asks why.
                LastTransportError = exception;
                continue;
            }

            // An answer must come from the agent the request went to; anything else is dropped, not matched.
            Dispatch(datagram);
        }
    }

    /// <summary>
    /// The receive loop on a thread of its own, blocked in the socket (see <see cref="ISnmpBlockingTransport"/>). Ends
    /// when the manager is disposed; an unexpected failure faults the loop's task, which <see cref="DisposeAsync"/> rethrows.
    /// </summary>
    private void ReceiveThread(ISnmpBlockingTransport transport, TaskCompletionSource done)
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                SnmpDatagram datagram;
                try
                {
                    datagram = transport.Receive();
                }
                catch (Exception exception) when (_stopping.IsCancellationRequested
                    && exception is ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                    break;
                }
                catch (System.Net.Sockets.SocketException exception)
                {
                    LastTransportError = exception;
                    continue;
                }

                Dispatch(datagram);
            }

            done.SetResult();
        }
        catch (Exception exception)
        {
            done.SetException(exception);
        }
    }

    /// <summary>Hands an answer to its request, which continues inline on the receiving thread (no hop) until it next awaits.</summary>
    private void Dispatch(SnmpDatagram datagram)
    {
        if (!SnmpCodec.TryPeekResponseKey(datagram.Data.Span, out int key) || !_pending.TryGetValue(key, out PendingRequest? pending)
            || !SameEndPoint(pending.Agent, datagram.Remote) || !pending.Answer(datagram.Data))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private static bool SameEndPoint(IPEndPoint expected, IPEndPoint actual) =>
        expected.Port == actual.Port && (expected.Address.Equals(actual.Address)
            || expected.Address.MapToIPv6().Equals(actual.Address.MapToIPv6()));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _transport.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
