using System.Net;
using System.Runtime.CompilerServices;

namespace City.Protocols.Modbus;

/// <summary>
/// Modbus TCP client (master). One request is outstanding at a time; concurrent calls wait their turn.
/// The connection opens on the first call. After a timeout, cancellation or I/O failure it is closed and
/// the next call opens a new one. Reads are sent again after a timeout, a malformed or mismatched answer or a broken connection
/// up to <see cref="ModbusTcpClientOptions.Retries"/> times; any request answered with exception 05/06 (acknowledge, busy) is
/// sent again up to <see cref="ModbusTcpClientOptions.BusyRetries"/> times. Writes are never sent again after a timeout.
/// Failures (once retries are spent): <see cref="ModbusException"/> for an exception response, <see cref="ModbusTimeoutException"/> for a
/// missing response, <see cref="ModbusProtocolException"/> for a malformed or mismatched one, and
/// <see cref="IOException"/> or <see cref="System.Net.Sockets.SocketException"/> for connection failures.
/// Answers complete on the connection's receive thread (<see cref="ModbusTcpClientTransport"/>): the caller continues there
/// until its next await, so code that blocks after awaiting a request delays this connection's next answer.
/// </summary>
public sealed class ModbusTcpClient : IModbusMaster, IModbusPduLink, IAsyncDisposable
{
    private readonly EndPoint _server;
    private readonly ModbusTcpClientOptions _options;
    private readonly ModbusMasterCore _core;
    private readonly byte[] _requestAdu = new byte[MbapHeader.MaxAduLength];
    private readonly byte[] _responsePdu = new byte[MbapHeader.MaxPduLength];
    private ModbusTcpClientTransport? _transport;
    private CancellationTokenSource? _requestTimeout;
    private ushort _lastTransactionId;
    private long _unmatchedResponseCount;
    private bool _disposed;

    public ModbusTcpClient(EndPoint server, ModbusTcpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        _server = server;
        _options = options ?? new ModbusTcpClientOptions();
        _core = new ModbusMasterCore(
            this, new ModbusRetrySettings(_options.Retries, _options.BusyRetries, _options.BusyRetryDelay, _options.TimeProvider).Validate(nameof(options)));
    }

    public EndPoint Server => _server;

    /// <summary>True while a connection is open (it may still turn out to be broken on the next call).</summary>
    public bool IsConnected => Volatile.Read(ref _transport) is not null;

    /// <summary>Responses whose transaction id matched no outstanding request; they are discarded.</summary>
    public long UnmatchedResponseCount => Interlocked.Read(ref _unmatchedResponseCount);

    /// <summary>Reads sent again after a timeout, a malformed or mismatched answer or a broken connection.</summary>
    public long RetryCount => _core.RetryCount;

    /// <summary>Requests sent again after exception 05 (acknowledge) or 06 (server device busy).</summary>
    public long BusyRetryCount => _core.BusyRetryCount;

    Memory<byte> IModbusPduLink.RequestPdu => _requestAdu.AsMemory(MbapHeader.Size);

    /// <inheritdoc />
    public Task<ushort[]> ReadHoldingRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        _core.ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unit, address, count, cancellationToken);

    /// <inheritdoc />
    public Task ReadHoldingRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        _core.ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unit, address, destination, cancellationToken);

    /// <inheritdoc />
    public Task<ushort[]> ReadInputRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        _core.ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unit, address, count, cancellationToken);

    /// <inheritdoc />
    public Task ReadInputRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        _core.ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unit, address, destination, cancellationToken);

    /// <inheritdoc />
    public Task<bool[]> ReadCoilsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        _core.ReadBitsAsync(ModbusFunctionCode.ReadCoils, unit, address, count, cancellationToken);

    /// <inheritdoc />
    public Task<bool[]> ReadDiscreteInputsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        _core.ReadBitsAsync(ModbusFunctionCode.ReadDiscreteInputs, unit, address, count, cancellationToken);

    /// <inheritdoc />
    public Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken = default) =>
        _core.WriteSingleRegisterAsync(unit, address, value, cancellationToken);

    /// <inheritdoc />
    public Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        _core.WriteMultipleRegistersAsync(unit, address, values, cancellationToken);

    /// <inheritdoc />
    public Task WriteSingleCoilAsync(byte unit, ushort address, bool value, CancellationToken cancellationToken = default) =>
        _core.WriteSingleCoilAsync(unit, address, value, cancellationToken);

    /// <inheritdoc />
    public Task WriteMultipleCoilsAsync(byte unit, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default) =>
        _core.WriteMultipleCoilsAsync(unit, address, values, cancellationToken);

    /// <inheritdoc />
    public Task MaskWriteRegisterAsync(byte unit, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken = default) =>
        _core.MaskWriteRegisterAsync(unit, address, andMask, orMask, cancellationToken);

    /// <inheritdoc />
    public Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unit, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        _core.ReadWriteMultipleRegistersAsync(unit, readAddress, readCount, writeAddress, values, cancellationToken);

    /// <inheritdoc />
    public Task<ModbusServerIdentification> ReportServerIdAsync(byte unit, CancellationToken cancellationToken = default) =>
        _core.ReportServerIdAsync(unit, cancellationToken);

    /// <summary>
    /// Function 43/14. Stream access (default: the basic objects 0x00 VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision)
    /// starts at <paramref name="objectId"/> and follows "more follows" with further requests until the server says it is done;
    /// individual access (<see cref="ModbusReadDeviceIdCode.Individual"/>) reads the one object <paramref name="objectId"/>.
    /// Values are decoded as Latin-1 (ASCII on the wire).
    /// </summary>
    public Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(
        byte unit, ModbusReadDeviceIdCode readDeviceIdCode = ModbusReadDeviceIdCode.Basic, byte objectId = 0, CancellationToken cancellationToken = default) =>
        _core.ReadDeviceIdentificationAsync(unit, readDeviceIdCode, objectId, cancellationToken);

    /// <summary>Closes the connection. Calls after this throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        // Not disposing the semaphore: callers already waiting on it must still wake up and see _disposed.
        await _core.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            await DropConnectionAsync().ConfigureAwait(false);
            _requestTimeout?.Dispose();
            _requestTimeout = null;
        }
        finally
        {
            _core.Gate.Release();
        }
    }

    void IModbusPduLink.ValidateUnit(byte unit, bool broadcastAllowed)
    {
        // Any unit id goes: 0 and 255 address the gateway itself on many devices; a TCP server always answers.
    }

    /// <summary>
    /// Sends the PDU already encoded after the header space of <see cref="_requestAdu"/> and waits for the response with the
    /// same transaction id, copied into <see cref="_responsePdu"/>. Caller holds the gate. The answer completes on the
    /// transport's receive thread, and this method continues there; its state machine comes from a pool, and the timeout
    /// is one source re-armed for each request, so that a request allocates nothing here.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<ReadOnlyMemory<byte>?> IModbusPduLink.ExchangeAsync(byte unit, ModbusFunctionCode function, int requestPduLength, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        ushort transactionId = unchecked(++_lastTransactionId);
        MbapHeader.ForPdu(transactionId, unit, requestPduLength).TryEncode(_requestAdu, out int headerLength);

        try
        {
            if (_transport is null)
            {
                _transport = await ModbusTcpClientTransport.ConnectAsync(_server, _options.ConnectTimeout, _options.TimeProvider, cancellationToken)
                    .ConfigureAwait(false);
                if (_options.PauseAfterConnect > TimeSpan.Zero)
                {
                    await Task.Delay(_options.PauseAfterConnect, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
            }

            CancellationTokenSource timeout = ArmRequestTimeout();
            CancellationTokenSource? linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token)
                : null;
            try
            {
                CancellationToken receiveToken = linked?.Token ?? timeout.Token;
                _transport.Send(_requestAdu.AsSpan(0, headerLength + requestPduLength));
                while (true)
                {
                    MbapHeader header = await _transport.ReceiveFrameAsync(_responsePdu, receiveToken).ConfigureAwait(false)
                        ?? throw new IOException($"{_server} closed the connection before answering transaction {transactionId}.");

                    if (header.TransactionId != transactionId)
                    {
                        // A late answer to an earlier request, or a confused server: skip it and keep waiting.
                        Interlocked.Increment(ref _unmatchedResponseCount);
                        continue;
                    }

                    if (header.UnitId != unit)
                    {
                        throw new ModbusProtocolException($"Transaction {transactionId} was sent to unit {unit} but answered by unit {header.UnitId}.");
                    }

                    return _responsePdu.AsMemory(0, header.PduLength);
                }
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ModbusTimeoutException(
                    $"Unit {unit} at {_server} did not answer transaction {transactionId} within {_options.RequestTimeout}.", ex);
            }
            finally
            {
                linked?.Dispose();
                DisarmRequestTimeout(timeout);
            }
        }
        catch
        {
            // The stream may hold a partial or late response now; start clean on the next call.
            await DropConnectionAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One source on the options' clock for every request; replaced only once it has fired.</summary>
    private CancellationTokenSource ArmRequestTimeout()
    {
        if (_requestTimeout is { IsCancellationRequested: true })
        {
            _requestTimeout.Dispose();
            _requestTimeout = null;
        }

        _requestTimeout ??= new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
        _requestTimeout.CancelAfter(_options.RequestTimeout);
        return _requestTimeout;
    }

    private void DisarmRequestTimeout(CancellationTokenSource timeout)
    {
        if (!timeout.TryReset())
        {
            timeout.Dispose();
            _requestTimeout = null;
        }
    }

    private async ValueTask DropConnectionAsync()
    {
        ModbusTcpClientTransport? transport = _transport;
        _transport = null;
        if (transport is not null)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }
}
