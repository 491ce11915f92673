using System.Collections.Concurrent;
using City.Central.Model;

namespace City.Central.State;

/// <summary>
/// The published state of every gateway, read by the HTTP API and replaced by the ingest worker
/// after each commit. Starts from the gateways the store holds (the composition root loads them).
/// </summary>
internal sealed class GatewayRegistry
{
    private readonly ConcurrentDictionary<string, GatewayState> _gateways = new(StringComparer.Ordinal);

    public GatewayRegistry(IEnumerable<GatewayState> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var gateway in stored)
        {
            _gateways[gateway.Id] = gateway;
        }
    }

    public int Count => _gateways.Count;

    public bool TryGet(string id, out GatewayState state) => _gateways.TryGetValue(id, out state!);

    public IReadOnlyList<GatewayState> All() => [.. _gateways.Values.OrderBy(g => g.Id, StringComparer.Ordinal)];

    public void Publish(GatewayState state) => _gateways[state.Id] = state;
}
