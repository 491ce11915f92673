namespace City.Central.Assets;

/// <summary>One acknowledgement: the alarm's or event's key, the token name that acknowledged it, and when.</summary>
internal sealed record AlarmAck(string Key, string By, long AtUnixMs);

/// <summary>
/// The operators' acknowledgements of alarms and events (<c>POST /api/v1/alarms/ack</c>), kept in <c>assets.db</c> and in
/// memory. A key names one occurrence (a condition with the instant it started, an event with its timestamp), so an alarm
/// that clears and comes back is a new one and is not acknowledged. Acknowledgements older than <see cref="KeptDays"/>
/// days are forgotten at the next acknowledgement.
/// </summary>
internal sealed class AlarmAcks
{
    public const int KeptDays = 30;
    public const int MaxKeyLength = 512;
    private readonly AssetStore _store;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Dictionary<string, AlarmAck> _acks;

    public AlarmAcks(AssetStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time;
        _acks = store.LoadAcks().ToDictionary(a => a.Key, StringComparer.Ordinal);
    }

    /// <summary>A key is 1-512 printable characters (what the alarm list hands out).</summary>
    public static bool IsValidKey(string key) => key.Length is >= 1 and <= MaxKeyLength && !key.Any(char.IsControl);

    public AlarmAck? Of(string key) => Volatile.Read(ref _acks).GetValueOrDefault(key);

    /// <summary>The acknowledgements whose key starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<AlarmAck> WithPrefix(string prefix) =>
        [.. Volatile.Read(ref _acks).Values.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(a => a.AtUnixMs)];

    /// <summary>Acknowledges the keys not acknowledged yet (stored before they show); returns each key's acknowledgement.</summary>
    public IReadOnlyList<AlarmAck> Acknowledge(IReadOnlyCollection<string> keys, string by)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var added = keys.Distinct(StringComparer.Ordinal).Where(k => !_acks.ContainsKey(k)).Select(k => new AlarmAck(k, by, now)).ToList();
            var cutoff = now - (KeptDays * 86_400_000L);
            var forget = _acks.Values.Where(a => a.AtUnixMs < cutoff).Select(a => a.Key).ToList();
            if (added.Count > 0 || forget.Count > 0)
            {
                _store.SaveAcks(added, forget);
                var next = new Dictionary<string, AlarmAck>(_acks, StringComparer.Ordinal);
                foreach (var key in forget)
                {
                    next.Remove(key);
                }

                foreach (var ack in added)
                {
                    next[ack.Key] = ack;
                }

                Volatile.Write(ref _acks, next);
            }

            return [.. keys.Select(k => _acks[k])];
        }
    }
}
