using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Central.Tests;

/// <summary>
/// A gateway that takes commands: subscribes to its ack and cmd topics (persistent session off), sends births and deaths,
/// collects the SignedCommands and the Acks it receives, and publishes CommandResults the test writes.
/// </summary>
internal sealed class CommandGateway : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<SignedCommand> _commands = Channel.CreateUnbounded<SignedCommand>();
    private readonly Channel<Ack> _acks = Channel.CreateUnbounded<Ack>();
    private readonly ConcurrentQueue<SignedCommand> _received = new();
    private readonly int _port;
    private ulong _epoch;

    private CommandGateway(string id, int port, IMqttClient client)
    {
        Id = id;
        _port = port;
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == Topics.Command(Id) && ContractMessages.TryParseCommand(e.ApplicationMessage, out var command))
            {
                _received.Enqueue(command);
                _commands.Writer.TryWrite(command);
            }
            else if (ContractMessages.TryParseAck(e.ApplicationMessage, out var ack))
            {
                _acks.Writer.TryWrite(ack);
            }

            return Task.CompletedTask;
        };
    }

    public string Id { get; }

    /// <summary>Every command received so far.</summary>
    public IReadOnlyCollection<SignedCommand> Received => _received;

    /// <summary>Connects, subscribes to ack and cmd, and (unless told not to) sends a birth and waits until central shows the gateway online.</summary>
    public static async Task<CommandGateway> ConnectAsync(CentralHost central, string id, bool birth = true)
    {
        var gateway = new CommandGateway(id, central.MqttPort, new MqttClientFactory().CreateMqttClient());
        await gateway.ConnectAsync();
        if (birth)
        {
            await gateway.BirthAsync(central);
        }

        return gateway;
    }

    public async Task ConnectAsync()
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _port)
            .WithClientId(Id + ":test-" + Guid.NewGuid().ToString("N")[..6])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build();
        var connected = await _client.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(Topics.Ack(Id)).WithAtLeastOnceQoS())
            .WithTopicFilter(f => f.WithTopic(Topics.Command(Id)).WithAtLeastOnceQoS())
            .Build());
    }

    /// <summary>A birth with a new epoch; returns once central's registry shows the gateway online.</summary>
    public async Task BirthAsync(CentralHost central, string lightingVersion = "")
    {
        var birth = new Birth { GatewayId = Id, Epoch = ++_epoch, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "test-1.0", LightingVersion = lightingVersion };
        birth.Points.AddRange(FakeGateway.DefaultPoints);
        // Central's ingest client may still be subscribing just after it reports connected: a birth published before
        // that reaches nobody, so it is sent again (the same epoch is accepted again) until central shows it.
        for (var attempt = 1; ; attempt++)
        {
            await PublishAsync(ContractMessages.Birth(birth));
            try
            {
                await WaitOnlineAsync(central, true, TimeSpan.FromSeconds(3));
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>A clean stop: death, disconnect; returns once central shows the gateway offline.</summary>
    public async Task GoOfflineAsync(CentralHost central)
    {
        await _client.CloseWithDeathAsync(new Death { GatewayId = Id, Epoch = _epoch }, CancellationToken.None);
        await WaitOnlineAsync(central, false);
    }

    public async Task WaitOnlineAsync(CentralHost central, bool online, TimeSpan? timeout = null)
    {
        await Wait.UntilAsync(async () =>
        {
            var gateways = await central.GetJsonAsync("/api/v1/gateways");
            return gateways.EnumerateArray().Any(g => g.GetProperty("id").GetString() == Id && g.GetProperty("online").GetBoolean() == online);
        }, timeout ?? TimeSpan.FromSeconds(10), $"{Id} online={online} at central");
    }

    public async Task<SignedCommand> NextCommandAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _commands.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No command for {Id}.");
        }
    }

    /// <summary>Acks until one lists <paramref name="resultSeq"/> in committed_result_seqs.</summary>
    public async Task<Ack> AckOfResultAsync(ulong resultSeq)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var ack = await _acks.Reader.ReadAsync(cts.Token);
                if (ack.CommittedResultSeqs.Contains(resultSeq))
                {
                    return ack;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No ack of result {resultSeq} for {Id}.");
        }
    }

    public Task ResultAsync(string id, CommandStatus status, ulong resultSeq, string detail = "", string? readBack = null, string reason = "", string? gatewayId = null)
    {
        var result = new CommandResult
        {
            Id = id,
            GatewayId = gatewayId ?? Id,
            Status = status,
            Detail = detail,
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ResultSeq = resultSeq,
            Reason = reason,
        };
        if (readBack is not null)
        {
            result.ReadBack = readBack;
        }

        return PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.CommandResult(Id)).WithPayload(result.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    public Task RawResultAsync(byte[] payload) =>
        PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.CommandResult(Id)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>Verifies a received command with central's public key (PEM) and returns its body.</summary>
    public static CommandBody Verify(SignedCommand command, string publicKeyFile)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(publicKeyFile));
        Assert.True(CommandSigning.TryVerify(command, key, out var body, out var reason), reason);
        return body;
    }

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
                // The broker went away first (a test that stops central).
            }
        }

        _client.Dispose();
    }

    private async Task PublishAsync(MqttApplicationMessage message)
    {
        var result = await _client.PublishAsync(message);
        Assert.True(result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers, $"publish on {message.Topic}: {result.ReasonCode}");
    }
}

/// <summary>The commands API as the tests use it.</summary>
internal static class CommandApi
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/commands", UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostRawAsync(HttpClient http, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/commands", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>POSTs and expects 202 pending; returns the id.</summary>
    public static async Task<string> IssueAsync(HttpClient http, object body)
    {
        var (status, answer) = await PostAsync(http, body);
        Assert.True(status == HttpStatusCode.Accepted, $"POST answered {(int)status}: {answer}");
        Assert.Equal("pending", answer.GetProperty("status").GetString());
        return answer.GetProperty("id").GetString()!;
    }

    /// <summary>The status of the command at one gateway (the element of its "gateways" list).</summary>
    public static async Task<JsonElement> StatusAsync(CentralHost central, string id, string gateway)
    {
        var command = await central.GetJsonAsync($"/api/v1/commands/{id}");
        return command.GetProperty("gateways").EnumerateArray().Single(g => g.GetProperty("gateway").GetString() == gateway);
    }

    public static async Task<JsonElement> WaitForStatusAsync(CentralHost central, string id, string gateway, string status)
    {
        JsonElement last = default;
        await Wait.UntilAsync(async () =>
        {
            last = await StatusAsync(central, id, gateway);
            return last.GetProperty("status").GetString() == status;
        }, TimeSpan.FromSeconds(10), $"command {id} at {gateway} to be {status}");
        return last;
    }
}
