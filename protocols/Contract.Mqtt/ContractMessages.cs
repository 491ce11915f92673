using System.Buffers;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Contract.Mqtt;

/// <summary>The contract's messages as MQTT application messages: every one QoS 1, only the Birth retained.</summary>
public static class ContractMessages
{
    /// <summary>An encoded batch (see <see cref="BatchCodec"/>) on city/v1/{gatewayId}/data.</summary>
    public static MqttApplicationMessage Data(string gatewayId, byte[] batchPayload) =>
        Builder(Topics.Data(gatewayId), batchPayload).Build();

    /// <summary>The Birth, retained: a subscriber that comes later (central restarting) still gets the catalogue.</summary>
    public static MqttApplicationMessage Birth(Birth birth)
    {
        ArgumentNullException.ThrowIfNull(birth);
        return Builder(Topics.Birth(birth.GatewayId), birth.ToByteArray()).WithRetainFlag(true).Build();
    }

    /// <summary>The Death sent on a clean stop (the same message is the session's will).</summary>
    public static MqttApplicationMessage Death(Death death)
    {
        ArgumentNullException.ThrowIfNull(death);
        return Builder(Topics.Death(death.GatewayId), death.ToByteArray()).Build();
    }

    /// <summary>Central's acknowledgement to one gateway.</summary>
    public static MqttApplicationMessage Ack(string gatewayId, Ack ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        return Builder(Topics.Ack(gatewayId), ack.ToByteArray()).Build();
    }

    /// <summary>A message on <paramref name="topic"/> at QoS 1, not retained.</summary>
    public static MqttApplicationMessage AtLeastOnce(string topic, byte[] payload) => Builder(topic, payload).Build();

    /// <summary>Reads an Ack received by a gateway; false when the payload is not one.</summary>
    public static bool TryParseAck(MqttApplicationMessage message, out Ack ack)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.Payload;
        return BatchCodec.TryParse(Wire.Ack.Parser, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out ack);
    }

    private static MqttApplicationMessageBuilder Builder(string topic, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
}
