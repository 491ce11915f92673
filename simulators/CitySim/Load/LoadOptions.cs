namespace City.Sim.Load;

/// <summary>What <c>citysim load</c> plays: how many gateways, how big their batches are, how long.</summary>
internal sealed record LoadOptions(
    string BrokerHost,
    int BrokerPort,
    int Gateways,
    int Points,
    int ReadingsPerPoint,
    int Window,
    TimeSpan Duration,
    string GatewayPrefix)
{
    /// <summary>How long to wait for outstanding acks once publishing stops.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gateways connecting at the same time (the broker sees a burst, not a flood).</summary>
    public int ConnectParallelism { get; init; } = 16;

    public int ReadingsPerBatch => Points * ReadingsPerPoint;

    public string GatewayId(int index) => GatewayPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
