using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace City.Protocols.Modbus;

/// <summary>A connection of a <see cref="ModbusTcpSlave"/> failed or a register map call threw.</summary>
public sealed class ModbusConnectionFaultEventArgs(EndPoint? remoteEndPoint, Exception exception) : EventArgs
{
    public EndPoint? RemoteEndPoint { get; } = remoteEndPoint;

    public Exception Exception { get; } = exception;
}

/// <summary>
/// Modbus TCP server (slave) serving functions 01, 02, 03, 04, 05, 06, 15, 16, 17, 22, 23 and 43/14 from an
/// <see cref="IModbusRegisterMap"/> to any number of concurrent connections, through <see cref="ModbusRequestDispatcher"/>.
/// Unknown functions are answered with exception 01, out-of-range quantities, byte counts and values with exception 03.
/// A connection that sends a malformed frame is closed; others are unaffected. Requests of one connection are answered in
/// order. Fault injection (<see cref="ModbusTcpSlaveOptions.Faults"/>): silent units, busy and exception answers, slow answers.
/// </summary>
public sealed class ModbusTcpSlave : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly IModbusRegisterMap _registerMap;
    private readonly ModbusFaultInjector _faults;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private CancellationTokenSource? _stopping;
    private Task? _acceptLoop;
    private long _nextConnectionId;
    private int _disposed;

    public ModbusTcpSlave(IPEndPoint endPoint, IModbusRegisterMap registerMap, ModbusTcpSlaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(registerMap);
        options ??= new ModbusTcpSlaveOptions();
        if (options.Faults?.CrcErrorProbability > 0)
        {
            throw new ArgumentException("CRC errors do not exist on Modbus TCP: CrcErrorProbability must be 0.", nameof(options));
        }

        _endPoint = endPoint;
        _registerMap = registerMap;
        _faults = new ModbusFaultInjector(options.Faults, nameof(options));
        _time = options.TimeProvider ?? throw new ArgumentException("TimeProvider must be set.", nameof(options));
    }

    /// <summary>
    /// Raised on a background thread when a connection is closed because of an error (malformed frame, I/O failure)
    /// or when the register map throws. Handlers must not throw.
    /// </summary>
    public event EventHandler<ModbusConnectionFaultEventArgs>? ConnectionFaulted;

    /// <summary>The bound endpoint, with the actual port when port 0 was requested.</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("The slave has not been started."));

    public int ActiveConnectionCount => _connections.Count;

    /// <summary>Requests for a silent unit (fault injection): read, not executed, not answered.</summary>
    public long SilencedCount => _faults.SilencedCount;

    /// <summary>Requests answered with exception 06 by fault injection (not executed).</summary>
    public long BusyAnswerCount => _faults.BusyAnswerCount;

    /// <summary>Requests answered with the injected exception code (not executed).</summary>
    public long InjectedExceptionCount => _faults.InjectedExceptionCount;

    /// <summary>Fault injection at run time: the next <paramref name="requests"/> requests are answered with exception 06 (server device busy).</summary>
    public void AnswerBusy(int requests) => _faults.AnswerBusy(requests);

    /// <summary>Binds, listens and starts accepting. Cancelling <paramref name="cancellationToken"/> stops accepting and closes all connections.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The slave has already been started.");
        }

        var listener = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_endPoint);
            listener.Listen(backlog: 128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _acceptLoop = AcceptConnectionsAsync(listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || _stopping is null || _listener is null || _acceptLoop is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptConnectionsAsync(Socket listener, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection reset before it was accepted; the listener itself is fine.
                OnConnectionFaulted(null, ex);
                continue;
            }

            // Registered before it starts, so its own removal on completion cannot run first.
            long connectionId = Interlocked.Increment(ref _nextConnectionId);
            var connection = new Task<Task>(() => ServeConnectionAsync(connectionId, socket, stoppingToken));
            _connections[connectionId] = connection.Unwrap();
            connection.Start(TaskScheduler.Default);
        }
    }

    private async Task ServeConnectionAsync(long connectionId, Socket socket, CancellationToken stoppingToken)
    {
        EndPoint? remoteEndPoint = socket.RemoteEndPoint;
        var transport = new ModbusTcpTransport(socket);
        byte[] requestPdu = new byte[MbapHeader.MaxPduLength];
        byte[] responseAdu = new byte[MbapHeader.MaxAduLength];
        Action<Exception> mapFaulted = ex => OnConnectionFaulted(remoteEndPoint, ex);
        try
        {
            while (true)
            {
                MbapHeader? received = await transport.ReceiveFrameAsync(requestPdu, stoppingToken).ConfigureAwait(false);
                if (received is not MbapHeader request)
                {
                    return;
                }

                ModbusFaultVerdict verdict = _faults.Decide(request.UnitId, requestPdu[0], responseAdu.AsSpan(MbapHeader.Size), out int responseLength);
                if (verdict == ModbusFaultVerdict.Silent)
                {
                    continue;
                }

                if (verdict == ModbusFaultVerdict.Serve)
                {
                    ModbusPduStatus status = ModbusRequestDispatcher.Dispatch(
                        request.UnitId, requestPdu.AsSpan(0, request.PduLength), _registerMap, responseAdu.AsSpan(MbapHeader.Size), out responseLength,
                        mapFaulted);
                    if (status != ModbusPduStatus.Valid)
                    {
                        throw new ModbusProtocolException(
                            $"Malformed request for function {requestPdu[0]:X2} in transaction {request.TransactionId}; closing the connection", status);
                    }
                }

                if (_faults.Faults.ResponseDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_faults.Faults.ResponseDelay, _time, stoppingToken).ConfigureAwait(false);
                }

                MbapHeader.ForPdu(request.TransactionId, request.UnitId, responseLength).TryEncode(responseAdu, out int headerLength);
                await transport.SendAsync(responseAdu.AsMemory(0, headerLength + responseLength), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the slave is being disposed.
        }
        catch (Exception ex)
        {
            OnConnectionFaulted(remoteEndPoint, ex);
        }
        finally
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(connectionId, out _);
        }
    }

    private void OnConnectionFaulted(EndPoint? remoteEndPoint, Exception exception) =>
        ConnectionFaulted?.Invoke(this, new ModbusConnectionFaultEventArgs(remoteEndPoint, exception));
}
