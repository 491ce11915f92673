using MQTTnet;

namespace City.Contract.Mqtt;

/// <summary>The broker answered, and said no (a CONNACK, SUBACK or PUBACK with an error reason).</summary>
public class BrokerRefusedException : InvalidOperationException
{
    public BrokerRefusedException()
    {
    }

    public BrokerRefusedException(string message)
        : base(message)
    {
    }

    public BrokerRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A QoS 1 publish whose PUBACK carried an error reason (not authorized, quota exceeded, ...).</summary>
public sealed class PublishRefusedException : BrokerRefusedException
{
    public PublishRefusedException()
    {
    }

    public PublishRefusedException(string message)
        : base(message)
    {
    }

    public PublishRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PublishRefusedException(string topic, MqttClientPublishReasonCode reasonCode, string? reasonString)
        : base($"The broker refused the publish on {topic}: {reasonCode} {reasonString}")
    {
        Topic = topic;
        ReasonCode = reasonCode;
        ReasonString = reasonString;
    }

    public string Topic { get; } = string.Empty;

    public MqttClientPublishReasonCode ReasonCode { get; }

    public string? ReasonString { get; }
}
