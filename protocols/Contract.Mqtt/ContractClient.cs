using System.Net.Sockets;
using City.Contract.Wire;
using MQTTnet;
using MQTTnet.Exceptions;

namespace City.Contract.Mqtt;

/// <summary>The steps of a contract session on an <see cref="IMqttClient"/>, each checking what the broker answered.</summary>
public static class ContractClient
{
    /// <summary>Connects; a CONNACK other than Success throws <see cref="BrokerRefusedException"/>.</summary>
    public static async Task<MqttClientConnectResult> ConnectCheckedAsync(this IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new BrokerRefusedException($"The broker refused the connection of {options.ClientId}: {result.ResultCode} {result.ReasonString}");
        }

        return result;
    }

    /// <summary>Subscribes at QoS 1; a refused filter throws <see cref="BrokerRefusedException"/>.</summary>
    /// <param name="noLocal">Leave out what this same client publishes (central's own acks under city/v1/#).</param>
    public static async Task SubscribeAtLeastOnceAsync(this IMqttClient client, string topicFilter, bool noLocal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var subscription = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topicFilter).WithAtLeastOnceQoS().WithNoLocal(noLocal))
            .Build();
        var result = await client.SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new BrokerRefusedException($"The broker refused the subscription to {topicFilter}: {item.ResultCode}");
            }
        }
    }

    /// <summary>
    /// Publishes and, at QoS 1, waits for the PUBACK. Success and "no matching subscribers" (MQTTnet's
    /// <see cref="MqttClientPublishResult.IsSuccess"/>) mean the broker took the message; any other reason throws
    /// <see cref="PublishRefusedException"/>.
    /// </summary>
    public static async Task PublishCheckedAsync(this IMqttClient client, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(message);
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new PublishRefusedException(message.Topic, result.ReasonCode, result.ReasonString);
        }
    }

    /// <summary>The gateway's Birth, retained, checked: sent at every connection, after subscribing to the acks.</summary>
    public static Task PublishBirthAsync(this IMqttClient client, Birth birth, CancellationToken cancellationToken) =>
        client.PublishCheckedAsync(ContractMessages.Birth(birth), cancellationToken);

    /// <summary>
    /// A gateway's clean stop: the Death, then a normal disconnection, after which the broker discards the will
    /// (so central gets one Death, not two).
    /// </summary>
    public static async Task CloseWithDeathAsync(this IMqttClient client, Death death, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.PublishCheckedAsync(ContractMessages.Death(death), cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(
            new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A normal disconnection: the broker discards the will.</summary>
    public static Task DisconnectNormallyAsync(this IMqttClient client, CancellationToken cancellationToken) =>
        Disconnect(client, MqttClientDisconnectOptionsReason.NormalDisconnection, cancellationToken);

    /// <summary>Ends a session that failed with MQTT 5's "disconnect with will message" (0x04): the broker is asked to publish the will.</summary>
    public static Task DisconnectWithWillAsync(this IMqttClient client, CancellationToken cancellationToken) =>
        Disconnect(client, MqttClientDisconnectOptionsReason.DisconnectWithWillMessage, cancellationToken);

    /// <summary>The link failed (refused, reset, timed out, dropped): expected while the broker is away, retried without a stack trace.</summary>
    public static bool IsLinkFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is MqttCommunicationException or SocketException or IOException
            || exception.GetBaseException() is SocketException;
    }

    private static Task Disconnect(IMqttClient client, MqttClientDisconnectOptionsReason reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(reason).Build(), cancellationToken);
    }
}
