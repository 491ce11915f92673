using System.Net.Sockets;
using System.Text;

namespace City.Protocols.Modbus;

/// <summary>The framing-specific half of a master: where a request PDU is encoded, and how it travels to a unit and back.</summary>
internal interface IModbusPduLink
{
    /// <summary>Buffer the next request PDU is encoded into (<see cref="MbapHeader.MaxPduLength"/> bytes at least).</summary>
    Memory<byte> RequestPdu { get; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="unit"/> cannot be addressed on this link.</summary>
    void ValidateUnit(byte unit, bool broadcastAllowed);

    /// <summary>
    /// Sends the request PDU of <paramref name="requestPduLength"/> bytes (already in <see cref="RequestPdu"/>) to
    /// <paramref name="unit"/> and returns the response PDU, valid until the next exchange; null when the request was
    /// broadcast and nothing answers. Called by one caller at a time.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ExchangeAsync(byte unit, ModbusFunctionCode function, int requestPduLength, CancellationToken cancellationToken);
}

/// <summary>Retry settings shared by both masters' options.</summary>
internal readonly record struct ModbusRetrySettings(int Retries, int BusyRetries, TimeSpan BusyRetryDelay, TimeProvider TimeProvider)
{
    public ModbusRetrySettings Validate(string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Retries, parameterName);
        ArgumentOutOfRangeException.ThrowIfNegative(BusyRetries, parameterName);
        ArgumentOutOfRangeException.ThrowIfLessThan(BusyRetryDelay, TimeSpan.Zero, parameterName);
        ArgumentNullException.ThrowIfNull(TimeProvider, parameterName);
        return this;
    }
}

/// <summary>
/// Everything the two masters share: argument checks, encoding with <see cref="ModbusPdu"/>, decoding, serialization of
/// requests, retries (reads only, after silence or a bad answer) and busy retries (exception 05/06, any request, after a
/// pause during which other callers may use the link).
/// </summary>
internal sealed class ModbusMasterCore
{
    private readonly IModbusPduLink _link;
    private readonly ModbusRetrySettings _retry;
    private long _retryCount;
    private long _busyRetryCount;

    public ModbusMasterCore(IModbusPduLink link, ModbusRetrySettings retry)
    {
        _link = link;
        _retry = retry;
    }

    private delegate int RequestEncoder<TState>(in TState state, Span<byte> destination);

    private delegate ModbusPduStatus ResponseDecoder<TState>(in TState state, ReadOnlySpan<byte> pdu, out ModbusExceptionCode exceptionCode);

    /// <summary>Serializes exchanges on the link; hold it to shut the link down.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public long RetryCount => Interlocked.Read(ref _retryCount);

    public long BusyRetryCount => Interlocked.Read(ref _busyRetryCount);

    public async Task<ushort[]> ReadRegistersAsync(ModbusFunctionCode function, byte unit, ushort address, ushort count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ushort)ModbusPdu.MaxReadRegisters);
        ushort[] registers = new ushort[count];
        await ReadRegistersAsync(function, unit, address, registers, cancellationToken).ConfigureAwait(false);
        return registers;
    }

    public Task ReadRegistersAsync(ModbusFunctionCode function, byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(destination.Length, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, ModbusPdu.MaxReadRegisters, nameof(destination));
        return ExecuteAsync(
            unit, function, isRead: true, (Function: function, Address: address, Destination: destination),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeReadRegistersRequest(s.Function, s.Address, (ushort)s.Destination.Length, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeReadRegistersResponse(pdu, s.Function, s.Destination.Span, out code),
            cancellationToken);
    }

    public async Task<bool[]> ReadBitsAsync(ModbusFunctionCode function, byte unit, ushort address, ushort count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ushort)ModbusPdu.MaxReadBits);
        bool[] bits = new bool[count];
        await ExecuteAsync(
            unit, function, isRead: true, (Function: function, Address: address, Bits: bits),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeReadBitsRequest(s.Function, s.Address, (ushort)s.Bits.Length, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeReadBitsResponse(pdu, s.Function, s.Bits, out code),
            cancellationToken).ConfigureAwait(false);
        return bits;
    }

    public Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken) =>
        ExecuteAsync(
            unit, ModbusFunctionCode.WriteSingleRegister, isRead: false, (Address: address, Value: value),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeWriteSingleRegisterRequest(s.Address, s.Value, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeWriteSingleRegisterResponse(pdu, s.Address, s.Value, out code),
            cancellationToken);

    public Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxWriteRegisters, nameof(values));
        return ExecuteAsync(
            unit, ModbusFunctionCode.WriteMultipleRegisters, isRead: false, (Address: address, Values: values),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeWriteMultipleRegistersRequest(s.Address, s.Values.Span, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeWriteMultipleRegistersResponse(pdu, s.Address, (ushort)s.Values.Length, out code),
            cancellationToken);
    }

    public Task WriteSingleCoilAsync(byte unit, ushort address, bool value, CancellationToken cancellationToken) =>
        ExecuteAsync(
            unit, ModbusFunctionCode.WriteSingleCoil, isRead: false, (Address: address, Value: value),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeWriteSingleCoilRequest(s.Address, s.Value, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeWriteSingleCoilResponse(pdu, s.Address, s.Value, out code),
            cancellationToken);

    public Task WriteMultipleCoilsAsync(byte unit, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxWriteCoils, nameof(values));
        return ExecuteAsync(
            unit, ModbusFunctionCode.WriteMultipleCoils, isRead: false, (Address: address, Values: values),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeWriteMultipleCoilsRequest(s.Address, s.Values.Span, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeWriteMultipleCoilsResponse(pdu, s.Address, (ushort)s.Values.Length, out code),
            cancellationToken);
    }

    public Task MaskWriteRegisterAsync(byte unit, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken) =>
        ExecuteAsync(
            unit, ModbusFunctionCode.MaskWriteRegister, isRead: false, (Address: address, And: andMask, Or: orMask),
            static (in s, span) => Encoded(ModbusPdu.TryEncodeMaskWriteRegisterRequest(s.Address, s.And, s.Or, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeMaskWriteRegisterResponse(pdu, s.Address, s.And, s.Or, out code),
            cancellationToken);

    public async Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unit, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(readCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(readCount, (ushort)ModbusPdu.MaxReadWriteReadRegisters);
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxReadWriteWriteRegisters, nameof(values));

        ushort[] registers = new ushort[readCount];

        // It writes: retried only when busy, like any write.
        await ExecuteAsync(
            unit, ModbusFunctionCode.ReadWriteMultipleRegisters, isRead: false,
            (ReadAddress: readAddress, WriteAddress: writeAddress, Values: values, Registers: registers),
            static (in s, span) => Encoded(
                ModbusPdu.TryEncodeReadWriteMultipleRegistersRequest(s.ReadAddress, (ushort)s.Registers.Length, s.WriteAddress, s.Values.Span, span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeReadWriteMultipleRegistersResponse(pdu, s.Registers, out code),
            cancellationToken).ConfigureAwait(false);
        return registers;
    }

    public async Task<ModbusServerIdentification> ReportServerIdAsync(byte unit, CancellationToken cancellationToken)
    {
        var answer = new ServerIdAnswer();
        await ExecuteAsync(
            unit, ModbusFunctionCode.ReportServerId, isRead: true, answer,
            static (in _, span) => Encoded(ModbusPdu.TryEncodeReportServerIdRequest(span, out int n), n),
            static (in s, pdu, out code) => ModbusPdu.DecodeReportServerIdResponse(pdu, s.Buffer, out s.Length, out s.IsRunning, out code),
            cancellationToken).ConfigureAwait(false);
        return new ModbusServerIdentification(answer.Buffer[..answer.Length], answer.IsRunning);
    }

    public async Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(
        byte unit, ModbusReadDeviceIdCode readDeviceIdCode, byte objectId, CancellationToken cancellationToken)
    {
        if (readDeviceIdCode is not (ModbusReadDeviceIdCode.Basic or ModbusReadDeviceIdCode.Regular or ModbusReadDeviceIdCode.Extended or ModbusReadDeviceIdCode.Individual))
        {
            throw new ArgumentOutOfRangeException(nameof(readDeviceIdCode), readDeviceIdCode, "Read device id code must be 1..4.");
        }

        var answer = new DeviceIdentificationAnswer(readDeviceIdCode);

        // 256 requests cover the whole object space even at one object per response; a server that loops is cut off.
        for (int request = 0; request < 256; request++)
        {
            answer.ObjectId = objectId;
            await ExecuteAsync(
                unit, ModbusFunctionCode.EncapsulatedInterfaceTransport, isRead: true, answer,
                static (in s, span) => Encoded(ModbusPdu.TryEncodeReadDeviceIdentificationRequest(s.Code, s.ObjectId, span, out int n), n),
                static (in s, pdu, out code) => s.Decode(pdu, out code),
                cancellationToken).ConfigureAwait(false);

            bool moreFollows = answer.Header.MoreFollows && readDeviceIdCode != ModbusReadDeviceIdCode.Individual;
            if (!moreFollows)
            {
                return answer.Objects;
            }

            if (answer.Header.NextObjectId <= objectId)
            {
                throw new ModbusProtocolException(
                    $"Unit {unit} answered device identification from object {objectId} with next object {answer.Header.NextObjectId}, which does not advance.");
            }

            objectId = answer.Header.NextObjectId;
        }

        throw new ModbusProtocolException($"Unit {unit} kept answering device identification with \"more follows\".");
    }

    private static bool IsBroadcastable(ModbusFunctionCode function) => function is ModbusFunctionCode.WriteSingleCoil
        or ModbusFunctionCode.WriteSingleRegister or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters
        or ModbusFunctionCode.MaskWriteRegister;

    private static int Encoded(bool encoded, int length) =>
        encoded ? length : throw new InvalidOperationException("Unreachable: arguments were checked before encoding.");

    private static bool IsRetryableForRead(Exception exception) =>
        exception is ModbusTimeoutException or IOException or SocketException;

    /// <summary>One request with its retries. Each attempt holds the gate only for its own exchange.</summary>
    private async Task ExecuteAsync<TState>(
        byte unit, ModbusFunctionCode function, bool isRead, TState state,
        RequestEncoder<TState> encode, ResponseDecoder<TState> decode, CancellationToken cancellationToken)
    {
        _link.ValidateUnit(unit, broadcastAllowed: !isRead && IsBroadcastable(function));
        int retriesLeft = isRead ? _retry.Retries : 0;
        int busyRetriesLeft = _retry.BusyRetries;
        while (true)
        {
            ModbusPduStatus status;
            ModbusExceptionCode exceptionCode;
            try
            {
                await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    int requestLength = encode(state, _link.RequestPdu.Span);
                    ReadOnlyMemory<byte>? response = await _link.ExchangeAsync(unit, function, requestLength, cancellationToken).ConfigureAwait(false);
                    if (response is null)
                    {
                        return;
                    }

                    status = decode(state, response.Value.Span, out exceptionCode);
                }
                finally
                {
                    Gate.Release();
                }
            }
            catch (Exception ex) when (retriesLeft > 0 && !cancellationToken.IsCancellationRequested && IsRetryableForRead(ex))
            {
                retriesLeft--;
                Interlocked.Increment(ref _retryCount);
                continue;
            }

            switch (status)
            {
                case ModbusPduStatus.Valid:
                    return;
                case ModbusPduStatus.ExceptionResponse
                    when exceptionCode is ModbusExceptionCode.ServerDeviceBusy or ModbusExceptionCode.Acknowledge && busyRetriesLeft > 0:
                    busyRetriesLeft--;
                    Interlocked.Increment(ref _busyRetryCount);
                    if (_retry.BusyRetryDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(_retry.BusyRetryDelay, _retry.TimeProvider, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                case ModbusPduStatus.ExceptionResponse:
                    throw new ModbusException(unit, function, exceptionCode);
                default:
                    if (retriesLeft > 0)
                    {
                        retriesLeft--;
                        Interlocked.Increment(ref _retryCount);
                        continue;
                    }

                    throw new ModbusProtocolException($"Malformed response from unit {unit} to function {(byte)function:X2}", status);
            }
        }
    }

    /// <summary>Fields, not properties, so that the decoder can pass them as out arguments.</summary>
    private sealed class ServerIdAnswer
    {
        public readonly byte[] Buffer = new byte[MbapHeader.MaxPduLength];
        public int Length;
        public bool IsRunning;
    }

    private sealed class DeviceIdentificationAnswer(ModbusReadDeviceIdCode code)
    {
        private readonly ModbusDeviceObjectLocation[] _locations = new ModbusDeviceObjectLocation[byte.MaxValue];

        public ModbusReadDeviceIdCode Code { get; } = code;

        public byte ObjectId { get; set; }

        public ModbusDeviceIdentificationHeader Header { get; private set; }

        public Dictionary<byte, string> Objects { get; } = [];

        public ModbusPduStatus Decode(ReadOnlySpan<byte> pdu, out ModbusExceptionCode exceptionCode)
        {
            ModbusPduStatus status = ModbusPdu.DecodeReadDeviceIdentificationResponse(pdu, Code, out ModbusDeviceIdentificationHeader header, _locations, out exceptionCode);
            if (status == ModbusPduStatus.Valid)
            {
                Header = header;
                foreach (ModbusDeviceObjectLocation location in _locations.AsSpan(0, header.ObjectCount))
                {
                    Objects[location.ObjectId] = Encoding.Latin1.GetString(pdu.Slice(location.Offset, location.Length));
                }
            }

            return status;
        }
    }
}
