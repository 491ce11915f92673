using System.Net;
using System.Net.Sockets;
using City.Central.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace City.Central.Mqtt;

/// <summary>
/// Mode "embedded": an MQTTnet broker in this process, bound to Mqtt:Host:Mqtt:Port only (port 0 picks
/// a free one). Gateways and central's own ingest client both connect to it over TCP.
/// </summary>
internal sealed partial class EmbeddedBroker(
    IOptions<CentralOptions> options,
    BrokerEndpoint endpoint,
    ILogger<EmbeddedBroker> logger,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private MqttServer? _server;

    public bool IsRunning => _server?.IsStarted == true;

    public IPEndPoint? BoundEndPoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Mqtt;
        var address = settings.BindAddress() ?? throw new InvalidOperationException($"Central:Mqtt:Host '{settings.Host}' is not an IP address.");
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(settings.Port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000);

        // Bind only the configured address: MQTTnet otherwise also listens on [::] next to an IPv4 address.
        builder = address.AddressFamily == AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPAddress(IPAddress.None).WithDefaultEndpointBoundIPV6Address(address)
            : builder.WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointBoundIPV6Address(IPAddress.None);
        var serverOptions = builder.Build();

        // The broker refuses any packet above MaxPayloadBytes plus room for the topic and properties before
        // reading its body (MQTTnet itself would take in a packet of any size).
        var factory = new MqttServerFactory();
        var tcp = factory.DefaultServerAdapters.Select(create => create(factory)).ToList();
        var maxPacketBytes = MaxPacketBytes(options.Value.MaxPayloadBytes);
        _server = factory.CreateMqttServer(
            serverOptions,
            tcp.Select(adapter => (IMqttServerAdapter)new SizeLimitedServerAdapter(adapter, maxPacketBytes)),
            new MqttLogBridge(loggerFactory.CreateLogger("MQTTnet.Server")));
        _server.ValidatingConnectionAsync += AssignClientIdentifierWhenEmpty;
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            throw new InvalidOperationException($"The embedded MQTT broker cannot listen on {new IPEndPoint(address, settings.Port)} (Central:Mqtt:Host, Central:Mqtt:Port): {exception.Message}", exception);
        }

        // MQTTnet writes the port the OS chose back into the endpoint options.
        var port = serverOptions.DefaultEndpointOptions.Port;
        BoundEndPoint = new IPEndPoint(address, port);
        LogListening(logger, BoundEndPoint.ToString());

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
            for (var i = 0; i < 50 && (await _server.GetClientsAsync().ConfigureAwait(false)).Any(c => c.Id == options.Value.Mqtt.ClientId); i++)
            {
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
            }

            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
            LogStopped(logger);
        }
    }

    public void Dispose() => _server?.Dispose();

    // MQTTnet keeps the CONNECT packet private and copies AssignedClientIdentifier into it for MQTT 5 only.
    private static readonly System.Reflection.FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

    /// <summary>
    /// A client may connect with an empty client id and have the server assign one: MQTT 5 (3.1.3.1), and
    /// MQTT 3.1.1 with a clean session (3.1.3.1 too). mosquitto_pub does both.
    /// </summary>
    private static Task AssignClientIdentifierWhenEmpty(ValidatingConnectionEventArgs connection)
    {
        if (!string.IsNullOrEmpty(connection.ClientId))
        {
            return Task.CompletedTask;
        }

        var assigned = "auto-" + Guid.NewGuid().ToString("N");
        connection.AssignedClientIdentifier = assigned;
        if (connection.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500
            && connection.CleanSession == true
            && ConnectPacketField?.GetValue(connection) is MQTTnet.Packets.MqttConnectPacket packet)
        {
            packet.ClientId = assigned;
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, string endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker stopped")]
    private static partial void LogStopped(ILogger logger);
}
