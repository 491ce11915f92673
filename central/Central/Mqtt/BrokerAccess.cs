using System.Reflection;
using City.Central.Configuration;
using City.Central.State;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace City.Central.Mqtt;

/// <summary>
/// The embedded broker's gatekeeper: who may connect (a certificate of our CA on the TLS listener; on the plain one,
/// the client id's claim), under which client id, which gateways are admitted, and what each identity may publish
/// and subscribe to (<see cref="AccessRules"/>). Every refusal is an MQTT 5 reason code, counted and logged by
/// <see cref="BrokerRefusals"/>.
/// </summary>
internal sealed class BrokerAccess
{
    // MQTTnet keeps the CONNECT packet private: the will and, for MQTT 3.1.1, the assigned client id live there.
    private static readonly FieldInfo ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("MQTTnet's ValidatingConnectionEventArgs has no _connectPacket field any more: the broker cannot check wills.");

    private readonly IBrokerCredentials _credentials;
    private readonly CentralOptions _options;
    private readonly GatewayRegistry _registry;
    private readonly BrokerRefusals _refusals;
    private readonly HashSet<string> _allowed;
    private readonly AdmissionLimiter _admissions;

    public BrokerAccess(IBrokerCredentials credentials, IOptions<CentralOptions> options, GatewayRegistry registry, BrokerRefusals refusals, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _credentials = credentials;
        _options = options.Value;
        _registry = registry;
        _refusals = refusals;
        _allowed = new HashSet<string>(_options.AllowedGateways, StringComparer.Ordinal);
        _admissions = new AdmissionLimiter(_options.AdmitRatePerMinute, time);
    }

    public Task ValidateConnectionAsync(ValidatingConnectionEventArgs connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var claimed = connection.ClientId ?? string.Empty;
        var endpoint = connection.RemoteEndPoint?.ToString() ?? "?";
        string identity;
        if (connection.IsSecureConnection)
        {
            var check = _credentials.Verify(connection.ClientCertificate);
            if (check.Refusal is { } reason)
            {
                return Refuse(connection, MqttConnectReasonCode.NotAuthorized, reason, claimed, $"TLS client at {endpoint}: certificate {BrokerRefusals.Printable(connection.ClientCertificate?.Subject)} refused");
            }

            identity = check.CommonName!;
        }
        else
        {
            // Plain listener (Central:Mqtt:AllowPlain, loopback only): nothing proves who connects, the client id claims it.
            identity = AccessRules.IdentityOf(claimed);
            if (identity.Length == 0)
            {
                return Refuse(connection, MqttConnectReasonCode.ClientIdentifierNotValid, BrokerRefusals.NoIdentity, claimed, $"plain client at {endpoint} names no identity in its client id");
            }

            if (identity == AccessRules.CentralIdentity)
            {
                return Refuse(connection, MqttConnectReasonCode.NotAuthorized, BrokerRefusals.ReservedIdentity, claimed, $"plain client at {endpoint}: the identity 'central' needs central's certificate");
            }
        }

        if (!AccessRules.IsKnownForm(identity))
        {
            return Refuse(connection, MqttConnectReasonCode.NotAuthorized, BrokerRefusals.InvalidIdentity, identity, $"client at {endpoint}: not a valid gateway id");
        }

        if (claimed.Length == 0)
        {
            AssignClientId(connection, identity + ":auto-" + Guid.NewGuid().ToString("N"));
        }
        else if (!AccessRules.ClientIdMatches(identity, claimed))
        {
            return Refuse(connection, MqttConnectReasonCode.ClientIdentifierNotValid, BrokerRefusals.ClientIdMismatch, identity, $"client at {endpoint} asked for client id '{BrokerRefusals.Printable(claimed)}'; allowed: '{identity}' or '{identity}:suffix'");
        }

        if (ConnectPacketField.GetValue(connection) is MqttConnectPacket { WillFlag: true } packet
            && !AccessRules.MayPublish(identity, packet.WillTopic ?? string.Empty))
        {
            return Refuse(connection, MqttConnectReasonCode.NotAuthorized, BrokerRefusals.WillNotAuthorized, identity, $"client at {endpoint}: will on '{BrokerRefusals.Printable(packet.WillTopic)}' not allowed for this identity");
        }

        // Last: admitting a new gateway spends a token of the admission rate.
        if (identity != AccessRules.CentralIdentity && Admission(identity) is { } refusal)
        {
            return Refuse(connection, refusal.Code, refusal.Reason, identity, $"client at {endpoint}: {refusal.Detail}");
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Refuses what the identity may not publish (the will, sent later under the same client id, comes through here too).
    /// A gateway's retain flag is cleared: nothing a gateway sends is kept by the broker for later subscribers.
    /// </summary>
    public Task InterceptPublishAsync(InterceptingPublishEventArgs publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var identity = AccessRules.IdentityOf(publish.ClientId ?? string.Empty);
        var message = publish.ApplicationMessage;
        if (!AccessRules.MayPublish(identity, message.Topic ?? string.Empty))
        {
            publish.ProcessPublish = false;
            publish.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            publish.Response.ReasonString = "not authorized for this topic";
            _refusals.Refused(BrokerRefusals.PublishNotAuthorized, identity, $"publish on '{BrokerRefusals.Printable(message.Topic)}' by client '{BrokerRefusals.Printable(publish.ClientId)}'");
            return Task.CompletedTask;
        }

        if (message.Retain && identity != AccessRules.CentralIdentity)
        {
            message.Retain = false;
        }

        return Task.CompletedTask;
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var identity = AccessRules.IdentityOf(subscription.ClientId ?? string.Empty);
        var filter = subscription.TopicFilter.Topic ?? string.Empty;
        if (!AccessRules.MaySubscribe(identity, filter))
        {
            subscription.ProcessSubscription = false;
            subscription.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            subscription.ReasonString = "not authorized for this filter";
            _refusals.Refused(BrokerRefusals.SubscribeNotAuthorized, identity, $"subscription to '{BrokerRefusals.Printable(filter)}' by client '{BrokerRefusals.Printable(subscription.ClientId)}'");
        }

        return Task.CompletedTask;
    }

    /// <summary>Null when the gateway may connect: listed, or (AdmitOnBirth) known already or within the admission rate.</summary>
    private (MqttConnectReasonCode Code, string Reason, string Detail)? Admission(string gatewayId)
    {
        if (_allowed.Contains(gatewayId))
        {
            return null;
        }

        if (!_options.AdmitOnBirth)
        {
            return (MqttConnectReasonCode.NotAuthorized, BrokerRefusals.UnknownGateway, "not in Central:AllowedGateways (Central:AdmitOnBirth is off)");
        }

        if (_registry.TryGet(gatewayId, out _) || _admissions.TryAdmit(gatewayId))
        {
            return null;
        }

        return (MqttConnectReasonCode.QuotaExceeded, BrokerRefusals.AdmissionRate, $"a new gateway above Central:AdmitRatePerMinute ({_options.AdmitRatePerMinute}); it may retry later");
    }

    private Task Refuse(ValidatingConnectionEventArgs connection, MqttConnectReasonCode code, string reason, string source, string detail)
    {
        connection.ReasonCode = code;
        connection.ReasonString = reason;
        _refusals.Refused(reason, source, detail);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A client may connect with an empty client id and have the server assign one: MQTT 5 (3.1.3.1), and MQTT 3.1.1
    /// with a clean session (3.1.3.1 too). mosquitto_pub does both. MQTTnet copies AssignedClientIdentifier into the
    /// CONNECT packet for MQTT 5 only.
    /// </summary>
    private static void AssignClientId(ValidatingConnectionEventArgs connection, string assigned)
    {
        connection.AssignedClientIdentifier = assigned;
        if (connection.ProtocolVersion != MqttProtocolVersion.V500
            && connection.CleanSession == true
            && ConnectPacketField.GetValue(connection) is MqttConnectPacket packet)
        {
            packet.ClientId = assigned;
        }
    }
}
