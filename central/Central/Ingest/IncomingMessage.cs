using City.Contract.Mqtt;
using City.Contract;

namespace City.Central.Ingest;

/// <summary>
/// A received topic, parsed once where the message arrives: the gateway and kind of a contract topic
/// (city/v1/{gateway}/{kind}), or none for any other topic.
/// </summary>
internal readonly record struct IngestTopic(string Name, string GatewayId, TopicKind? Kind)
{
    public static IngestTopic Parse(string topic) =>
        Topics.TryParse(topic, out var gatewayId, out var kind) ? new(topic, gatewayId, kind) : new(topic, string.Empty, null);

    /// <summary>Central's own output (acks, commands), back through the city/v1/# subscription.</summary>
    public bool IsCentralOutput => Kind is TopicKind.Ack or TopicKind.Cmd;
}

/// <summary>
/// A message as received from the broker. <see cref="Payload"/> is null when the payload was larger
/// than allowed (it is not copied); <see cref="Length"/> is its size either way.
/// </summary>
internal readonly record struct IncomingMessage(IngestTopic Route, byte[]? Payload, int Length, bool Retained)
{
    public IncomingMessage(string topic, byte[]? payload, int length, bool retained)
        : this(IngestTopic.Parse(topic), payload, length, retained)
    {
    }

    public string Topic => Route.Name;

    /// <summary>Not a message but an admin's reset of a gateway, ordered with the messages (see <see cref="GatewayReset"/>).</summary>
    public GatewayReset? Reset { get; init; }

    public static IncomingMessage ForReset(GatewayReset reset) => new(IngestTopic.Parse(string.Empty), null, 0, false) { Reset = reset };
}
