using System.Net;
using System.Text;

namespace City.Protocols.Modbus;

/// <summary>
/// Modbus TCP client (master). One request is outstanding at a time; concurrent calls wait their turn.
/// The connection opens on the first call. After a timeout, cancellation or I/O failure it is closed and
/// the next call opens a new one; the failed call itself is not retried.
/// Failures: <see cref="ModbusException"/> for an exception response, <see cref="ModbusTimeoutException"/> for a
/// missing response, <see cref="ModbusProtocolException"/> for a malformed or mismatched one, and
/// <see cref="IOException"/> or <see cref="System.Net.Sockets.SocketException"/> for connection failures.
/// </summary>
public sealed class ModbusTcpClient : IAsyncDisposable
{
    private readonly EndPoint _server;
    private readonly ModbusTcpClientOptions _options;
    private readonly SemaphoreSlim _requestGate = new(1, 1);
    private readonly byte[] _requestAdu = new byte[MbapHeader.MaxAduLength];
    private readonly byte[] _responsePdu = new byte[MbapHeader.MaxPduLength];
    private ModbusTcpTransport? _transport;
    private ushort _lastTransactionId;
    private long _unmatchedResponseCount;
    private bool _disposed;

    public ModbusTcpClient(EndPoint server, ModbusTcpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        _server = server;
        _options = options ?? new ModbusTcpClientOptions();
    }

    public EndPoint Server => _server;

    /// <summary>True while a connection is open (it may still turn out to be broken on the next call).</summary>
    public bool IsConnected => Volatile.Read(ref _transport) is not null;

    /// <summary>Responses whose transaction id matched no outstanding request; they are discarded.</summary>
    public long UnmatchedResponseCount => Interlocked.Read(ref _unmatchedResponseCount);

    public async Task<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort address, ushort count, CancellationToken cancellationToken = default)
    {
        ushort[] registers = new ushort[ValidateReadCount(count)];
        await ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unitId, address, registers, cancellationToken).ConfigureAwait(false);
        return registers;
    }

    /// <summary>Reads <c>destination.Length</c> (1..125) holding registers into <paramref name="destination"/>.</summary>
    public Task ReadHoldingRegistersAsync(byte unitId, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unitId, address, destination, cancellationToken);

    public async Task<ushort[]> ReadInputRegistersAsync(byte unitId, ushort address, ushort count, CancellationToken cancellationToken = default)
    {
        ushort[] registers = new ushort[ValidateReadCount(count)];
        await ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unitId, address, registers, cancellationToken).ConfigureAwait(false);
        return registers;
    }

    /// <summary>Reads <c>destination.Length</c> (1..125) input registers into <paramref name="destination"/>.</summary>
    public Task ReadInputRegistersAsync(byte unitId, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unitId, address, destination, cancellationToken);

    public async Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken cancellationToken = default)
    {
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteSingleRegisterRequest(address, value, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeWriteSingleRegisterResponse(
                _responsePdu.AsSpan(0, responseLength), address, value, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.WriteSingleRegister);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>Writes 1..123 registers starting at <paramref name="address"/>.</summary>
    public async Task WriteMultipleRegistersAsync(byte unitId, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxWriteRegisters, nameof(values));

        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteMultipleRegistersRequest(address, values.Span, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleRegistersResponse(
                _responsePdu.AsSpan(0, responseLength), address, (ushort)values.Length, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.WriteMultipleRegisters);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>Reads 1..2000 coils (function 01).</summary>
    public Task<bool[]> ReadCoilsAsync(byte unitId, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(ModbusFunctionCode.ReadCoils, unitId, address, count, cancellationToken);

    /// <summary>Reads 1..2000 discrete inputs (function 02).</summary>
    public Task<bool[]> ReadDiscreteInputsAsync(byte unitId, ushort address, ushort count, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(ModbusFunctionCode.ReadDiscreteInputs, unitId, address, count, cancellationToken);

    /// <summary>Switches one coil on or off (function 05).</summary>
    public async Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken cancellationToken = default)
    {
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteSingleCoilRequest(address, value, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeWriteSingleCoilResponse(
                _responsePdu.AsSpan(0, responseLength), address, value, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.WriteSingleCoil);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>Writes 1..1968 coils starting at <paramref name="address"/> (function 15).</summary>
    public async Task WriteMultipleCoilsAsync(byte unitId, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxWriteCoils, nameof(values));

        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteMultipleCoilsRequest(address, values.Span, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleCoilsResponse(
                _responsePdu.AsSpan(0, responseLength), address, (ushort)values.Length, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.WriteMultipleCoils);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>Function 22: the register becomes (current AND <paramref name="andMask"/>) OR (<paramref name="orMask"/> AND NOT <paramref name="andMask"/>).</summary>
    public async Task MaskWriteRegisterAsync(byte unitId, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken = default)
    {
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeMaskWriteRegisterRequest(address, andMask, orMask, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeMaskWriteRegisterResponse(
                _responsePdu.AsSpan(0, responseLength), address, andMask, orMask, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.MaskWriteRegister);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>
    /// Function 23: writes <paramref name="values"/> (1..121) at <paramref name="writeAddress"/>, then reads <paramref name="readCount"/>
    /// (1..125) holding registers at <paramref name="readAddress"/>, in one transaction (the server writes first).
    /// </summary>
    public async Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unitId, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(readCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(readCount, (ushort)ModbusPdu.MaxReadWriteReadRegisters);
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxReadWriteWriteRegisters, nameof(values));

        ushort[] registers = new ushort[readCount];
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeReadWriteMultipleRegistersRequest(readAddress, readCount, writeAddress, values.Span, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeReadWriteMultipleRegistersResponse(
                _responsePdu.AsSpan(0, responseLength), registers, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.ReadWriteMultipleRegisters);
        }
        finally
        {
            _requestGate.Release();
        }

        return registers;
    }

    /// <summary>Function 17: the server id bytes (the data before the run indicator) and the run indicator.</summary>
    public async Task<ModbusServerIdentification> ReportServerIdAsync(byte unitId, CancellationToken cancellationToken = default)
    {
        byte[] serverId = new byte[MbapHeader.MaxPduLength];
        int serverIdLength;
        bool isRunning;
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeReportServerIdRequest(RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeReportServerIdResponse(
                _responsePdu.AsSpan(0, responseLength), serverId, out serverIdLength, out isRunning, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.ReportServerId);
        }
        finally
        {
            _requestGate.Release();
        }

        return new ModbusServerIdentification(serverId[..serverIdLength], isRunning);
    }

    /// <summary>
    /// Function 43/14. Stream access (default: the basic objects 0x00 VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision)
    /// starts at <paramref name="objectId"/> and follows "more follows" with further requests until the server says it is done;
    /// individual access (<see cref="ModbusReadDeviceIdCode.Individual"/>) reads the one object <paramref name="objectId"/>.
    /// Values are decoded as Latin-1 (ASCII on the wire).
    /// </summary>
    public async Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(
        byte unitId, ModbusReadDeviceIdCode readDeviceIdCode = ModbusReadDeviceIdCode.Basic, byte objectId = 0, CancellationToken cancellationToken = default)
    {
        if (readDeviceIdCode is not (ModbusReadDeviceIdCode.Basic or ModbusReadDeviceIdCode.Regular or ModbusReadDeviceIdCode.Extended or ModbusReadDeviceIdCode.Individual))
        {
            throw new ArgumentOutOfRangeException(nameof(readDeviceIdCode), readDeviceIdCode, "Read device id code must be 1..4.");
        }

        var objects = new Dictionary<byte, string>();

        // 256 requests cover the whole object space even at one object per response; a server that loops is cut off.
        for (int request = 0; request < 256; request++)
        {
            bool moreFollows;
            await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ModbusPdu.TryEncodeReadDeviceIdentificationRequest(readDeviceIdCode, objectId, RequestPdu, out int requestLength);
                int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
                var locations = new ModbusDeviceObjectLocation[byte.MaxValue];
                ReadOnlySpan<byte> pdu = _responsePdu.AsSpan(0, responseLength);
                ModbusPduStatus status = ModbusPdu.DecodeReadDeviceIdentificationResponse(
                    pdu, readDeviceIdCode, out ModbusDeviceIdentificationHeader header, locations, out ModbusExceptionCode exceptionCode);
                ThrowIfFailed(status, exceptionCode, unitId, ModbusFunctionCode.EncapsulatedInterfaceTransport);
                foreach (ModbusDeviceObjectLocation location in locations.AsSpan(0, header.ObjectCount))
                {
                    objects[location.ObjectId] = Encoding.Latin1.GetString(pdu.Slice(location.Offset, location.Length));
                }

                moreFollows = header.MoreFollows && readDeviceIdCode != ModbusReadDeviceIdCode.Individual;
                if (moreFollows && header.NextObjectId <= objectId)
                {
                    throw new ModbusProtocolException(
                        $"Unit {unitId} answered device identification from object {objectId} with next object {header.NextObjectId}, which does not advance.");
                }

                objectId = header.NextObjectId;
            }
            finally
            {
                _requestGate.Release();
            }

            if (!moreFollows)
            {
                return objects;
            }
        }

        throw new ModbusProtocolException($"Unit {unitId} kept answering device identification with \"more follows\".");
    }

    /// <summary>Closes the connection. Calls after this throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        // Not disposing the semaphore: callers already waiting on it must still wake up and see _disposed.
        await _requestGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            await DropConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    private Span<byte> RequestPdu => _requestAdu.AsSpan(MbapHeader.Size);

    private static ushort ValidateReadCount(ushort count)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ushort)ModbusPdu.MaxReadRegisters);
        return count;
    }

    private async Task ReadRegistersAsync(
        ModbusFunctionCode function, byte unitId, ushort address, Memory<ushort> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(destination.Length, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, ModbusPdu.MaxReadRegisters, nameof(destination));

        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeReadRegistersRequest(function, address, (ushort)destination.Length, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeReadRegistersResponse(
                _responsePdu.AsSpan(0, responseLength), function, destination.Span, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, function);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    private async Task<bool[]> ReadBitsAsync(ModbusFunctionCode function, byte unitId, ushort address, ushort count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ushort)ModbusPdu.MaxReadBits);

        bool[] bits = new bool[count];
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeReadBitsRequest(function, address, count, RequestPdu, out int requestLength);
            int responseLength = await ExchangeAsync(unitId, requestLength, cancellationToken).ConfigureAwait(false);
            ModbusPduStatus status = ModbusPdu.DecodeReadBitsResponse(_responsePdu.AsSpan(0, responseLength), function, bits, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unitId, function);
        }
        finally
        {
            _requestGate.Release();
        }

        return bits;
    }

    /// <summary>
    /// Sends the PDU already encoded after the header space of <see cref="_requestAdu"/> and waits for the response with the
    /// same transaction id; returns the length of the response PDU copied into <see cref="_responsePdu"/>. Caller holds the gate.
    /// </summary>
    private async Task<int> ExchangeAsync(byte unitId, int requestPduLength, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        ushort transactionId = unchecked(++_lastTransactionId);
        MbapHeader.ForPdu(transactionId, unitId, requestPduLength).TryEncode(_requestAdu, out int headerLength);

        try
        {
            _transport ??= await ModbusTcpTransport.ConnectAsync(_server, _options.ConnectTimeout, _options.TimeProvider, cancellationToken)
                .ConfigureAwait(false);

            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _transport.SendAsync(_requestAdu.AsMemory(0, headerLength + requestPduLength), linked.Token).ConfigureAwait(false);
                while (true)
                {
                    MbapHeader header = await _transport.ReceiveFrameAsync(_responsePdu, linked.Token).ConfigureAwait(false)
                        ?? throw new IOException($"{_server} closed the connection before answering transaction {transactionId}.");

                    if (header.TransactionId != transactionId)
                    {
                        // A late answer to an earlier request, or a confused server: skip it and keep waiting.
                        Interlocked.Increment(ref _unmatchedResponseCount);
                        continue;
                    }

                    if (header.UnitId != unitId)
                    {
                        throw new ModbusProtocolException($"Transaction {transactionId} was sent to unit {unitId} but answered by unit {header.UnitId}.");
                    }

                    return header.PduLength;
                }
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ModbusTimeoutException(
                    $"Unit {unitId} at {_server} did not answer transaction {transactionId} within {_options.RequestTimeout}.", ex);
            }
        }
        catch
        {
            // The stream may hold a partial or late response now; start clean on the next call.
            await DropConnectionAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask DropConnectionAsync()
    {
        ModbusTcpTransport? transport = _transport;
        _transport = null;
        if (transport is not null)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void ThrowIfFailed(ModbusPduStatus status, ModbusExceptionCode exceptionCode, byte unitId, ModbusFunctionCode function)
    {
        switch (status)
        {
            case ModbusPduStatus.Valid:
                return;
            case ModbusPduStatus.ExceptionResponse:
                throw new ModbusException(unitId, function, exceptionCode);
            default:
                throw new ModbusProtocolException($"Malformed response from unit {unitId} to function {(byte)function:X2}", status);
        }
    }
}
