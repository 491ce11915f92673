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
/// Modbus TCP server (slave) serving functions 03, 04, 06 and 16 from an <see cref="IModbusRegisterMap"/> to any
/// number of concurrent connections. Unknown functions are answered with exception 01, out-of-range quantities
/// and byte counts with exception 03. A connection that sends a malformed frame is closed; others are unaffected.
/// </summary>
public sealed class ModbusTcpSlave : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly IModbusRegisterMap _registerMap;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private CancellationTokenSource? _stopping;
    private Task? _acceptLoop;
    private long _nextConnectionId;
    private int _disposed;

    public ModbusTcpSlave(IPEndPoint endPoint, IModbusRegisterMap registerMap)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(registerMap);
        _endPoint = endPoint;
        _registerMap = registerMap;
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
        ushort[] registers = new ushort[ModbusPdu.MaxReadRegisters];
        try
        {
            while (true)
            {
                MbapHeader? received = await transport.ReceiveFrameAsync(requestPdu, stoppingToken).ConfigureAwait(false);
                if (received is not MbapHeader request)
                {
                    return;
                }

                ModbusPduStatus status = BuildResponse(
                    request.UnitId, requestPdu.AsSpan(0, request.PduLength), responseAdu.AsSpan(MbapHeader.Size), registers, remoteEndPoint, out int responseLength);
                if (status != ModbusPduStatus.Valid)
                {
                    throw new ModbusProtocolException(
                        $"Malformed request for function {requestPdu[0]:X2} in transaction {request.TransactionId}; closing the connection", status);
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

    /// <summary>
    /// Writes the response PDU for one request. Returns <see cref="ModbusPduStatus.Valid"/> when a response (data or
    /// exception) was written, otherwise the reason the request is malformed.
    /// </summary>
    private ModbusPduStatus BuildResponse(
        byte unitId, ReadOnlySpan<byte> request, Span<byte> response, Span<ushort> registers, EndPoint? remoteEndPoint, out int responseLength)
    {
        byte function = request[0];
        ModbusExceptionCode? failure;
        ModbusPduStatus status;
        responseLength = 0;

        switch ((ModbusFunctionCode)function)
        {
            case ModbusFunctionCode.ReadHoldingRegisters:
            case ModbusFunctionCode.ReadInputRegisters:
                status = ModbusPdu.DecodeReadRegistersRequest(request, out ModbusFunctionCode readFunction, out ushort readAddress, out ushort quantity);
                if (status == ModbusPduStatus.QuantityOutOfRange)
                {
                    return WriteException(function, ModbusExceptionCode.IllegalDataValue, response, out responseLength);
                }

                if (status != ModbusPduStatus.Valid)
                {
                    return status;
                }

                Span<ushort> readValues = registers[..quantity];
                failure = readFunction == ModbusFunctionCode.ReadHoldingRegisters
                    ? CallRegisterMap(static (map, unit, address, values) => map.ReadHoldingRegisters(unit, address, values), unitId, readAddress, readValues, remoteEndPoint)
                    : CallRegisterMap(static (map, unit, address, values) => map.ReadInputRegisters(unit, address, values), unitId, readAddress, readValues, remoteEndPoint);
                if (failure is null)
                {
                    ModbusPdu.TryEncodeReadRegistersResponse(readFunction, readValues, response, out responseLength);
                    return ModbusPduStatus.Valid;
                }

                break;

            case ModbusFunctionCode.WriteSingleRegister:
                status = ModbusPdu.DecodeWriteSingleRegisterRequest(request, out ushort singleAddress, out ushort value);
                if (status != ModbusPduStatus.Valid)
                {
                    return status;
                }

                registers[0] = value;
                failure = CallRegisterMap(static (map, unit, address, values) => map.WriteSingleRegister(unit, address, values[0]), unitId, singleAddress, registers[..1], remoteEndPoint);
                if (failure is null)
                {
                    ModbusPdu.TryEncodeWriteSingleRegisterResponse(singleAddress, value, response, out responseLength);
                    return ModbusPduStatus.Valid;
                }

                break;

            case ModbusFunctionCode.WriteMultipleRegisters:
                status = ModbusPdu.DecodeWriteMultipleRegistersRequest(request, out ushort multipleAddress, registers, out int written);
                if (status is ModbusPduStatus.QuantityOutOfRange or ModbusPduStatus.ByteCountMismatch)
                {
                    return WriteException(function, ModbusExceptionCode.IllegalDataValue, response, out responseLength);
                }

                if (status != ModbusPduStatus.Valid)
                {
                    return status;
                }

                failure = CallRegisterMap(static (map, unit, address, values) => map.WriteMultipleRegisters(unit, address, values), unitId, multipleAddress, registers[..written], remoteEndPoint);
                if (failure is null)
                {
                    ModbusPdu.TryEncodeWriteMultipleRegistersResponse(multipleAddress, (ushort)written, response, out responseLength);
                    return ModbusPduStatus.Valid;
                }

                break;

            default:
                failure = ModbusExceptionCode.IllegalFunction;
                break;
        }

        return WriteException(function, failure.Value, response, out responseLength);
    }

    private delegate ModbusExceptionCode? RegisterMapCall(IModbusRegisterMap map, byte unitId, ushort address, Span<ushort> values);

    private ModbusExceptionCode? CallRegisterMap(RegisterMapCall call, byte unitId, ushort address, Span<ushort> values, EndPoint? remoteEndPoint)
    {
        try
        {
            return call(_registerMap, unitId, address, values);
        }
        catch (Exception ex)
        {
            OnConnectionFaulted(remoteEndPoint, ex);
            return ModbusExceptionCode.ServerDeviceFailure;
        }
    }

    private static ModbusPduStatus WriteException(byte function, ModbusExceptionCode exceptionCode, Span<byte> response, out int responseLength)
    {
        ModbusPdu.TryEncodeExceptionResponse(function, exceptionCode, response, out responseLength);
        return ModbusPduStatus.Valid;
    }

    private void OnConnectionFaulted(EndPoint? remoteEndPoint, Exception exception) =>
        ConnectionFaulted?.Invoke(this, new ModbusConnectionFaultEventArgs(remoteEndPoint, exception));
}
