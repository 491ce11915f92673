using City.Contract.Mqtt;

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

    /// <summary>
    /// When set, every gateway connects over TLS with the files of <see cref="LoadTlsFiles"/> in this directory
    /// (what <c>central pki issue-gateway ID... --out DIR</c> writes); when null, plain MQTT.
    /// </summary>
    public string? TlsDirectory { get; init; }

    /// <summary>The public half of central's command-signing key (PEM); without it every command is rejected (signature).</summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>A command result not acknowledged within this is published again.</summary>
    public TimeSpan ResultAckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connect, answer commands and publish no data batches (a fan-out measurement on its own).</summary>
    public bool CommandsOnly { get; init; }

    /// <summary>When set, each gateway publishes this many batches and stops (the duration is then an upper bound).</summary>
    public int? BatchesPerGateway { get; init; }

    /// <summary>When set, a batch not acknowledged within this is published again (same seq, same body), until acknowledged.</summary>
    public TimeSpan? ResendAfter { get; init; }

    /// <summary>When set, each gateway publishes one batch per interval (a gateway's pace); otherwise as fast as its window allows.</summary>
    public TimeSpan? BatchInterval { get; init; }

    /// <summary>When set, a CSV file written at the end: gateway,buffer_id,seq,acked_at_us (first ack of each batch, unix µs).</summary>
    public string? AckLogFile { get; init; }

    public int ReadingsPerBatch => Points * ReadingsPerPoint;

    public string GatewayId(int index) => GatewayPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public IEnumerable<string> GatewayIds() => Enumerable.Range(0, Gateways).Select(GatewayId);

    /// <summary>The TLS files of one gateway, or null for plain MQTT.</summary>
    public BrokerTls? TlsFor(string gatewayId) => TlsDirectory is null ? null : LoadTlsFiles.For(TlsDirectory, gatewayId);
}
