using City.Contract.Wire;
using City.Edge.Configuration;
using City.Protocols.Modbus;

namespace City.Edge.Polling;

/// <summary>
/// Modbus RTU devices: one <see cref="ModbusRtuMaster"/> per serial line, shared by every device on that line (the master
/// serializes the requests, each waiting at most the line's TimeoutMs). The port is opened on the first request; a port
/// that cannot be opened, or that fails with an I/O error, gives COMM_LOSS and is opened again on the next request.
/// Disposing a device client leaves the line open for the other devices; disposing the factory closes every line.
/// </summary>
public sealed class ModbusRtuDeviceClientFactory(TimeProvider time, Func<SerialLineDefinition, IModbusRtuLine>? openLine = null) : IDeviceClientFactory, IDisposable
{
    private readonly Dictionary<string, SharedLine> _lines = new(StringComparer.Ordinal);
    private readonly Func<SerialLineDefinition, IModbusRtuLine> _openLine = openLine ?? (line => ModbusRtuTransport.Open(
        new ModbusRtuSerialSettings(line.Port) { BaudRate = line.BaudRate, Parity = line.Parity, DataBits = line.DataBits, StopBits = line.StopBits }, time));

    public IDeviceClient Create(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var definition = device.SerialLine ?? throw new ArgumentException($"Device '{device.Name}' is not a modbus-rtu device (no serial line).", nameof(device));
        SharedLine line;
        lock (_lines)
        {
            if (!_lines.TryGetValue(definition.Name, out line!))
            {
                line = new SharedLine(definition, _openLine, time);
                _lines.Add(definition.Name, line);
            }
        }

        return new RtuDeviceClient(line, device.UnitId);
    }

    public void Dispose()
    {
        lock (_lines)
        {
            foreach (var line in _lines.Values)
            {
                line.Dispose();
            }

            _lines.Clear();
        }
    }

    /// <summary>The master of one line and the port under it, opened lazily and reopened after an I/O failure.</summary>
    private sealed class SharedLine(SerialLineDefinition definition, Func<SerialLineDefinition, IModbusRtuLine> open, TimeProvider time) : IDisposable
    {
        private readonly Lock _gate = new();
        private IModbusRtuLine? _line;
        private ModbusRtuMaster? _master;

        public SerialLineDefinition Definition { get; } = definition;

        public ModbusRtuMaster Master()
        {
            lock (_gate)
            {
                if (_master is null)
                {
                    _line = open(Definition);
                    _master = new ModbusRtuMaster(_line, new ModbusRtuMasterOptions { RequestTimeout = Definition.Timeout, TimeProvider = time });
                }

                return _master;
            }
        }

        /// <summary>Closes the port after an I/O failure, unless another caller already replaced <paramref name="failed"/>.</summary>
        public void Invalidate(ModbusRtuMaster failed)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_master, failed))
                {
                    Close();
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                Close();
            }
        }

        private void Close()
        {
            (_line as IDisposable)?.Dispose();
            _line = null;
            _master = null;
        }
    }

    private sealed class RtuDeviceClient(SharedLine line, byte unitId) : IDeviceClient
    {
        public async Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken)
        {
            ModbusRtuMaster master;
            try
            {
                master = line.Master();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                throw new DeviceReadException(Quality.CommLoss, $"cannot open serial line '{line.Definition.Name}' ({line.Definition.Port}): {ex.Message}", ex);
            }

            try
            {
                return table == ModbusTable.Input
                    ? await master.ReadInputRegistersAsync(unitId, start, count, cancellationToken).ConfigureAwait(false)
                    : await master.ReadHoldingRegistersAsync(unitId, start, count, cancellationToken).ConfigureAwait(false);
            }
            catch (ModbusException ex)
            {
                // The slave answered: the line is fine, the request or the device is not.
                var quality = ex.ExceptionCode is ModbusExceptionCode.IllegalDataAddress or ModbusExceptionCode.IllegalFunction or ModbusExceptionCode.IllegalDataValue
                    ? Quality.ConfigError
                    : Quality.DeviceFailure;
                throw new DeviceReadException(quality, ex.Message, ex);
            }
            catch (Exception ex) when (ex is TimeoutException or ModbusProtocolException)
            {
                // Silence, a CRC error or a frame from another unit: the port itself is fine.
                throw new DeviceReadException(Quality.CommLoss, ex.Message, ex);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
            {
                line.Invalidate(master);
                throw new DeviceReadException(Quality.CommLoss, $"serial line '{line.Definition.Name}' ({line.Definition.Port}): {ex.Message}", ex);
            }
        }

        /// <summary>The line is shared: it stays open for the other devices.</summary>
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Modbus TCP devices through <see cref="ModbusDeviceClientFactory"/>, Modbus RTU devices through <see cref="ModbusRtuDeviceClientFactory"/>.</summary>
public sealed class ProtocolDeviceClientFactory(IDeviceClientFactory tcp, ModbusRtuDeviceClientFactory rtu) : IDeviceClientFactory, IDisposable
{
    public ProtocolDeviceClientFactory(TimeProvider time)
        : this(new ModbusDeviceClientFactory(time), new ModbusRtuDeviceClientFactory(time))
    {
    }

    public IDeviceClient Create(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.SerialLine is null ? tcp.Create(device) : rtu.Create(device);
    }

    public void Dispose() => rtu.Dispose();
}
