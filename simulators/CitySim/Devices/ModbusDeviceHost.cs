using System.Net;
using City.Protocols.Modbus;
using City.Sim.Cli;

namespace City.Sim.Devices;

/// <summary>
/// Serves simulated devices, each on its own Modbus TCP endpoint, and advances their models once a
/// second with the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ModbusDeviceHost(TimeProvider time) : IAsyncDisposable
{
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private readonly List<(IModbusDevice Device, ModbusTcpSlave Slave)> served = [];
    private readonly CancellationTokenSource stopping = new();
    private Task? updateLoop;

    /// <summary>Starts listening for <paramref name="device"/> (port 0 picks a free port) and returns the bound endpoint.</summary>
    public async Task<IPEndPoint> AddAsync(IModbusDevice device, IModbusRegisterMap registerMap, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var slave = new ModbusTcpSlave(endPoint, registerMap);
        slave.ConnectionFaulted += (_, e) => ConsoleOutput.Log($"{device.Kind} unit {device.UnitId}: connection {e.RemoteEndPoint}: {e.Exception.Message}");
        try
        {
            await slave.StartAsync(stopping.Token).ConfigureAwait(false);
        }
        catch
        {
            await slave.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        lock (gate)
        {
            served.Add((device, slave));
            updateLoop ??= UpdateLoopAsync(stopping.Token);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return slave.LocalEndPoint;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (updateLoop is not null)
        {
            await updateLoop.ConfigureAwait(false);
        }

        foreach (var (_, slave) in Snapshot())
        {
            await slave.DisposeAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private (IModbusDevice Device, ModbusTcpSlave Slave)[] Snapshot()
    {
        lock (gate)
        {
            return [.. served];
        }
    }

    private async Task UpdateLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(UpdateInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = time.GetUtcNow();
                foreach (var (device, _) in Snapshot())
                {
                    device.Update(now);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
