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

    /// <summary>A signed command (see <see cref="CommandSigning"/>) on city/v1/{gatewayId}/cmd; never retained.</summary>
    public static MqttApplicationMessage Command(string gatewayId, SignedCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Builder(Topics.Command(gatewayId), command.ToByteArray()).Build();
    }

    /// <summary>A command's result on city/v1/{gateway_id}/cmd-result.</summary>
    public static MqttApplicationMessage CommandResult(CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Builder(Topics.CommandResult(result.GatewayId), result.ToByteArray()).Build();
    }

    /// <summary>A message on <paramref name="topic"/> at QoS 1, not retained.</summary>
    public static MqttApplicationMessage AtLeastOnce(string topic, byte[] payload) => Builder(topic, payload).Build();

    /// <summary>Reads an Ack received by a gateway; false when the payload is not one.</summary>
    public static bool TryParseAck(MqttApplicationMessage message, out Ack ack) => TryParse(message, Wire.Ack.Parser, out ack);

    /// <summary>Reads a signed command received by a gateway; false when the payload is not one. The signature is not checked here.</summary>
    public static bool TryParseCommand(MqttApplicationMessage message, out SignedCommand command) =>
        TryParse(message, SignedCommand.Parser, out command);

    /// <summary>Reads a command result received by central; false when the payload is not one.</summary>
    public static bool TryParseCommandResult(MqttApplicationMessage message, out CommandResult result) =>
        TryParse(message, Wire.CommandResult.Parser, out result);

    private static bool TryParse<T>(MqttApplicationMessage message, MessageParser<T> parser, out T parsed)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.Payload;
        return BatchCodec.TryParse(parser, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out parsed);
    }

    private static MqttApplicationMessageBuilder Builder(string topic, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
}
