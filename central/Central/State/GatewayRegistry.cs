using System.Collections.Concurrent;
using City.Central.Store;

namespace City.Central.State;

/// <summary>
/// The published state of every gateway, read by the HTTP API and replaced by the ingest worker
/// after each commit. Loaded from the store when first used.
/// </summary>
internal sealed class GatewayRegistry
{
    private readonly ConcurrentDictionary<string, GatewayState> gateways = new(StringComparer.Ordinal);

    public GatewayRegistry(IReadingStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var gateway in store.LoadGateways())
        {
            gateways[gateway.Id] = gateway;
        }
    }

    public int Count => gateways.Count;

    public bool TryGet(string id, out GatewayState state) => gateways.TryGetValue(id, out state!);

    public IReadOnlyList<GatewayState> All() => [.. gateways.Values.OrderBy(g => g.Id, StringComparer.Ordinal)];

    public void Publish(GatewayState state) => gateways[state.Id] = state;
}
