namespace City.Protocols.Modbus;

/// <summary>
/// Modbus RTU master for one serial line shared by many slaves: requests are serialized (one exchange on the line at a
/// time); each waits at most <see cref="ModbusRtuMasterOptions.RequestTimeout"/>, so a dead slave costs its timeout and
/// the line is free again for the next request. Unit 0 is broadcast: writes (05, 06, 15, 16, 22) only, no response awaited.
/// Reads are sent again after silence or a corrupt answer up to <see cref="ModbusRtuMasterOptions.Retries"/> times; any
/// request answered with exception 05/06 is sent again up to <see cref="ModbusRtuMasterOptions.BusyRetries"/> times, the
/// line serving other requests during the pause. Writes are never sent again after silence (they may have been executed).
/// Failures (once retries are spent): <see cref="ModbusException"/> for an exception response, <see cref="ModbusTimeoutException"/>
/// for silence, <see cref="ModbusProtocolException"/> for a CRC error, a frame from another unit or function, or a malformed PDU.
/// The line is not owned: dispose it yourself.
/// </summary>
public sealed class ModbusRtuMaster : IModbusMaster, IModbusPduLink
{
    private readonly IModbusRtuLine _line;
    private readonly ModbusRtuMasterOptions _options;
    private readonly ModbusMasterCore _core;
    private readonly byte[] _requestAdu = new byte[ModbusRtuFraming.MaxAduLength];
    private readonly byte[] _responseAdu = new byte[ModbusRtuFraming.MaxAduLength];

    public ModbusRtuMaster(IModbusRtuLine line, ModbusRtuMasterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        _options = options ?? new ModbusRtuMasterOptions();
        _core = new ModbusMasterCore(
            this, new ModbusRetrySettings(_options.Retries, _options.BusyRetries, _options.BusyRetryDelay, _options.TimeProvider).Validate(nameof(options)));
    }

    /// <summary>Reads sent again after silence or a corrupt or mismatched answer.</summary>
    public long RetryCount => _core.RetryCount;

    /// <summary>Requests sent again after exception 05 (acknowledge) or 06 (server device busy).</summary>
    public long BusyRetryCount => _core.BusyRetryCount;

    // The PDU sits after the address byte; the CRC goes after it.
    Memory<byte> IModbusPduLink.RequestPdu => _requestAdu.AsMemory(1, ModbusRtuFraming.MaxPduLength);

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

    /// <summary>Function 06. Unit 0 broadcasts it.</summary>
    public Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken = default) =>
        _core.WriteSingleRegisterAsync(unit, address, value, cancellationToken);

    /// <summary>Function 16, 1..123 registers. Unit 0 broadcasts it.</summary>
    public Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        _core.WriteMultipleRegistersAsync(unit, address, values, cancellationToken);

    /// <summary>Function 05. Unit 0 broadcasts it.</summary>
    public Task WriteSingleCoilAsync(byte unit, ushort address, bool value, CancellationToken cancellationToken = default) =>
        _core.WriteSingleCoilAsync(unit, address, value, cancellationToken);

    /// <summary>Function 15, 1..1968 coils. Unit 0 broadcasts it.</summary>
    public Task WriteMultipleCoilsAsync(byte unit, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default) =>
        _core.WriteMultipleCoilsAsync(unit, address, values, cancellationToken);

    /// <summary>Function 22. Unit 0 broadcasts it.</summary>
    public Task MaskWriteRegisterAsync(byte unit, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken = default) =>
        _core.MaskWriteRegisterAsync(unit, address, andMask, orMask, cancellationToken);

    /// <summary>Function 23 (needs an answer: not broadcast).</summary>
    public Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unit, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        _core.ReadWriteMultipleRegistersAsync(unit, readAddress, readCount, writeAddress, values, cancellationToken);

    /// <inheritdoc />
    public Task<ModbusServerIdentification> ReportServerIdAsync(byte unit, CancellationToken cancellationToken = default) =>
        _core.ReportServerIdAsync(unit, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(
        byte unit, ModbusReadDeviceIdCode readDeviceIdCode = ModbusReadDeviceIdCode.Basic, byte objectId = 0, CancellationToken cancellationToken = default) =>
        _core.ReadDeviceIdentificationAsync(unit, readDeviceIdCode, objectId, cancellationToken);

    void IModbusPduLink.ValidateUnit(byte unit, bool broadcastAllowed)
    {
        if ((unit == ModbusRtuFraming.BroadcastAddress && !broadcastAllowed) || unit > ModbusRtuFraming.MaxUnitAddress)
        {
            throw new ArgumentOutOfRangeException(
                nameof(unit), unit, broadcastAllowed ? "Unit must be 0 (broadcast) or 1..247." : "Unit must be 1..247 (this function cannot be broadcast).");
        }
    }

    /// <summary>
    /// Frames the PDU already encoded at offset 1 of the request buffer and runs the exchange. Returns the response PDU,
    /// or null for a broadcast (after the turnaround delay). Caller holds the gate.
    /// </summary>
    async ValueTask<ReadOnlyMemory<byte>?> IModbusPduLink.ExchangeAsync(byte unit, ModbusFunctionCode function, int pduLength, CancellationToken cancellationToken)
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

        int length = await _line.ExchangeAsync(request, _responseAdu, unit, (byte)function, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);

        // Re-checked so that a faulty line implementation cannot slip a bad frame through.
        if (length is < 5 or > ModbusRtuFraming.MaxAduLength || !ModbusCrc16.IsValid(_responseAdu.AsSpan(0, length)))
        {
            throw new ModbusProtocolException($"The line returned an invalid response frame of {length} bytes (CRC error or bad length).");
        }

        return _responseAdu.AsMemory(1, length - 1 - ModbusCrc16.Size);
    }
}
