namespace City.Central.Assets;

/// <summary>
/// The operators' tags of each gateway (<c>PUT /api/v1/gateways/{id}/tags</c>), kept in <c>assets.db</c> and in memory,
/// for <c>GET /api/v1/gateways?tag=</c>. A tag is 1-64 of A-Z a-z 0-9 . _ - : (case-sensitive); a gateway has at most
/// <see cref="MaxTags"/>.
/// </summary>
internal sealed class GatewayTags
{
    public const int MaxTags = 32;
    public const int MaxTagLength = 64;
    public const string Rule = "1-64 of A-Z a-z 0-9 . _ - :";

    private readonly AssetStore _store;
    private readonly Lock _gate = new();
    private Dictionary<string, IReadOnlyList<string>> _tags;

    public GatewayTags(AssetStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _tags = new Dictionary<string, IReadOnlyList<string>>(store.LoadTags(), StringComparer.Ordinal);
    }

    public static bool IsValid(string tag) =>
        tag.Length is >= 1 and <= MaxTagLength && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':');

    public IReadOnlyList<string> Of(string gatewayId) => Volatile.Read(ref _tags).GetValueOrDefault(gatewayId) ?? [];

    /// <summary>Whether the gateway carries every one of <paramref name="tags"/> (true when there are none).</summary>
    public bool HasAll(string gatewayId, IReadOnlyCollection<string> tags) =>
        tags.Count == 0 || (Of(gatewayId) is { Count: > 0 } held && tags.All(t => held.Contains(t, StringComparer.Ordinal)));

    /// <summary>Replaces the gateway's tags (sorted, without repeats), stored before they are shown; returns them.</summary>
    public IReadOnlyList<string> Set(string gatewayId, IEnumerable<string> tags)
    {
        IReadOnlyList<string> sorted = [.. tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        lock (_gate)
        {
            _store.SaveTags(gatewayId, sorted);
            var next = new Dictionary<string, IReadOnlyList<string>>(_tags, StringComparer.Ordinal);
            if (sorted.Count == 0)
            {
                next.Remove(gatewayId);
            }
            else
            {
                next[gatewayId] = sorted;
            }

            Volatile.Write(ref _tags, next);
        }

        return sorted;
    }
}
