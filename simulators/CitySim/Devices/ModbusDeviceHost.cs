using System.Net;
using City.Protocols.Modbus;
using City.Sim.Common;

namespace City.Sim.Devices;

/// <summary>
/// Serves simulated devices on Modbus TCP endpoints (one device or several units per endpoint) or on an RTU serial line,
/// and advances their models once a second with the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ModbusDeviceHost(TimeProvider time) : IAsyncDisposable
{
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly List<IModbusDevice> _devices = [];
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _updateLoop;

    /// <summary>Starts listening for <paramref name="device"/> (port 0 picks a free port) and returns the bound endpoint.</summary>
    public Task<IPEndPoint> AddAsync(
        IModbusDevice device, IModbusRegisterMap registerMap, IPEndPoint endPoint, CancellationToken cancellationToken, ModbusFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return AddAsync([device], registerMap, endPoint, cancellationToken, faults);
    }

    /// <summary>
    /// Serves several devices (one unit id each, routed by <paramref name="registerMap"/>) on one TCP endpoint, with
    /// <paramref name="faults"/> injected by the slave (on the host's clock).
    /// </summary>
    public async Task<IPEndPoint> AddAsync(
        IReadOnlyList<IModbusDevice> served, IModbusRegisterMap registerMap, IPEndPoint endPoint, CancellationToken cancellationToken, ModbusFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(served);
        var slave = new ModbusTcpSlave(endPoint, registerMap, new ModbusTcpSlaveOptions { Faults = faults ?? ModbusFaults.None, TimeProvider = time });
        var name = Describe(served);
        slave.ConnectionFaulted += (_, e) => ConsoleOutput.Log($"{name}: connection {e.RemoteEndPoint}: {e.Exception.Message}");
        try
        {
            await slave.StartAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch
        {
            await slave.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Track(served, slave);
        cancellationToken.ThrowIfCancellationRequested();
        return slave.LocalEndPoint;
    }

    /// <summary>Starts <paramref name="slave"/> (an RTU line serving <paramref name="served"/>) and owns it from now on.</summary>
    public void AddRtu(IReadOnlyList<IModbusDevice> served, ModbusRtuSlave slave)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(slave);
        var name = Describe(served);
        slave.MapFaulted += (_, e) => ConsoleOutput.Log($"{name}: register map failed: {e.Message}");
        slave.Start();
        _ = slave.Completion.ContinueWith(
            t => ConsoleOutput.Log($"{name}: serial line failed: {t.Exception?.GetBaseException().Message}"),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        Track(served, slave);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_updateLoop is not null)
        {
            await _updateLoop.ConfigureAwait(false);
        }

        IAsyncDisposable[] toStop;
        lock (_gate)
        {
            toStop = [.. _servers];
        }

        foreach (var server in toStop)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private static string Describe(IReadOnlyList<IModbusDevice> served) =>
        string.Join(", ", served.Select(d => $"{d.Kind} unit {d.UnitId}"));

    private void Track(IReadOnlyList<IModbusDevice> served, IAsyncDisposable server)
    {
        lock (_gate)
        {
            _devices.AddRange(served);
            _servers.Add(server);
            _updateLoop ??= UpdateLoopAsync(_stopping.Token);
        }
    }

    private IModbusDevice[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _devices];
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
                foreach (var device in Snapshot())
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
