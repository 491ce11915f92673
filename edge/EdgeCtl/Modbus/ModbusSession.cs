using System.Net;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.EdgeCtl.Modbus;

/// <summary>One short-lived connection to a device: a Modbus TCP client or an RTU master on its own serial port.</summary>
internal sealed class ModbusSession : IAsyncDisposable
{
    private readonly IModbusMaster _master;
    private readonly IAsyncDisposable _owned;

    private ModbusSession(IModbusMaster master, IAsyncDisposable owned)
    {
        _master = master;
        _owned = owned;
    }

    /// <summary>
    /// A short --timeout-ms is about the device's answer; connecting gets at least 3 s, so that a busy machine
    /// does not report a reachable device as unreachable.
    /// </summary>
    public static TimeSpan ConnectTimeoutFor(TimeSpan requestTimeout) =>
        requestTimeout > TimeSpan.FromSeconds(3) ? requestTimeout : TimeSpan.FromSeconds(3);

    /// <summary>Opens the session; for RTU this opens the serial port (which can throw), for TCP the connection opens on the first request.</summary>
    public static ModbusSession Open(ModbusEndpoint endpoint, TimeSpan timeout)
    {
        if (endpoint.Kind == ModbusTransportKind.Tcp)
        {
            var client = new ModbusTcpClient(
                IPAddress.TryParse(endpoint.Target, out IPAddress? address) ? new IPEndPoint(address, endpoint.Port) : new DnsEndPoint(endpoint.Target, endpoint.Port),
                new ModbusTcpClientOptions { RequestTimeout = timeout, ConnectTimeout = ConnectTimeoutFor(timeout) });
            return new ModbusSession(client, client);
        }

        var line = ModbusRtuTransport.Open(new ModbusRtuSerialSettings(endpoint.Target)
        {
            BaudRate = endpoint.BaudRate,
            Parity = endpoint.Parity,
            StopBits = endpoint.StopBits,
            DataBits = endpoint.DataBits,
        });
        return new ModbusSession(new ModbusRtuMaster(line, new ModbusRtuMasterOptions { RequestTimeout = timeout }), new DisposeLine(line));
    }

    public Task<ushort[]> ReadRegistersAsync(ModbusTable table, byte unit, ushort address, ushort count, CancellationToken cancellation) =>
        table == ModbusTable.Input
            ? _master.ReadInputRegistersAsync(unit, address, count, cancellation)
            : _master.ReadHoldingRegistersAsync(unit, address, count, cancellation);

    public Task<bool[]> ReadBitsAsync(ModbusTable table, byte unit, ushort address, ushort count, CancellationToken cancellation) =>
        table == ModbusTable.Discrete
            ? _master.ReadDiscreteInputsAsync(unit, address, count, cancellation)
            : _master.ReadCoilsAsync(unit, address, count, cancellation);

    public Task WriteRegistersAsync(byte unit, ushort address, ushort[] registers, bool single, CancellationToken cancellation) =>
        single
            ? _master.WriteSingleRegisterAsync(unit, address, registers[0], cancellation)
            : _master.WriteMultipleRegistersAsync(unit, address, registers, cancellation);

    public Task WriteCoilsAsync(byte unit, ushort address, bool[] coils, bool single, CancellationToken cancellation) =>
        single
            ? _master.WriteSingleCoilAsync(unit, address, coils[0], cancellation)
            : _master.WriteMultipleCoilsAsync(unit, address, coils, cancellation);

    public ValueTask DisposeAsync() => _owned.DisposeAsync();

    private sealed class DisposeLine(ModbusRtuTransport line) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            line.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
