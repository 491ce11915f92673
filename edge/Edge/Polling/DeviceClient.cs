using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Protocols.Modbus;

namespace City.Edge.Polling;

/// <summary>A read failed; <see cref="Quality"/> says how the affected readings are marked.</summary>
public sealed class DeviceReadException(Quality quality, string message, Exception? inner = null) : Exception(message, inner)
{
    public Quality Quality { get; } = quality;
}

/// <summary>Reads registers from one device. Failures are <see cref="DeviceReadException"/>s.</summary>
public interface IDeviceClient : IAsyncDisposable
{
    Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken);
}

public interface IDeviceClientFactory
{
    IDeviceClient Create(DeviceDefinition device);
}

/// <summary>Modbus TCP devices through <see cref="ModbusTcpClient"/> (it reconnects by itself on the next call).</summary>
public sealed class ModbusDeviceClientFactory(TimeProvider time) : IDeviceClientFactory
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
            TimeProvider = time,
        });
        return new ModbusDeviceClient(client, device.UnitId);
    }

    private sealed class ModbusDeviceClient(ModbusTcpClient client, byte unitId) : IDeviceClient
    {
        public async Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken)
        {
            try
            {
                return table == ModbusTable.Input
                    ? await client.ReadInputRegistersAsync(unitId, start, count, cancellationToken).ConfigureAwait(false)
                    : await client.ReadHoldingRegistersAsync(unitId, start, count, cancellationToken).ConfigureAwait(false);
            }
            catch (ModbusException ex)
            {
                // The device answered: the link is fine, the request or the device is not.
                var quality = ex.ExceptionCode is ModbusExceptionCode.IllegalDataAddress or ModbusExceptionCode.IllegalFunction or ModbusExceptionCode.IllegalDataValue
                    ? Quality.ConfigError
                    : Quality.DeviceFailure;
                throw new DeviceReadException(quality, ex.Message, ex);
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or SocketException)
            {
                throw new DeviceReadException(Quality.CommLoss, ex.Message, ex);
            }
        }

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }
}
