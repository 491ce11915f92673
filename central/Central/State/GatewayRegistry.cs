using System.Collections.Concurrent;
using City.Central.Model;

namespace City.Central.State;

/// <summary>
/// The published state of every gateway, read by the HTTP API and replaced by the ingest worker
/// after each commit. Starts from the gateways the store holds (the composition root loads them).
/// </summary>
internal sealed class GatewayRegistry
{
    private readonly ConcurrentDictionary<string, GatewayState> gateways = new(StringComparer.Ordinal);

    public GatewayRegistry(IEnumerable<GatewayState> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var gateway in stored)
        {
            gateways[gateway.Id] = gateway;
        }
    }

    public int Count => gateways.Count;

    public bool TryGet(string id, out GatewayState state) => gateways.TryGetValue(id, out state!);

    public IReadOnlyList<GatewayState> All() => [.. gateways.Values.OrderBy(g => g.Id, StringComparer.Ordinal)];

    public void Publish(GatewayState state) => gateways[state.Id] = state;
}
