using System.Net;
using System.Net.Sockets;

namespace City.EndToEnd.Tests;

/// <summary>
/// A TCP proxy between an edge and the broker (bytes forwarded as they are, TLS included) that can hold back everything
/// the broker sends to the edge while the edge's own messages still go through: central commits what the edge publishes,
/// but its acks never arrive. <see cref="CutAsync"/> then drops every connection with what it held, as a link that died.
/// </summary>
internal sealed class AckFreezingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Edge, TcpClient Broker)> _connections = [];
    private readonly Task _accepting;
    private volatile bool _frozen;

    public AckFreezingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>From now on, nothing the broker sends reaches the edge (it is held until the connection is cut).</summary>
    public void FreezeBrokerToEdge() => _frozen = true;

    /// <summary>Closes every connection (what was held is lost) and lets new connections through both ways.</summary>
    public Task CutAsync()
    {
        lock (_connections)
        {
            foreach (var (edge, broker) in _connections)
            {
                edge.Client.Close(0);
                broker.Client.Close(0);
            }

            _connections.Clear();
            _frozen = false;
        }

        return Task.CompletedTask;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient edge;
            try
            {
                edge = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var broker = new TcpClient();
            try
            {
                await broker.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (SocketException)
            {
                edge.Dispose();
                broker.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add((edge, broker));
            }

            _ = PumpAsync(edge.GetStream(), broker.GetStream(), holdWhenFrozen: false);
            _ = PumpAsync(broker.GetStream(), edge.GetStream(), holdWhenFrozen: true);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool holdWhenFrozen)
    {
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(chunk, _stop.Token)) > 0)
            {
                if (holdWhenFrozen && _frozen)
                {
                    // Held: never written. The connection is cut later and these bytes go with it.
                    continue;
                }

                await to.WriteAsync(chunk.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The connection was cut (by the test or either side): the other pump ends the same way.
        }
        finally
        {
            from.Close(0);
            to.Close(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await CutAsync();
        await _accepting;
        _stop.Dispose();
    }
}
