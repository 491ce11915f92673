using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using City.Central.Pki;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace City.Central.Tests;

/// <summary>
/// Debian's mosquitto run with the configuration <c>central mosquitto-config</c> writes, on free loopback ports, as the
/// deployment steps in docs/security.md do it: the generated folder belongs to the mosquitto user, which mosquitto
/// switches to when started as root.
/// </summary>
internal sealed class SecureMosquitto : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/mosquitto";
    private PeerProcess _process;

    private SecureMosquitto(string directory, int gatewayPort, int centralPort, PeerProcess process)
    {
        Directory = directory;
        GatewayPort = gatewayPort;
        CentralPort = centralPort;
        _process = process;
    }

    /// <summary>The folder central mosquitto-config wrote (mosquitto.conf, the ACL, the persistence directory).</summary>
    public string Directory { get; }

    /// <summary>The listener for gateways (certificate CN = username = client id).</summary>
    public int GatewayPort { get; }

    /// <summary>The loopback listener for central's own clients.</summary>
    public int CentralPort { get; }

    public string ConfigFile => Path.Combine(Directory, "mosquitto.conf");

    public string Log => _process.Output;

    /// <summary>Writes the configuration for central's PKI under <paramref name="dataPath"/> and starts mosquitto with it.</summary>
    public static async Task<SecureMosquitto> StartAsync(string dataPath)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: install it with 'apt-get update && apt-get install -y mosquitto mosquitto-clients'.");
        var directory = Path.Combine(dataPath, "mosquitto-" + Guid.NewGuid().ToString("N")[..6]);
        var gatewayPort = FreePort.Tcp();
        var centralPort = FreePort.Tcp();
        var exitCode = await ProgramEntry.RunAsync(
        [
            "mosquitto-config", "--out", directory,
            "--port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--central-port", centralPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            $"--Central:DataPath={dataPath}",
        ]);
        Assert.Equal(0, exitCode);
        await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chown", "-R", "mosquitto:", directory);
        var process = await LaunchAsync(directory, gatewayPort, centralPort);
        return new SecureMosquitto(directory, gatewayPort, centralPort, process);
    }

    /// <summary>SIGHUP: mosquitto re-reads its configuration, the ACL and the CRL.</summary>
    public async Task ReloadAsync()
    {
        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(5), "kill", "-HUP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exitCode == 0, output);
        await Wait.UntilAsync(() => Task.FromResult(Log.Contains("Reloading config", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "mosquitto to reload");
    }

    /// <summary>A clean stop (SIGTERM saves the persistence file) and a start with the same configuration.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process = await LaunchAsync(Directory, GatewayPort, CentralPort);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, and the wait for the exit: mosquitto writes its persistence file as it stops.
            await PeerProcess.RunAsync(TimeSpan.FromSeconds(5), "kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }

        await _process.DisposeAsync();
    }

    private static async Task<PeerProcess> LaunchAsync(string directory, int gatewayPort, int centralPort)
    {
        var process = PeerProcess.Start(Executable, "-c", Path.Combine(directory, "mosquitto.conf"), "-v");
        try
        {
            await process.WaitUntilListeningAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, gatewayPort), TimeSpan.FromSeconds(10));
            await process.WaitUntilListeningAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, centralPort), TimeSpan.FromSeconds(10));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return process;
    }
}

/// <summary>The files of one MQTT identity: the CA to check the broker against, the client certificate and its key.</summary>
internal sealed record ClientFiles(string CaFile, string CertFile, string KeyFile)
{
    public static ClientFiles Gateway(string directory, string id) =>
        new(Path.Combine(directory, "ca.crt"), Path.Combine(directory, id + ".crt"), Path.Combine(directory, id + ".key"));

    public static ClientFiles Central(PkiStore pki) => new(pki.CaFile, pki.CentralCertFile, pki.CentralKeyFile);

    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPemFile(CertFile, KeyFile);

    public X509Certificate2 LoadCa() => X509CertificateLoader.LoadCertificateFromFile(CaFile);
}

/// <summary>A PKI in a throwaway data path, with certificates for a few gateways.</summary>
internal sealed class TestPki
{
    private TestPki(string dataPath, PkiStore store)
    {
        DataPath = dataPath;
        Store = store;
        IssuedDirectory = Path.Combine(dataPath, "issued");
    }

    public string DataPath { get; }

    public PkiStore Store { get; }

    public string IssuedDirectory { get; }

    /// <summary>A PKI created ten days ago (so it can also issue a certificate that has expired since), used now.</summary>
    public static TestPki Create(string dataPath)
    {
        PkiStore.OpenOrCreate(dataPath, PkiStore.DefaultServerNames, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-10)));
        return new(dataPath, PkiStore.OpenOrCreate(dataPath, PkiStore.DefaultServerNames, TimeProvider.System));
    }

    public ClientFiles Issue(string id, TimeSpan? validity = null)
    {
        Store.IssueGateway(id, validity ?? TimeSpan.FromDays(30), IssuedDirectory);
        return ClientFiles.Gateway(IssuedDirectory, id);
    }

    /// <summary>A certificate of this CA that expired a day ago (issued with a clock set ten days back).</summary>
    public ClientFiles IssueExpired(string id)
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-10));
        PkiStore.OpenOrCreate(DataPath, PkiStore.DefaultServerNames, past).IssueGateway(id, TimeSpan.FromDays(9), IssuedDirectory);
        return ClientFiles.Gateway(IssuedDirectory, id);
    }

    /// <summary>A certificate for <paramref name="id"/> that signs itself.</summary>
    public ClientFiles SelfSigned(string id)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + id, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(DataPath, "self-signed")).FullName;
        File.WriteAllText(Path.Combine(directory, id + ".crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, id + ".key"), key.ExportPkcs8PrivateKeyPem());
        return new ClientFiles(Store.CaFile, Path.Combine(directory, id + ".crt"), Path.Combine(directory, id + ".key"));
    }
}

/// <summary>Debian's mosquitto_pub and mosquitto_sub with certificate options, as an operator would run them.</summary>
internal static class MosquittoCli
{
    public static async Task<(int ExitCode, string Output)> PublishAsync(int port, ClientFiles files, string topic, string message, string? clientId = null, bool retain = false)
    {
        var executable = PeerProcess.RequireExecutable("mosquitto_pub", "apt-get install -y mosquitto-clients");
        List<string> arguments = [.. TlsArguments(port, files), "-V", "mqttv5", "-q", "1", "-t", topic, "-m", message];
        if (clientId is not null)
        {
            arguments.AddRange(["-i", clientId]);
        }

        if (retain)
        {
            arguments.Add("-r");
        }

        return await PeerProcess.RunAsync(TimeSpan.FromSeconds(20), executable, arguments, environment: null);
    }

    /// <summary>A subscriber that runs until disposed; its output lists each received message as "topic payload".</summary>
    public static PeerProcess Subscribe(int port, ClientFiles files, string clientId, params string[] topicFilters)
    {
        var executable = PeerProcess.RequireExecutable("mosquitto_sub", "apt-get install -y mosquitto-clients");
        List<string> arguments = [.. TlsArguments(port, files), "-V", "mqttv5", "-v", "-i", clientId];
        foreach (var filter in topicFilters)
        {
            arguments.AddRange(["-t", filter]);
        }

        return PeerProcess.Start(executable, arguments, environment: null);
    }

    private static string[] TlsArguments(int port, ClientFiles files) =>
        ["-h", "localhost", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cafile", files.CaFile, "--cert", files.CertFile, "--key", files.KeyFile];
}

/// <summary>An MQTTnet 5 client over TLS with a client certificate, the broker checked against our CA only.</summary>
internal sealed class TlsTestClient : IAsyncDisposable
{
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private TlsTestClient(IMqttClient client)
    {
        Client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public MqttClientConnectResult? ConnectResult { get; private set; }

    public static async Task<TlsTestClient> ConnectAsync(int port, ClientFiles files, string clientId, bool cleanStart = true, uint sessionExpirySeconds = 0)
    {
        var client = new TlsTestClient(new MqttClientFactory().CreateMqttClient());
        try
        {
            client.ConnectResult = await client.Client.ConnectAsync(Options(port, files, clientId, cleanStart, sessionExpirySeconds));
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    public static MqttClientOptions Options(int port, ClientFiles files, string clientId, bool cleanStart = true, uint sessionExpirySeconds = 0)
    {
        var ca = files.LoadCa();
        var certificate = files.LoadCertificate();
        return new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(sessionExpirySeconds)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTlsOptions(tls => tls
                .UseTls()
                .WithClientCertificates([certificate])
                .WithCertificateValidationHandler(e => ChainsToOurCa(e.Certificate, e.SslPolicyErrors, ca)))
            .Build();
    }

    /// <summary>Subscribes at QoS 1 and returns the broker's answer for each filter.</summary>
    public async Task<List<MqttClientSubscribeResultCode>> SubscribeAsync(params string[] topicFilters)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in topicFilters)
        {
            builder.WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS());
        }

        var result = await Client.SubscribeAsync(builder.Build());
        return result.Items.Select(item => item.ResultCode).ToList();
    }

    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, byte[] payload, bool retain = false)
    {
        var result = await Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build());
        return result.ReasonCode;
    }

    public async Task<MqttApplicationMessage> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No message within {timeout.TotalSeconds} s.");
        }
    }

    public List<MqttApplicationMessage> Drain()
    {
        var messages = new List<MqttApplicationMessage>();
        while (_received.Reader.TryRead(out var message))
        {
            messages.Add(message);
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                await Client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker closed the connection first: nothing left to say goodbye to.
            }
        }

        Client.Dispose();
    }

    private static bool ChainsToOurCa(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }
}
