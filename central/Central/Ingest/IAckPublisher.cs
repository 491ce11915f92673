namespace City.Central.Ingest;

/// <summary>Publishes the acks after a commit. The MQTT side implements it; ingest knows nothing of MQTT.</summary>
internal interface IAckPublisher
{
    /// <summary>Publishes at QoS 1 and waits for the broker's PUBACK; throws when not connected.</summary>
    Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken);
}

/// <summary>Where the messages of the ingest queue come from; the worker stops it at shutdown before draining the queue.</summary>
internal interface IMessageIntake
{
    /// <summary>Stops queueing received messages (they stay unacknowledged at the broker) and waits for handlers in progress.</summary>
    Task StopIntakeAsync();
}
