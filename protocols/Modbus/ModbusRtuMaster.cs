namespace City.Protocols.Modbus;

/// <summary>
/// Modbus RTU master for one serial line shared by many slaves: requests are serialized (one exchange on the line at a
/// time); each waits at most <see cref="ModbusRtuMasterOptions.RequestTimeout"/>, so a dead slave costs its timeout and
/// the line is free again for the next request. Unit 0 is broadcast: writes only, no response awaited.
/// Failures: <see cref="ModbusException"/> for an exception response, <see cref="ModbusTimeoutException"/> for silence,
/// <see cref="ModbusProtocolException"/> for a CRC error, a frame from another unit or function, or a malformed PDU.
/// Failed requests are not retried (a write may have been executed). The line is not owned: dispose it yourself.
/// </summary>
public sealed class ModbusRtuMaster
{
    private readonly IModbusRtuLine _line;
    private readonly ModbusRtuMasterOptions _options;
    private readonly SemaphoreSlim _lineGate = new(1, 1);
    private readonly byte[] _requestAdu = new byte[ModbusRtuFraming.MaxAduLength];
    private readonly byte[] _responseAdu = new byte[ModbusRtuFraming.MaxAduLength];

    public ModbusRtuMaster(IModbusRtuLine line, ModbusRtuMasterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        _options = options ?? new ModbusRtuMasterOptions();
    }

    public async Task<ushort[]> ReadHoldingRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default)
    {
        ushort[] registers = new ushort[ValidateReadCount(count)];
        await ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unit, address, registers, cancellationToken).ConfigureAwait(false);
        return registers;
    }

    /// <summary>Reads <c>destination.Length</c> (1..125) holding registers.</summary>
    public Task ReadHoldingRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unit, address, destination, cancellationToken);

    public async Task<ushort[]> ReadInputRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default)
    {
        ushort[] registers = new ushort[ValidateReadCount(count)];
        await ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unit, address, registers, cancellationToken).ConfigureAwait(false);
        return registers;
    }

    /// <summary>Reads <c>destination.Length</c> (1..125) input registers.</summary>
    public Task ReadInputRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unit, address, destination, cancellationToken);

    /// <summary>Function 06. Unit 0 broadcasts it.</summary>
    public async Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken = default)
    {
        ValidateUnit(unit, allowBroadcast: true);
        await _lineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteSingleRegisterRequest(address, value, _requestAdu.AsSpan(1), out int pduLength);
            if (await ExchangeAsync(unit, ModbusFunctionCode.WriteSingleRegister, pduLength, cancellationToken).ConfigureAwait(false) is int length)
            {
                ModbusPduStatus status = ModbusPdu.DecodeWriteSingleRegisterResponse(
                    ResponsePdu(length), address, value, out ModbusExceptionCode exceptionCode);
                ThrowIfFailed(status, exceptionCode, unit, ModbusFunctionCode.WriteSingleRegister);
            }
        }
        finally
        {
            _lineGate.Release();
        }
    }

    /// <summary>Function 16, 1..123 registers. Unit 0 broadcasts it.</summary>
    public async Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default)
    {
        ValidateUnit(unit, allowBroadcast: true);
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ModbusPdu.MaxWriteRegisters, nameof(values));

        await _lineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeWriteMultipleRegistersRequest(address, values.Span, _requestAdu.AsSpan(1), out int pduLength);
            if (await ExchangeAsync(unit, ModbusFunctionCode.WriteMultipleRegisters, pduLength, cancellationToken).ConfigureAwait(false) is int length)
            {
                ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleRegistersResponse(
                    ResponsePdu(length), address, (ushort)values.Length, out ModbusExceptionCode exceptionCode);
                ThrowIfFailed(status, exceptionCode, unit, ModbusFunctionCode.WriteMultipleRegisters);
            }
        }
        finally
        {
            _lineGate.Release();
        }
    }

    private static ushort ValidateReadCount(ushort count)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ushort)ModbusPdu.MaxReadRegisters);
        return count;
    }

    private static void ValidateUnit(byte unit, bool allowBroadcast)
    {
        if ((unit == ModbusRtuFraming.BroadcastAddress && !allowBroadcast) || unit > ModbusRtuFraming.MaxUnitAddress)
        {
            throw new ArgumentOutOfRangeException(
                nameof(unit), unit, allowBroadcast ? "Unit must be 0 (broadcast) or 1..247." : "Unit must be 1..247 (reads cannot be broadcast).");
        }
    }

    private async Task ReadRegistersAsync(
        ModbusFunctionCode function, byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken)
    {
        ValidateUnit(unit, allowBroadcast: false);
        ArgumentOutOfRangeException.ThrowIfZero(destination.Length, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, ModbusPdu.MaxReadRegisters, nameof(destination));

        await _lineGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModbusPdu.TryEncodeReadRegistersRequest(function, address, (ushort)destination.Length, _requestAdu.AsSpan(1), out int pduLength);
            int length = await ExchangeAsync(unit, function, pduLength, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("Unreachable: reads are never broadcast.");
            ModbusPduStatus status = ModbusPdu.DecodeReadRegistersResponse(ResponsePdu(length), function, destination.Span, out ModbusExceptionCode exceptionCode);
            ThrowIfFailed(status, exceptionCode, unit, function);
        }
        finally
        {
            _lineGate.Release();
        }
    }

    /// <summary>
    /// Frames the PDU already encoded at offset 1 of the request buffer and runs the exchange. Returns the response ADU length,
    /// or null for a broadcast (after the turnaround delay). Caller holds the gate.
    /// </summary>
    private async Task<int?> ExchangeAsync(byte unit, ModbusFunctionCode function, int pduLength, CancellationToken cancellationToken)
    {
        _requestAdu[0] = unit;
        ModbusCrc16.TryWrite(_requestAdu.AsSpan(0, 1 + pduLength), _requestAdu.AsSpan(1 + pduLength));
        ReadOnlyMemory<byte> request = _requestAdu.AsMemory(0, 1 + pduLength + ModbusCrc16.Size);

        if (unit == ModbusRtuFraming.BroadcastAddress)
        {
            await _line.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (_options.BroadcastTurnaroundDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.BroadcastTurnaroundDelay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        return await _line.ExchangeAsync(request, _responseAdu, unit, (byte)function, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The PDU of the response ADU the line returned; re-framed so that a faulty line implementation cannot slip a bad frame through.</summary>
    private ReadOnlySpan<byte> ResponsePdu(int aduLength)
    {
        if (aduLength is < 5 or > ModbusRtuFraming.MaxAduLength || !ModbusCrc16.IsValid(_responseAdu.AsSpan(0, aduLength)))
        {
            throw new ModbusProtocolException($"The line returned an invalid response frame of {aduLength} bytes (CRC error or bad length).");
        }

        return _responseAdu.AsSpan(1, aduLength - 1 - ModbusCrc16.Size);
    }

    private static void ThrowIfFailed(ModbusPduStatus status, ModbusExceptionCode exceptionCode, byte unit, ModbusFunctionCode function)
    {
        switch (status)
        {
            case ModbusPduStatus.Valid:
                return;
            case ModbusPduStatus.ExceptionResponse:
                throw new ModbusException(unit, function, exceptionCode);
            default:
                throw new ModbusProtocolException($"Malformed response from unit {unit} to function {(byte)function:X2}", status);
        }
    }
}
