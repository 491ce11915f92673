using System.Collections.Concurrent;
using City.Contract.Wire;

namespace City.Edge.Devices;

/// <summary>Live state shared by the loops and read by the local API. Thread-safe.</summary>
internal sealed class EdgeState
{
    private readonly ConcurrentDictionary<string, LatestValue> _latest = new(StringComparer.Ordinal);

    public EdgeState(string gatewayId, DateTimeOffset startedAt, IEnumerable<DeviceDefinition> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        GatewayId = gatewayId;
        StartedAt = startedAt;
        Devices = devices.Select(d => new DeviceState(d)).ToList();
    }

    public string GatewayId { get; }

    public DateTimeOffset StartedAt { get; }

    public CentralState Central { get; } = new();

    public IReadOnlyList<DeviceState> Devices { get; }

    public DeviceState Device(string name) => Devices.First(d => d.Name == name);

    public void SetLatest(string pointId, uint alias, string unit, City.Contract.PointValue value, Quality quality, DateTimeOffset timestamp) =>
        _latest[pointId] = new LatestValue(pointId, alias, unit, value, quality, timestamp);

    public IReadOnlyList<LatestValue> Latest() => _latest.Values.OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
}

internal sealed record LatestValue(string Id, uint Alias, string Unit, City.Contract.PointValue Value, Quality Quality, DateTimeOffset Timestamp);

internal sealed class CentralState
{
    private readonly Lock _gate = new();
    private bool _connected;
    private DateTimeOffset? _since;
    private string? _lastError;
    private int _inFlight;
    private long _forgedAckSeqs;
    private long _repeatedAckSeqs;
    private long _foreignMessages;

    public void SetConnected(DateTimeOffset since)
    {
        lock (_gate)
        {
            _connected = true;
            _since = since;
            _lastError = null;
        }
    }

    public void SetDisconnected(DateTimeOffset since, string? error)
    {
        lock (_gate)
        {
            if (_connected || _since is null)
            {
                _since = since;
            }

            _connected = false;
            _lastError = error ?? _lastError;
        }
    }

    public void SetInFlight(int count) => Volatile.Write(ref _inFlight, count);

    /// <summary>
    /// Seqs of acks that were not settled: <paramref name="forged"/> were never published in this session or not awaiting an
    /// ack; <paramref name="repeated"/> were acknowledged a moment ago (a second ack after a resend).
    /// </summary>
    public void CountIgnoredAckSeqs(long forged, long repeated)
    {
        Interlocked.Add(ref _forgedAckSeqs, forged);
        Interlocked.Add(ref _repeatedAckSeqs, repeated);
    }

    /// <summary>A message that is not a readable ack on this gateway's own ack topic.</summary>
    public void CountForeignMessage() => Interlocked.Increment(ref _foreignMessages);

    public CentralSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new CentralSnapshot(_connected, _since, _lastError, Volatile.Read(ref _inFlight),
                Interlocked.Read(ref _forgedAckSeqs), Interlocked.Read(ref _repeatedAckSeqs), Interlocked.Read(ref _foreignMessages));
        }
    }
}

internal readonly record struct CentralSnapshot(
    bool Connected, DateTimeOffset? Since, string? LastError, int InFlight, long ForgedAckSeqs, long RepeatedAckSeqs, long ForeignMessages);

internal sealed class DeviceState(DeviceDefinition device)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastPollAt;
    private bool? _lastPollOk;
    private string? _lastError;
    private long _pollsOk;
    private long _pollsFailed;

    public string Name { get; } = device.Name;

    public string Protocol { get; } = device.Protocol;

    public string Endpoint { get; } = device.Endpoint;

    public int Points { get; } = device.Points.Count;

    /// <summary>False for a device with Enabled=false: it is never polled, so it has no poll to report.</summary>
    public bool Enabled { get; } = device.Enabled;

    public void RecordPoll(DateTimeOffset at, bool ok, string? error)
    {
        lock (_gate)
        {
            _lastPollAt = at;
            _lastPollOk = ok;
            if (ok)
            {
                _pollsOk++;
                _lastError = null;
            }
            else
            {
                _pollsFailed++;
                _lastError = error;
            }
        }
    }

    public (DateTimeOffset? LastPollAt, bool? LastPollOk, string? LastError, long PollsOk, long PollsFailed) Snapshot()
    {
        lock (_gate)
        {
            return (_lastPollAt, _lastPollOk, _lastError, _pollsOk, _pollsFailed);
        }
    }
}
