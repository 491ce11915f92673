using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace City.TestSupport;

/// <summary>
/// A TCP proxy on loopback between a client and its server that misbehaves on request, the way a street cabinet's mobile
/// link does: it delays every chunk (latency), stalls (bytes stop moving both ways while the connections stay open: the
/// route lost packets and TCP keeps retransmitting), freezes one direction (what the server sends is held back while the
/// client's traffic still arrives: a route lost one way, the server's acknowledgements with it), resets every connection, cuts each connection after a given number
/// of bytes (a frame cut in the middle), and refuses new connections. IP packets are not dropped one by one (TCP would
/// retransmit them): what an application sees of lost packets is a stall, a late burst or a reset, and those are what
/// this makes.
/// </summary>
public sealed class ChaosProxy : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;

    private readonly IPEndPoint _target;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;
    private TaskCompletionSource _flowing = NewOpenGate();
    private long _delayTicks;
    private long _connections;
    private long _resets;
    private long _bytes;

    public ChaosProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How long each chunk is held before it goes on (both directions, order kept, throughput not limited).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>New connections are closed as soon as they are accepted (no route): the client's reconnects fail.</summary>
    public bool Refusing { get; set; }

    /// <summary>Connections accepted and passed on so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections this proxy reset (<see cref="ResetAll"/>, <see cref="CutAfter"/>, refused ones).</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>Bytes passed on, both directions.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytes);

    /// <summary>Nothing moves until <see cref="Resume"/>; the bytes wait in the proxy and TCP's windows fill up behind them.</summary>
    public void Stall()
    {
        lock (_gate)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            _flowing.TrySetResult();
        }
    }

    /// <summary>
    /// On every connection open now, what the server sends is held back and never delivered (it is lost with the connection
    /// when <see cref="ResetAll"/> ends it), while the client's bytes still reach the server. New connections flow both ways.
    /// </summary>
    public void FreezeServerToClient()
    {
        lock (_gate)
        {
            foreach (var link in _links)
            {
                Interlocked.Exchange(ref link.ServerToClientFrozen, 1);
            }
        }
    }

    /// <summary>Resets every open connection (RST, no goodbye) and returns how many there were.</summary>
    public int ResetAll()
    {
        List<Link> links;
        lock (_gate)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            Reset(link);
        }

        return links.Count;
    }

    /// <summary>Each open connection forwards at most <paramref name="bytes"/> more bytes (counted over both directions), then is reset mid-stream.</summary>
    public void CutAfter(long bytes)
    {
        lock (_gate)
        {
            foreach (var link in _links)
            {
                Interlocked.Exchange(ref link.Budget, bytes);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Resume();
        ResetAll();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Refusing)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                Interlocked.Increment(ref _resets);
                continue;
            }

            _ = RunLinkAsync(client);
        }
    }

    private async Task RunLinkAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The server is down (a broker restarting): the client sees its connection closed, as it would without us.
            server.Dispose();
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            return;
        }

        var link = new Link(client, server);
        lock (_gate)
        {
            _links.Add(link);
        }

        Interlocked.Increment(ref _connections);
        await Task.WhenAll(PumpAsync(link, client, server, fromServer: false), PumpAsync(link, server, client, fromServer: true)).ConfigureAwait(false);
        lock (_gate)
        {
            _links.Remove(link);
        }

        client.Dispose();
        server.Dispose();
    }

    /// <summary>One direction: a reader that stamps each chunk with its due time, a writer that sends it then (or later).</summary>
    private async Task PumpAsync(Link link, Socket from, Socket to, bool fromServer)
    {
        var chunks = Channel.CreateBounded<(byte[] Data, int Length, DateTime Due)>(64);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var buffer = new byte[ChunkBytes];
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    await chunks.Writer.WriteAsync((buffer, read, DateTime.UtcNow + Delay), _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or ChannelClosedException)
            {
                // Reset or stopped: the writer ends with the channel.
            }
            finally
            {
                chunks.Writer.TryComplete();
            }
        });

        try
        {
            await foreach (var (data, length, due) in chunks.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token).ConfigureAwait(false);
                }

                Task flowing;
                lock (_gate)
                {
                    flowing = _flowing.Task;
                }

                await flowing.WaitAsync(_stop.Token).ConfigureAwait(false);
                if (fromServer && Interlocked.CompareExchange(ref link.ServerToClientFrozen, 0, 0) == 1)
                {
                    continue;
                }

                var send = length;
                var budget = Interlocked.Read(ref link.Budget);
                if (budget >= 0)
                {
                    send = (int)Math.Min(length, budget);
                    Interlocked.Add(ref link.Budget, -send);
                }

                if (send > 0)
                {
                    await to.SendAsync(data.AsMemory(0, send), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    Interlocked.Add(ref _bytes, send);
                }

                if (send < length)
                {
                    Reset(link);
                    break;
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Reset(link);
        }

        await reading.ConfigureAwait(false);
    }

    private void Reset(Link link)
    {
        if (Interlocked.Exchange(ref link.Reset, 1) == 1)
        {
            return;
        }

        Interlocked.Increment(ref _resets);
        foreach (var socket in new[] { link.Client, link.Server })
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
                // Closed by the other direction already.
            }
        }
    }

    private sealed class Link(Socket client, Socket server)
    {
        public readonly Socket Client = client;
        public readonly Socket Server = server;

        /// <summary>Bytes this connection may still forward; -1 unlimited.</summary>
        public long Budget = -1;

        public int Reset;

        /// <summary>1: what the server sends on this connection is held back (<see cref="FreezeServerToClient"/>).</summary>
        public int ServerToClientFrozen;
    }
}
