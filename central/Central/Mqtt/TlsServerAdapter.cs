using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace City.Central.Mqtt;

/// <summary>
/// The broker's TLS listener. MQTTnet 5.2's own runs the TLS handshake with no time limit, so a client that connects and
/// stays silent would hold its socket for ever; this one gives each handshake <see cref="HandshakeTimeout"/> (by the
/// injected clock) and at most <see cref="MaxPendingHandshakes"/> at once. The handshake asks for a client certificate
/// and takes whatever comes, or none: <see cref="BrokerAccess"/> checks it at CONNECT, so a refusal is an MQTT reason
/// code and is counted. A failed handshake goes to <c>handshakeFailed</c>.
/// </summary>
internal sealed class TlsServerAdapter(
    IPEndPoint bindTo,
    X509Certificate2 serverCertificate,
    TimeProvider time,
    Action<Exception> handshakeFailed) : IMqttServerAdapter
{
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    public const int MaxPendingHandshakes = 256;

    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private MqttServerOptions? _options;
    private IMqttNetLogger? _logger;
    private int _pendingHandshakes;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The end point bound (port 0 resolved), once started.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _logger = logger;
        var listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bindTo.AddressFamily == AddressFamily.InterNetworkV6)
            {
                listener.DualMode = false;
            }

            listener.Bind(bindTo);
            listener.Listen(100);
        }
        catch (SocketException)
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _ = Task.Run(() => AcceptAsync(listener, _stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException
                || (exception is SocketException && stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException exception)
            {
                // A connection reset before it was accepted: the listener itself is fine.
                handshakeFailed(exception);
                continue;
            }

            if (Interlocked.Increment(ref _pendingHandshakes) > MaxPendingHandshakes)
            {
                Interlocked.Decrement(ref _pendingHandshakes);
                client.Dispose();
                handshakeFailed(new IOException($"more than {MaxPendingHandshakes} TLS handshakes pending: connection closed at once"));
                continue;
            }

            _ = Task.Run(() => HandleAsync(client, stopping), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket socket, CancellationToken stopping)
    {
        try
        {
            await HandleConnectionAsync(socket, stopping).ConfigureAwait(false);
        }
        // The connection's task has no one to rethrow to: MQTTnet's log says what went wrong.
        catch (Exception exception)
        {
            _logger?.Publish(MqttNetLogLevel.Error, nameof(TlsServerAdapter), "TLS client connection failed", [], exception);
        }
    }

    private async Task HandleConnectionAsync(Socket socket, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint;
        var local = socket.LocalEndPoint;
        socket.NoDelay = true;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false, static (_, _, _, _) => true);
        await using (tls.ConfigureAwait(false))
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                using var timer = time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), timeout, HandshakeTimeout, Timeout.InfiniteTimeSpan);
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = serverCertificate,
                        ClientCertificateRequired = true,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                    },
                    timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException or SocketException)
            {
                if (!stopping.IsCancellationRequested)
                {
                    handshakeFailed(exception is OperationCanceledException
                        ? new TimeoutException($"no TLS handshake from {remote} within {HandshakeTimeout.TotalSeconds} s", exception)
                        : exception);
                }

                return;
            }
            finally
            {
                Interlocked.Decrement(ref _pendingHandshakes);
            }

            var certificate = tls.RemoteCertificate switch
            {
                null => null,
                X509Certificate2 full => full,
                var other => X509CertificateLoader.LoadCertificate(other.Export(X509ContentType.Cert)),
            };
            var channel = new MqttTcpChannel(tls, local, remote, certificate);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _logger!);
            if (ClientHandler is { } handler)
            {
                await handler(adapter).ConfigureAwait(false);
            }
        }
    }
}
