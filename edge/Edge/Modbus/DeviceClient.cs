using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>
/// A request to a device failed; <see cref="Quality"/> says how the affected readings are marked. <see cref="ExceptionCode"/>
/// is set when the device answered with an exception, <see cref="TimedOut"/> when it did not answer.
/// </summary>
internal sealed class DeviceRequestException(Quality quality, string message, Exception? inner = null) : Exception(message, inner)
{
    public Quality Quality { get; } = quality;

    public ModbusExceptionCode? ExceptionCode => (InnerException as ModbusException)?.ExceptionCode;

    public bool TimedOut => InnerException is TimeoutException;
}

/// <summary>Reads and writes one device. Failures are <see cref="DeviceRequestException"/>s.</summary>
internal interface IDeviceClient : IAsyncDisposable
{
    /// <summary>Holding or input registers (FC03 / FC04).</summary>
    Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken);

    /// <summary>Coils or discrete inputs (FC01 / FC02).</summary>
    Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken);

    /// <summary>FC05 for a coil, FC06 for one register, FC16 for more.</summary>
    Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken);
}

internal interface IDeviceClientFactory
{
    IDeviceClient Create(DeviceDefinition device);
}

/// <summary>
/// The one adapter between the edge and a Modbus master (TCP or RTU): maps failures to qualities, keeps the device's own
/// spacing (<see cref="DeviceDefinition.PauseBetweenRequests"/>, <see cref="DeviceDefinition.PauseAfterConnect"/>) and, when
/// the master is shared by several devices, the device's own read retries. Its requests are serialized per device, writes
/// before reads (<see cref="PriorityGate"/>); the wait
/// for the device's pause happens before the master is asked, so it never holds a shared line.
/// </summary>
internal sealed class MasterDeviceClient(DeviceDefinition device, IMasterSource source, TimeProvider time) : IDeviceClient
{
    private readonly PriorityGate _gate = new();
    private DateTimeOffset _lastRequestEnd = DateTimeOffset.MinValue;
    private DateTimeOffset _connectedAt = DateTimeOffset.MinValue;
    private long _generation = -1;

    public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
        RunAsync(isRead: true, (master, ct) => table == ModbusTable.Input
            ? master.ReadInputRegistersAsync(device.UnitId, start, count, ct)
            : master.ReadHoldingRegistersAsync(device.UnitId, start, count, ct), cancellationToken);

    public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
        RunAsync(isRead: true, (master, ct) => table == ModbusTable.Discrete
            ? master.ReadDiscreteInputsAsync(device.UnitId, start, count, ct)
            : master.ReadCoilsAsync(device.UnitId, start, count, ct), cancellationToken);

    public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        return RunAsync(isRead: false, async (master, ct) =>
        {
            switch (write.Function)
            {
                case ModbusFunctionCode.WriteSingleCoil:
                    await master.WriteSingleCoilAsync(device.UnitId, write.Address, write.Coil, ct).ConfigureAwait(false);
                    break;
                case ModbusFunctionCode.WriteSingleRegister:
                    await master.WriteSingleRegisterAsync(device.UnitId, write.Address, write.Registers[0], ct).ConfigureAwait(false);
                    break;
                default:
                    await master.WriteMultipleRegistersAsync(device.UnitId, write.Address, write.Registers, ct).ConfigureAwait(false);
                    break;
            }

            return true;
        }, cancellationToken);
    }

    public ValueTask DisposeAsync() => source.DisposeAsync();

    private async Task<T> RunAsync<T>(bool isRead, Func<IModbusMaster, CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        // A write (the local API's or a remote command's) goes before the poller's next read: it waits only for the request on the wire.
        await _gate.EnterAsync(priority: !isRead, cancellationToken).ConfigureAwait(false);
        try
        {
            // Reads on a shared master are retried here, one attempt per turn on the line; a private master retries by itself.
            var attemptsLeft = isRead && source.IsShared ? device.Retries : 0;
            while (true)
            {
                try
                {
                    return await AttemptAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (DeviceRequestException ex) when (attemptsLeft > 0 && ex.Quality == Quality.CommLoss && ex.InnerException is TimeoutException or ModbusProtocolException)
                {
                    attemptsLeft--;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> AttemptAsync<T>(Func<IModbusMaster, CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        IModbusMaster master;
        try
        {
            master = source.Master();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            throw new DeviceRequestException(Quality.CommLoss, $"cannot open {source.Description}: {ex.Message}", ex);
        }

        if (source.IsConnected && source.Generation != _generation)
        {
            // The link was (re)opened before this request (an RTU port opens in Master()): pause after connect from then.
            _generation = source.Generation;
            _connectedAt = source.ConnectedAt;
        }

        var due = Max(_lastRequestEnd + device.PauseBetweenRequests, _connectedAt + device.PauseAfterConnect);
        var wait = due - time.GetUtcNow();
        var longestPause = device.PauseBetweenRequests > device.PauseAfterConnect ? device.PauseBetweenRequests : device.PauseAfterConnect;
        if (wait > longestPause)
        {
            // The wall clock was set back since the last request (an NTP step): no pause lasts longer than its setting.
            wait = longestPause;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await request(master, cancellationToken).ConfigureAwait(false);
        }
        catch (ModbusException ex)
        {
            // The device answered: the link is fine, the request or the device is not.
            var quality = ex.ExceptionCode is ModbusExceptionCode.IllegalDataAddress or ModbusExceptionCode.IllegalFunction or ModbusExceptionCode.IllegalDataValue
                ? Quality.ConfigError
                : Quality.DeviceFailure;
            throw new DeviceRequestException(quality, ex.Message, ex);
        }
        catch (Exception ex) when (ex is TimeoutException or ModbusProtocolException)
        {
            // Silence, a CRC error or a frame from another unit: the link itself is usable.
            throw new DeviceRequestException(Quality.CommLoss, ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            source.Failed(master);
            throw new DeviceRequestException(Quality.CommLoss, $"{source.Description}: {ex.Message}", ex);
        }
        finally
        {
            _lastRequestEnd = time.GetUtcNow();
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>Where a <see cref="MasterDeviceClient"/> gets its master: a private TCP client, or the master of a shared serial line.</summary>
internal interface IMasterSource : IAsyncDisposable
{
    /// <summary>For messages: "tcp://host:port" or "serial line 'bus1' (/dev/ttyUSB0)".</summary>
    string Description { get; }

    /// <summary>True when several devices share the master (then per-device retries are done outside it).</summary>
    bool IsShared { get; }

    bool IsConnected { get; }

    /// <summary>Changes each time the link is opened again.</summary>
    long Generation { get; }

    DateTimeOffset ConnectedAt { get; }

    /// <summary>The master; opens the link when it is closed (exceptions: the link cannot be opened).</summary>
    IModbusMaster Master();

    /// <summary>The link broke under <paramref name="master"/>: close it, the next <see cref="Master"/> opens it again.</summary>
    void Failed(IModbusMaster master);
}

/// <summary>Modbus TCP devices: one <see cref="ModbusTcpClient"/> per device (it reconnects by itself on the next call).</summary>
internal sealed class ModbusDeviceClientFactory(TimeProvider time) : IDeviceClientFactory
{
    public IDeviceClient Create(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        EndPoint endPoint = IPAddress.TryParse(device.Host, out var address)
            ? new IPEndPoint(address, device.Port)
            : new DnsEndPoint(device.Host, device.Port);
        var client = new ModbusTcpClient(endPoint, new ModbusTcpClientOptions
        {
            RequestTimeout = device.Timeout,
            ConnectTimeout = device.Timeout,
            Retries = device.Retries,
            PauseAfterConnect = device.PauseAfterConnect,
            TimeProvider = time,
        });
        return new MasterDeviceClient(device, new TcpSource(client, $"{device.Host}:{device.Port}"), time);
    }

    private sealed class TcpSource(ModbusTcpClient client, string description) : IMasterSource
    {
        public string Description => description;

        public bool IsShared => false;

        public bool IsConnected => client.IsConnected;

        /// <summary>The client connects inside a request and pauses after connecting by itself (PauseAfterConnect in its options).</summary>
        public long Generation => 0;

        public DateTimeOffset ConnectedAt => DateTimeOffset.MinValue;

        public IModbusMaster Master() => client;

        public void Failed(IModbusMaster master)
        {
            // The client drops a broken connection itself and opens a new one on the next call.
        }

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }
}

/// <summary>
/// Modbus RTU devices: one <see cref="ModbusRtuMaster"/> per serial line, shared by every device on that line (the master
/// serializes the requests, each waiting at most the line's TimeoutMs). The port is opened on the first request; a port
/// that cannot be opened, or that fails with an I/O error, gives COMM_LOSS and is opened again on the next request.
/// Disposing a device client leaves the line open for the other devices; disposing the factory closes every line.
/// </summary>
internal sealed class ModbusRtuDeviceClientFactory(TimeProvider time, Func<SerialLineDefinition, IModbusRtuLine>? openLine = null) : IDeviceClientFactory, IDisposable
{
    private readonly Dictionary<string, SharedLine> _lines = new(StringComparer.Ordinal);
    private readonly Func<SerialLineDefinition, IModbusRtuLine> _openLine = openLine ?? (line => ModbusRtuTransport.Open(
        new ModbusRtuSerialSettings(line.Port) { BaudRate = line.BaudRate, Parity = line.Parity, DataBits = line.DataBits, StopBits = line.StopBits, Transport = line.Transport }, time));

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

        return new MasterDeviceClient(device, line, time);
    }

    public void Dispose()
    {
        lock (_lines)
        {
            foreach (var line in _lines.Values)
            {
                line.Close();
            }

            _lines.Clear();
        }
    }

    /// <summary>The master of one line and the port under it, opened lazily and reopened after an I/O failure.</summary>
    private sealed class SharedLine(SerialLineDefinition definition, Func<SerialLineDefinition, IModbusRtuLine> open, TimeProvider time) : IMasterSource
    {
        private readonly Lock _gate = new();
        private IModbusRtuLine? _line;
        private ModbusRtuMaster? _master;
        private long _generation;
        private DateTimeOffset _openedAt;

        public string Description => $"serial line '{definition.Name}' ({definition.Port})";

        public bool IsShared => true;

        public bool IsConnected
        {
            get
            {
                lock (_gate)
                {
                    return _master is not null;
                }
            }
        }

        public long Generation
        {
            get
            {
                lock (_gate)
                {
                    return _generation;
                }
            }
        }

        public DateTimeOffset ConnectedAt
        {
            get
            {
                lock (_gate)
                {
                    return _openedAt;
                }
            }
        }

        public IModbusMaster Master()
        {
            lock (_gate)
            {
                if (_master is null)
                {
                    _line = open(definition);
                    _master = new ModbusRtuMaster(_line, new ModbusRtuMasterOptions { RequestTimeout = definition.Timeout, TimeProvider = time });
                    _generation++;
                    _openedAt = time.GetUtcNow();
                }

                return _master;
            }
        }

        /// <summary>Closes the port after an I/O failure, unless another caller already replaced <paramref name="master"/>.</summary>
        public void Failed(IModbusMaster master)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_master, master))
                {
                    CloseLocked();
                }
            }
        }

        /// <summary>The line is shared: a device client going away leaves it open for the others.</summary>
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public void Close()
        {
            lock (_gate)
            {
                CloseLocked();
            }
        }

        private void CloseLocked()
        {
            (_line as IDisposable)?.Dispose();
            _line = null;
            _master = null;
        }
    }
}

/// <summary>Modbus TCP devices through <see cref="ModbusDeviceClientFactory"/>, Modbus RTU devices through <see cref="ModbusRtuDeviceClientFactory"/>.</summary>
internal sealed class ProtocolDeviceClientFactory(IDeviceClientFactory tcp, ModbusRtuDeviceClientFactory rtu) : IDeviceClientFactory, IDisposable
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

/// <summary>
/// One client per device, shared by its poller and by <see cref="PointWriter"/>: a TCP device sees one connection, and a
/// write waits its turn with the polls (and keeps the device's spacing). Clients handed out are not closed by their users;
/// disposing this closes them all.
/// </summary>
internal sealed class SharedDeviceClients(IDeviceClientFactory inner) : IDeviceClientFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IDeviceClient>> _clients = new(StringComparer.Ordinal);

    public IDeviceClient Create(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new Lease(_clients.GetOrAdd(device.Name, _ => new Lazy<IDeviceClient>(() => inner.Create(device))).Value);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            await client.Value.DisposeAsync().ConfigureAwait(false);
        }

        _clients.Clear();
        (inner as IDisposable)?.Dispose();
    }

    private sealed class Lease(IDeviceClient client) : IDeviceClient
    {
        public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            client.ReadAsync(table, start, count, cancellationToken);

        public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            client.ReadBitsAsync(table, start, count, cancellationToken);

        public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken) => client.WriteAsync(write, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
