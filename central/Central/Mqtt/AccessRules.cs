using City.Contract;
using City.Contract.Mqtt;

namespace City.Central.Mqtt;

/// <summary>
/// Who may do what on the broker, as pure functions of an identity (a certificate's CN, or on the plain listener the
/// client id up to its first ':') and a topic or filter:
/// - a client id is the identity itself or the identity, ':' and a suffix (`gw-001:tool`);
/// - gateway G publishes only city/v1/G/{data,birth,death,cmd-result} and subscribes only to city/v1/G/{ack,cmd};
/// - the identity `central` publishes only ack and cmd (of any gateway) and subscribes to anything under city/v1/.
/// </summary>
internal static class AccessRules
{
    public const string CentralIdentity = "central";

    /// <summary>The identity a client id claims: the text before the first ':', or the whole id.</summary>
    public static string IdentityOf(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var colon = clientId.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? clientId : clientId[..colon];
    }

    /// <summary>True when <paramref name="clientId"/> is <paramref name="identity"/> or <paramref name="identity"/>:suffix (suffix not empty).</summary>
    public static bool ClientIdMatches(string identity, string clientId)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(clientId);
        if (!clientId.StartsWith(identity, StringComparison.Ordinal))
        {
            return false;
        }

        return clientId.Length == identity.Length
            || (clientId[identity.Length] == ':' && clientId.Length > identity.Length + 1);
    }

    /// <summary>An identity the broker can hold to topic rules: central's, or a valid gateway id.</summary>
    public static bool IsKnownForm(string identity) => identity == CentralIdentity || GatewayIds.IsValid(identity);

    public static bool MayPublish(string identity, string topic)
    {
        if (!Topics.TryParse(topic, out var gatewayId, out var kind))
        {
            return false;
        }

        if (identity == CentralIdentity)
        {
            return kind is TopicKind.Ack or TopicKind.Cmd;
        }

        return gatewayId == identity && kind is TopicKind.Data or TopicKind.Birth or TopicKind.Death or TopicKind.CmdResult;
    }

    /// <summary>
    /// A gateway's filter must name one of its own two topics exactly (no wildcard: `city/v1/+/ack` or `#` would reach
    /// other gateways' messages).
    /// </summary>
    public static bool MaySubscribe(string identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (identity == CentralIdentity)
        {
            return filter.StartsWith(Topics.Root + "/", StringComparison.Ordinal);
        }

        return GatewayIds.IsValid(identity)
            && (filter == Topics.For(identity, TopicKind.Ack) || filter == Topics.For(identity, TopicKind.Cmd));
    }
}
