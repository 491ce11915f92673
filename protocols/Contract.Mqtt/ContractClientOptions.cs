using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace City.Contract.Mqtt;

/// <summary>The MQTT 5 connect options of the contract's three kinds of session.</summary>
public static class ContractClientOptions
{
    /// <summary>How long the broker keeps central's intake session (and the messages queued in it) while central is away.</summary>
    public static readonly TimeSpan IngestSessionExpiry = TimeSpan.FromHours(24);

    /// <summary>
    /// A gateway's session (the edge, a simulated gateway): a clean start, and the will is the Death of this run's
    /// epoch (QoS 1, not retained), which the broker publishes if the link drops without a clean stop.
    /// </summary>
    public static MqttClientOptions ForGateway(BrokerConnection connection, Death will)
    {
        ArgumentNullException.ThrowIfNull(will);
        return Common(connection)
            .WithCleanStart(true)
            .WithWillTopic(Topics.Death(will.GatewayId))
            .WithWillPayload(will.ToByteArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    /// <summary>
    /// Central's intake: a persistent session (no clean start, <see cref="IngestSessionExpiry"/>), so the broker keeps
    /// what the gateways publish while central restarts.
    /// </summary>
    public static MqttClientOptions ForIngest(BrokerConnection connection) =>
        Common(connection)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)IngestSessionExpiry.TotalSeconds)
            .Build();

    /// <summary>
    /// Central's intake as one member of a shared subscription group: a clean start and no session after it leaves, so
    /// the broker stops handing it its share of the group's messages the moment its connection ends (mosquitto 2.0 goes
    /// on queuing for an offline member with a persistent session: its share would wait for it, unacknowledged). What
    /// it had received and not acknowledged to its edges is gone with it: the edges send it again, to the group.
    /// </summary>
    public static MqttClientOptions ForSharedIngest(BrokerConnection connection) =>
        Common(connection)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0)
            .Build();

    /// <summary>A connection that only publishes (central's acks): a clean start, no will.</summary>
    public static MqttClientOptions ForPublisher(BrokerConnection connection) =>
        Common(connection).WithCleanStart(true).Build();

    /// <summary>
    /// TLS 1.2 or 1.3; the broker's certificate is checked by <see cref="BrokerTls.IsTrustedBroker"/> (our CA only, the host
    /// name connected to); the client certificate, when there is one, is presented. The files are read here, so a
    /// renewed certificate is used from the next connection on.
    /// </summary>
    /// <exception cref="BrokerTlsException">A file is missing, unreadable or wrong; the message names it.</exception>
    /// <param name="host">The host connected to, for the words of a refusal.</param>
    /// <param name="untrustedBroker">Told why, when the broker's certificate is refused (the handshake then fails).</param>
    public static MqttClientTlsOptions TlsOptions(BrokerTls tls, string? host = null, Action<string>? untrustedBroker = null)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var anchors = tls.LoadTrustAnchors();
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTrustChain(anchors)
            .WithRevocationMode(X509RevocationMode.NoCheck)
            .WithCertificateValidationHandler(e =>
            {
                var why = BrokerTls.WhyUntrusted(e.Certificate, e.Chain, e.SslPolicyErrors, anchors, host, tls.CaFile);
                if (why is not null)
                {
                    untrustedBroker?.Invoke(why);
                }

                return why is null;
            });
        if (tls.LoadClientCertificate() is { } client)
        {
            builder = builder.WithClientCertificates([client]);
        }

        return builder.Build();
    }

    /// <summary>What every session shares: MQTT 5, the endpoint, large socket buffers, keep-alive, TLS and credentials.</summary>
    public static MqttClientOptionsBuilder Common(BrokerConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(new DnsEndPoint(connection.Host, connection.Port))

            // After WithEndPoint, which starts from fresh TCP options (see BrokerConnection.DefaultSocketBufferBytes).
            .WithTcpServer(tcp => tcp.BufferSize = connection.SocketBufferBytes)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(connection.ClientId)
            .WithKeepAlivePeriod(connection.KeepAlive)
            .WithTimeout(connection.Timeout);
        if (connection.Tls is { } tls)
        {
            builder = builder.WithTlsOptions(TlsOptions(tls, connection.Host, connection.UntrustedBroker));
        }

        return string.IsNullOrEmpty(connection.Username) ? builder : builder.WithCredentials(connection.Username, connection.Password);
    }
}
