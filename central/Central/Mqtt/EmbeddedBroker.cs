using System.Net;
using System.Net.Sockets;
using City.Central.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace City.Central.Mqtt;

/// <summary>
/// Mode "embedded": an MQTTnet broker in this process. Its TLS listener on Mqtt:Host:Mqtt:Port (port 0 picks a free
/// one) presents central's server certificate and requires a client certificate, checked by <see cref="BrokerAccess"/>
/// against central's CA; with Mqtt:AllowPlain also a plain listener on 127.0.0.1:Mqtt:PlainPort. Gateways and central's
/// own ingest client (over TLS, with central's certificate) both connect to it over TCP.
/// </summary>
internal sealed partial class EmbeddedBroker(
    IOptions<CentralOptions> options,
    IBrokerCredentials credentials,
    BrokerAccess access,
    BrokerRefusals refusals,
    TimeProvider time,
    BrokerEndpoint endpoint,
    ILogger<EmbeddedBroker> logger,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private MqttServer? _server;

    public bool IsRunning => _server?.IsStarted == true;

    /// <summary>The TLS listener.</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    /// <summary>The plain listener, when Mqtt:AllowPlain.</summary>
    public IPEndPoint? PlainEndPoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Mqtt;
        var address = settings.BindAddress() ?? throw new InvalidOperationException($"Central:Mqtt:Host '{settings.Host}' is not an IP address.");
        var builder = new MqttServerOptionsBuilder()
            .WithoutEncryptedEndpoint()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000);

        // The TLS listener is ours (TlsServerAdapter: a time limit on the handshake), bound to the configured address only;
        // MQTTnet's TCP adapter serves the plain listener, when there is one.
        builder = settings.AllowPlain
            ? builder.WithDefaultEndpoint().WithDefaultEndpointPort(settings.PlainPort)
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            : builder.WithoutDefaultEndpoint();
        var serverOptions = builder.Build();

        // The broker refuses any packet above MaxPayloadBytes plus room for the topic and properties before
        // reading its body (MQTTnet itself would take in a packet of any size); on the TLS listener too.
        var factory = new MqttServerFactory();
        var tls = new TlsServerAdapter(new IPEndPoint(address, settings.Port), credentials.LoadServerCertificate(), time, refusals.HandshakeFailed);
        List<IMqttServerAdapter> listeners = [tls];
        if (settings.AllowPlain)
        {
            listeners.AddRange(factory.DefaultServerAdapters.Select(create => create(factory)));
        }

        var maxPacketBytes = MaxPacketBytes(options.Value.MaxPayloadBytes);
        _server = factory.CreateMqttServer(
            serverOptions,
            listeners.Select(adapter => (IMqttServerAdapter)new SizeLimitedServerAdapter(adapter, maxPacketBytes)),
            new MqttLogBridge(loggerFactory.CreateLogger("MQTTnet.Server"), refusals.NotMqtt));
        _server.ValidatingConnectionAsync += access.ValidateConnectionAsync;
        _server.InterceptingPublishAsync += access.InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += access.InterceptSubscriptionAsync;
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            throw new InvalidOperationException($"The embedded MQTT broker cannot listen on {new IPEndPoint(address, settings.Port)} (Central:Mqtt:Host, Central:Mqtt:Port){(settings.AllowPlain ? $" or 127.0.0.1:{settings.PlainPort} (Central:Mqtt:PlainPort)" : string.Empty)}: {exception.Message}", exception);
        }

        // Port 0: the OS chose; MQTTnet writes the plain listener's back into its endpoint options.
        var port = tls.LocalEndPoint!.Port;
        BoundEndPoint = new IPEndPoint(address, port);
        LogListening(logger, BoundEndPoint.ToString());
        if (settings.AllowPlain)
        {
            PlainEndPoint = new IPEndPoint(IPAddress.Loopback, serverOptions.DefaultEndpointOptions.Port);
            LogPlainListening(logger, PlainEndPoint.ToString());
        }

        var connectTo = address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : address;
        endpoint.Set(connectTo.ToString(), port);
    }

    /// <summary>Headroom above the payload: a topic of up to 64 KiB, the packet id and MQTT 5 properties.</summary>
    public static int MaxPacketBytes(int maxPayloadBytes) => (int)Math.Min(int.MaxValue, maxPayloadBytes + 72L * 1024);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true })
        {
            // Central's own client disconnected just before; give the broker a moment to see it go,
            // so it does not try to send that connection a DISCONNECT.
            for (var i = 0; i < 50 && (await _server.GetClientsAsync().ConfigureAwait(false)).Any(c => c.Id == options.Value.IngestClientId); i++)
            {
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
            }

            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
            LogStopped(logger);
        }
    }

    /// <summary>What the broker keeps for later subscribers (nothing a gateway sent: its retain flag is cleared).</summary>
    public async Task<IList<MQTTnet.MqttApplicationMessage>> RetainedMessagesAsync() =>
        _server is null ? [] : await _server.GetRetainedMessagesAsync().ConfigureAwait(false);

    public void Dispose() => _server?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker listening on {EndPoint} (TLS, client certificate required)")]
    private static partial void LogListening(ILogger logger, string endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker also listening on {EndPoint} WITHOUT TLS (Central:Mqtt:AllowPlain=true): there the client id claims the identity, nothing proves it; for development and tests only")]
    private static partial void LogPlainListening(ILogger logger, string endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker stopped")]
    private static partial void LogStopped(ILogger logger);
}
