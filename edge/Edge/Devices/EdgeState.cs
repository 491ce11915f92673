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
    private long _connections;

    public void SetConnected(DateTimeOffset since)
    {
        lock (_gate)
        {
            _connections++;
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
                Interlocked.Read(ref _forgedAckSeqs), Interlocked.Read(ref _repeatedAckSeqs), Interlocked.Read(ref _foreignMessages), _connections);
        }
    }
}

internal readonly record struct CentralSnapshot(
    bool Connected, DateTimeOffset? Since, string? LastError, int InFlight, long ForgedAckSeqs, long RepeatedAckSeqs, long ForeignMessages, long Connections);

/// <summary>
/// Why a poll failed, protocol-neutral (the metrics' label <c>kind</c>; the status's <c>errorsByKind</c>). The set is fixed: the
/// forwarded metrics give each device one point per kind.
/// </summary>
internal static class PollErrorKinds
{
    /// <summary>No answer in time (a Modbus or SNMP timeout).</summary>
    public const string Timeout = "timeout";

    /// <summary>The link failed: connection refused or reset, a port that cannot be opened, a garbled frame, a DALI interface that fails.</summary>
    public const string Link = "link";

    /// <summary>The device answered with an error: a Modbus exception code, an SNMP error-status, refused v3 credentials.</summary>
    public const string Exception = "exception";

    /// <summary>An answer that could not be decoded into the point (a wrong type, a missing table row, a malformed packet).</summary>
    public const string Decode = "decode";

    /// <summary>Not asked: the device has been silent for a while and is polled less often until it answers (each skipped cycle).</summary>
    public const string BackedOff = "backed-off";

    /// <summary>A DALI line without bus power.</summary>
    public const string BusPower = "bus-power";

    /// <summary>Anything else (an unexpected failure).</summary>
    public const string Other = "other";

    public static IReadOnlyList<string> All { get; } = [Timeout, Link, Exception, Decode, BackedOff, BusPower, Other];
}

internal sealed class DeviceState(DeviceDefinition device)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _errorsByKind = new(StringComparer.Ordinal);
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

    /// <summary>Called after every recorded poll cycle: the device's poller beats its watchdog heartbeat here (set by <see cref="PollingService"/>).</summary>
    public Action? Polled { get; set; }

    /// <summary>Records one poll cycle; a failed one is counted under <paramref name="errorKind"/> (<see cref="PollErrorKinds"/>, <c>other</c> when none is given).</summary>
    public void RecordPoll(DateTimeOffset at, bool ok, string? error) => RecordPoll(at, ok, error, null);

    /// <inheritdoc cref="RecordPoll(DateTimeOffset, bool, string?)"/>
    public void RecordPoll(DateTimeOffset at, bool ok, string? error, string? errorKind)
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
                var kind = errorKind ?? PollErrorKinds.Other;
                _errorsByKind[kind] = _errorsByKind.GetValueOrDefault(kind) + 1;
            }
        }

        Polled?.Invoke();
    }

    public (DateTimeOffset? LastPollAt, bool? LastPollOk, string? LastError, long PollsOk, long PollsFailed) Snapshot()
    {
        lock (_gate)
        {
            return (_lastPollAt, _lastPollOk, _lastError, _pollsOk, _pollsFailed);
        }
    }

    /// <summary>Failed polls by kind since the start (only the kinds that happened).</summary>
    public IReadOnlyDictionary<string, long> ErrorsByKind()
    {
        lock (_gate)
        {
            return new SortedDictionary<string, long>(_errorsByKind, StringComparer.Ordinal);
        }
    }
}
