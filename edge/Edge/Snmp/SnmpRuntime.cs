using System.Collections.Concurrent;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging;

namespace City.Edge.Snmp;

/// <summary>
/// What the SNMP devices of one edge share: one <see cref="SnmpManager"/> (one UDP socket; its receive loop matches
/// answers to requests, so devices poll concurrently and a silent one never holds another), the running pollers (a trap
/// asks its device's poller for an immediate alarm poll) and the event path.
/// </summary>
internal sealed class SnmpRuntime : IAsyncDisposable
{
    private readonly Lazy<SnmpManager> _manager;
    private readonly ConcurrentDictionary<string, SnmpDevicePoller> _pollers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public SnmpRuntime(TimeProvider time)
    {
        _time = time;
        _manager = new Lazy<SnmpManager>(() => SnmpManager.CreateUdp(null, time), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public SnmpManager Manager => _manager.Value;

    public SnmpDevicePoller CreatePoller(DeviceDefinition device, int rank, int count, ChannelWriter<Reading> output, EdgeState state, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(device);
        var poller = new SnmpDevicePoller(device, rank, count, Manager, output, state, _time, logger);
        _pollers[device.Name] = poller;
        return poller;
    }

    /// <summary>Asks the device's poller to read its alarm points now; false when the device has no running poller.</summary>
    public bool RequestAlarmPoll(string device) => _pollers.TryGetValue(device, out var poller) && poller.RequestAlarmPoll();

    /// <summary>Writes one event (text reading of the device's $edge/snmp/{device}/events point).</summary>
    public static async ValueTask EmitEventAsync(DeviceDefinition device, string text, DateTimeOffset timestamp, ChannelWriter<Reading> output, EdgeState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(state);
        var point = device.SnmpPoints.First(p => p.Snmp.Kind == SnmpPointKind.Event);
        var value = PointValue.FromText(text.Length > PointValue.MaxTextLength ? text[..(PointValue.MaxTextLength - 3)] + "..." : text);
        state.SetLatest(point.Id, point.Alias, point.Unit, value, Quality.Good, timestamp);
        await output.WriteAsync(new Reading(point.Alias, timestamp.ToUnixTimeMilliseconds(), value, Quality.Good), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_manager.IsValueCreated)
        {
            await _manager.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
