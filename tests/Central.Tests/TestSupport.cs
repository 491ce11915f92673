using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;
using City.Central.Auth;
using City.Central.Mqtt;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Central.Tests;

/// <summary>A central process hosted in the test process, on free loopback ports.</summary>
internal sealed class CentralHost : IAsyncDisposable
{
    private readonly bool _ownsDataPath;

    private CentralHost(WebApplication app, string dataPath, bool ownsDataPath, Uri baseUrl, int mqttPort, int tlsPort)
    {
        _ownsDataPath = ownsDataPath;
        App = app;
        DataPath = dataPath;
        BaseUrl = baseUrl;
        MqttPort = mqttPort;
        TlsPort = tlsPort;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string DataPath { get; }

    public Uri BaseUrl { get; }

    /// <summary>The plain listener when Central:Mqtt:AllowPlain (the default of these tests), else the TLS one.</summary>
    public int MqttPort { get; }

    /// <summary>The embedded broker's TLS listener (client certificate required).</summary>
    public int TlsPort { get; }

    public string PkiDirectory => Path.Combine(DataPath, "pki");

    public HttpClient Http { get; }

    /// <summary>The token <see cref="Http"/> sends: role admin, created in the data path's token file before central started.</summary>
    public string AdminToken { get; private set; } = string.Empty;

    public static string NewDataPath() => Path.Combine(Path.GetTempPath(), "central-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Starts central (embedded broker unless the extra arguments say otherwise) and waits for its ingest client. The
    /// embedded broker also listens plain (loopback) for the tests that are not about security; those that are pass
    /// --Central:Mqtt:AllowPlain=false.
    /// </summary>
    public static async Task<CentralHost> StartAsync(string? dataPath = null, params string[] extraArgs)
    {
        var ownsDataPath = dataPath is null;
        dataPath ??= NewDataPath();
        string[] args =
        [
            $"--Central:DataPath={dataPath}",
            "--Central:HttpUrl=http://127.0.0.1:0",
            "--Central:Mqtt:Port=0",
            "--Central:Mqtt:AllowPlain=true",
            "--Central:Mqtt:PlainPort=0",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var adminToken = CreateToken(dataPath, "tests-admin", ApiRole.Admin);
        var app = CentralApp.Build(args, out var errors)
            ?? throw new InvalidOperationException("Invalid test configuration: " + string.Join("; ", errors));
        await app.StartAsync();
        var url = CentralApp.BoundUrls(app).Single();
        var broker = app.Services.GetService<EmbeddedBroker>();
        var tlsPort = broker?.BoundEndPoint?.Port ?? app.Services.GetRequiredService<BrokerEndpoint>().Port;
        var port = broker?.PlainEndPoint?.Port ?? tlsPort;
        var host = new CentralHost(app, dataPath, ownsDataPath, new Uri(url), port, tlsPort);
        var link = app.Services.GetRequiredService<IBrokerLink>();
        await Wait.UntilAsync(() => Task.FromResult(link.IsConnected), TimeSpan.FromSeconds(10), "central's ingest client to connect to the broker");
        host.AdminToken = adminToken;
        host.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        return host;
    }

    /// <summary>Creates a token in the data path's token file (replacing one of that name), as `central token create` does.</summary>
    public static string CreateToken(string dataPath, string name, ApiRole role)
    {
        var store = new TokenStore(dataPath, TimeProvider.System);
        store.Revoke(name);
        return store.Create(name, role);
    }

    public string CreateToken(string name, ApiRole role) => CreateToken(DataPath, name, role);

    /// <summary>A client of this central's API sending <paramref name="token"/> (none when null); the caller disposes it.</summary>
    public HttpClient NewClient(string? token)
    {
        var handler = new SocketsHttpHandler();
        if (BaseUrl.Scheme == Uri.UriSchemeHttps)
        {
            // Central's certificate, trusted through its own CA only (as curl --cacert DataPath/pki/ca.crt).
            var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(DataPath, "pki", "ca.crt"));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == 0
                    && certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 presented && chain.Build(presented);
            };
        }

        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<JsonElement> StatsAsync() => GetJsonAsync("/api/v1/stats");

    public static long Rejected(JsonElement stats, string reason) =>
        stats.GetProperty("rejected").TryGetProperty(reason, out var count) ? count.GetInt64() : 0;

    /// <summary>What the embedded broker refused (connections, publishes, subscriptions) for this reason.</summary>
    public static long Refused(JsonElement stats, string reason) =>
        stats.GetProperty("refused").TryGetProperty(reason, out var count) ? count.GetInt64() : 0;

    public async Task WaitForRefusedAsync(string reason, long count)
    {
        await Wait.UntilAsync(async () => Refused(await StatsAsync(), reason) >= count, TimeSpan.FromSeconds(10), $"{count} refusals '{reason}'");
    }

    public async Task WaitForRejectedAsync(string reason, long count)
    {
        await Wait.UntilAsync(async () => Rejected(await StatsAsync(), reason) >= count, TimeSpan.FromSeconds(10), $"{count} rejections '{reason}'");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDataPath && Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }
}

/// <summary>A gateway as the contract describes it, driven by the test through an MQTTnet client.</summary>
internal sealed class FakeGateway : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<Ack> _acks = Channel.CreateUnbounded<Ack>();
    private readonly ConcurrentQueue<string> _receivedTopics = new();

    private FakeGateway(string id, IMqttClient client)
    {
        Id = id;
        _client = client;
    }

    public string Id { get; }

    public static readonly PointInfo[] DefaultPoints =
    [
        new() { Alias = 1, Id = "meter1/power", Unit = "kW", Type = PointType.Number, Device = "meter1", Description = "active power" },
        new() { Alias = 2, Id = "lamp1/on", Unit = "", Type = PointType.Boolean, Device = "lamp1", Description = "lamp switched on" },
        new() { Alias = 3, Id = "lamp1/status", Unit = "", Type = PointType.Text, Device = "lamp1", Description = "status text" },
    ];

    /// <summary>Every topic a message arrived on, in order.</summary>
    public IReadOnlyCollection<string> ReceivedTopics => _receivedTopics;

    /// <summary>
    /// Connects as <paramref name="id"/> (client id `id:test-xxxxxx` unless given) and subscribes to its ack topic. With a
    /// certificate it connects over TLS (the broker's certificate checked against <paramref name="ca"/>); else plain.
    /// </summary>
    public static async Task<FakeGateway> ConnectAsync(int port, string id, X509Certificate2? certificate = null, X509Certificate2? ca = null, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var gateway = new FakeGateway(id, client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            gateway._receivedTopics.Enqueue(e.ApplicationMessage.Topic);
            if (BatchCodec.TryParse(Ack.Parser, e.ApplicationMessage.Payload.IsSingleSegment ? e.ApplicationMessage.Payload.FirstSpan : e.ApplicationMessage.Payload.ToArray(), out var ack))
            {
                gateway._acks.Writer.TryWrite(ack);
            }

            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? id + ":test-" + Guid.NewGuid().ToString("N")[..6])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500);
        if (ca is not null)
        {
            builder = builder.WithTlsOptions(TestTls.ClientOptions(ca, certificate));
        }

        var connected = await client.ConnectAsync(builder.Build());
        Assert.True(connected.ResultCode == MqttClientConnectResultCode.Success, $"{id} connecting: {connected.ResultCode} {connected.ReasonString}");
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(Topics.Ack(id)).WithAtLeastOnceQoS())
            .Build());
        return gateway;
    }

    public async Task PublishAsync(string topic, byte[] payload, bool retain = false)
    {
        var result = await TryPublishAsync(topic, payload, retain);
        Assert.True(result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers, $"publish on {topic}: {result.ReasonCode}");
    }

    /// <summary>Publishes at QoS 1 and returns the broker's answer, whatever it is.</summary>
    public Task<MqttClientPublishResult> TryPublishAsync(string topic, byte[] payload, bool retain = false) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build());

    /// <summary>Subscribes to one filter at QoS 1 and returns the broker's answer for it.</summary>
    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS())
            .Build());
        return Assert.Single(result.Items).ResultCode;
    }

    public Task BirthAsync(ulong epoch, IEnumerable<PointInfo>? points = null)
    {
        var birth = new Birth { GatewayId = Id, Epoch = epoch, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "test-1.0" };
        birth.Points.AddRange(points ?? DefaultPoints);
        return PublishAsync(Topics.Birth(Id), birth.ToByteArray(), retain: true);
    }

    public Task DeathAsync(ulong epoch) =>
        PublishAsync(Topics.Death(Id), new Death { GatewayId = Id, Epoch = epoch }.ToByteArray());

    public async Task<byte[]> DataAsync(ulong seq, IReadOnlyList<Reading> readings, ulong epoch = 1, BatchKind kind = BatchKind.Telemetry)
    {
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(Id, epoch, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), kind), readings);
        await PublishAsync(Topics.Data(Id), payload);
        return payload;
    }

    public async Task<Ack> NextAckAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _acks.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No ack for gateway {Id} within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds} s.");
        }
    }

    public bool TryTakeAck(out Ack ack) => _acks.Reader.TryRead(out ack!);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker went away first (a test that stops central): nothing left to say goodbye to.
            }
        }

        _client.Dispose();
    }

    /// <summary>Readings of the three default points, one per second ending now.</summary>
    public static List<Reading> SampleReadings(int perPoint, long? endUnixMs = null, double start = 10.5)
    {
        var end = endUnixMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var readings = new List<Reading>();
        for (var i = 0; i < perPoint; i++)
        {
            var t = end - ((perPoint - 1 - i) * 1000L);
            readings.Add(new Reading(1, t, PointValue.FromNumber(start + i)));
            readings.Add(new Reading(2, t, PointValue.FromBoolean(i % 2 == 0)));
            readings.Add(new Reading(3, t, PointValue.FromText("s" + i), i == perPoint - 1 ? Quality.CommLoss : Quality.Good));
        }

        return readings;
    }
}

internal static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(25);
        }
    }
}
