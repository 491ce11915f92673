namespace City.Central.Commands;

/// <summary>
/// Publishes commands and the acks of their results through central's publisher connection. The MQTT side implements
/// it (as it does ingest's IAckPublisher); the command service knows nothing of MQTT.
/// </summary>
internal interface ICommandPublisher
{
    /// <summary>
    /// Publishes a command at QoS 1 (never retained) and waits for the broker's PUBACK: true when the broker took it for
    /// a subscriber (or a gateway's persistent session), false when no subscription matched (nobody will get it). Throws
    /// when not connected or refused.
    /// </summary>
    Task<bool> PublishCommandAsync(string topic, byte[] payload, CancellationToken cancellationToken);

    /// <summary>Publishes an ack at QoS 1 and waits for the PUBACK; throws when not connected.</summary>
    Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken);
}
