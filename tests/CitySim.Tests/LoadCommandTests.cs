using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Sim.Load;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace City.Sim.Tests;

/// <summary>
/// <c>citysim load</c> gateways answering commands, against an in-process broker and a stand-in for central that signs
/// commands with its own key, collects the results and acknowledges them in <c>committed_result_seqs</c>.
/// </summary>
public sealed class LoadCommandTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Tcp();
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("citysim-cmd-");
    private readonly ECDsa _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentQueue<CommandResult> _results = new();
    private readonly ConcurrentDictionary<string, bool> _born = new(StringComparer.Ordinal);
    private MqttServer? _broker;
    private IMqttClient? _central;

    /// <summary>Whether the stand-in acknowledges a result it receives (by default, every one).</summary>
    private Func<CommandResult, bool> _acknowledge = _ => true;

    private string SigningKeyFile => Path.Combine(_directory.FullName, LoadTlsFiles.SigningKeyFileName);

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(SigningKeyFile, _signingKey.ExportSubjectPublicKeyInfoPem());
        _broker = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(_port)
            .Build());
        await _broker.StartAsync();
        await StartCentralAsync();
    }

    public async Task DisposeAsync()
    {
        _central?.Dispose();
        if (_broker is not null)
        {
            await _broker.StopAsync();
            _broker.Dispose();
        }

        _signingKey.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Every_gateway_answers_a_signed_command_accepted_then_done_and_keeps_nothing_once_acked()
    {
        var run = StartRun(Options(3, "a-") with { SigningKeyFile = SigningKeyFile });
        await WaitForBirthsAsync("a-0", "a-1", "a-2");

        var ids = new[] { "a-0", "a-1", "a-2" }.ToDictionary(g => g, g => SendCommand(g));
        await Task.WhenAll(ids.Select(p => p.Value));
        await WaitUntilAsync(() => _results.Count(r => r.Status == CommandStatus.Done) == 3);
        var report = await run;

        foreach (var (gateway, id) in ids)
        {
            var results = _results.Where(r => r.GatewayId == gateway).OrderBy(r => r.ResultSeq).ToArray();
            Assert.Equal([CommandStatus.Accepted, CommandStatus.Done], results.Select(r => r.Status));
            Assert.All(results, r => Assert.Equal(id.Result, r.Id));
            Assert.Equal([1UL, 2UL], results.Select(r => r.ResultSeq));
        }

        Assert.Equal(3, report.Commands.Received);
        Assert.Equal(3, report.Commands.Answered);
        Assert.Equal(3, report.Commands.Done);
        Assert.Equal(6, report.Commands.ResultsPublished);
        Assert.Equal(6, report.Commands.ResultsAcked);
        Assert.Equal(0, report.Commands.ResultsUnacked);
        Assert.Equal(0, report.BatchesPublished);
    }

    [Fact]
    public async Task Without_a_signing_key_every_command_is_rejected_signature()
    {
        var run = StartRun(Options(1, "k-"));
        await WaitForBirthsAsync("k-0");

        var id = await SendCommand("k-0");
        await WaitUntilAsync(() => !_results.IsEmpty);
        var report = await run;

        var result = Assert.Single(_results);
        Assert.Equal((id, CommandStatus.Rejected, CommandRejections.Signature), (result.Id, result.Status, result.Reason));
        Assert.Equal(1, report.Commands.Rejected);
        Assert.Equal(1, report.Commands.RejectReasons[CommandRejections.Signature]);
        Assert.Equal(0, report.Commands.Done);
    }

    [Fact]
    public async Task A_command_with_one_byte_changed_is_rejected_and_one_for_another_gateway_too()
    {
        var run = StartRun(Options(1, "t-") with { SigningKeyFile = SigningKeyFile });
        await WaitForBirthsAsync("t-0");

        var tampered = await SendCommand("t-0", signed => signed.Body = ByteString.CopyFrom(Flip(signed.Body.ToByteArray(), 3)));
        var elsewhere = await SendCommand("t-0", body: Body("t-9"));
        await WaitUntilAsync(() => _results.Count >= 2);
        var report = await run;

        Assert.Equal(2, report.Commands.Rejected);
        Assert.Contains(_results, r => r.Status == CommandStatus.Rejected && r.Reason == CommandRejections.WrongGateway && r.Id == elsewhere);
        Assert.Contains(_results, r => r.Status == CommandStatus.Rejected && r.Reason == CommandRejections.Signature);
        Assert.DoesNotContain(_results, r => r.Status == CommandStatus.Done);
        Assert.NotEmpty(tampered);
    }

    [Fact]
    public async Task An_expired_command_is_rejected_expired()
    {
        var run = StartRun(Options(1, "e-") with { SigningKeyFile = SigningKeyFile });
        await WaitForBirthsAsync("e-0");

        var body = Body("e-0");
        body.NotAfterUnixMs = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        await SendCommand("e-0", body: body);
        await WaitUntilAsync(() => !_results.IsEmpty);
        await run;

        Assert.Equal(CommandRejections.Expired, Assert.Single(_results).Reason);
    }

    [Fact]
    public async Task A_result_central_does_not_acknowledge_is_published_again_until_it_does()
    {
        var deliveries = new ConcurrentDictionary<ulong, int>();
        _acknowledge = r => deliveries.AddOrUpdate(r.ResultSeq, 1, (_, n) => n + 1) >= 2;
        var run = StartRun(Options(1, "r-") with { SigningKeyFile = SigningKeyFile, ResultAckTimeout = TimeSpan.FromMilliseconds(300) });
        await WaitForBirthsAsync("r-0");

        await SendCommand("r-0");
        var report = await run;

        Assert.Equal(2, deliveries[1]);
        Assert.Equal(2, deliveries[2]);
        Assert.Equal(2, report.Commands.ResultsResent);
        Assert.Equal(2, report.Commands.ResultsAcked);
        Assert.Equal(0, report.Commands.ResultsUnacked);
    }

    [Fact]
    public async Task After_a_lost_connection_the_gateway_connects_again_and_publishes_its_unacknowledged_results_again()
    {
        var deliveries = new ConcurrentDictionary<ulong, int>();
        _acknowledge = r => deliveries.AddOrUpdate(r.ResultSeq, 1, (_, n) => n + 1) >= 2;
        var run = StartRun(Options(1, "c-") with { SigningKeyFile = SigningKeyFile, Duration = TimeSpan.FromSeconds(6), ResultAckTimeout = TimeSpan.FromMinutes(5) });
        await WaitForBirthsAsync("c-0");
        await SendCommand("c-0");
        await WaitUntilAsync(() => _results.Count >= 2);

        _born.Clear();
        var client = Assert.Single(await _broker!.GetClientsAsync(), c => c.Id == "c-0");
        await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });
        await WaitForBirthsAsync("c-0");
        await WaitUntilAsync(() => _results.Count >= 4);
        var report = await run;

        Assert.Equal(1, report.Commands.Reconnects);
        Assert.Equal(2, deliveries[1]);
        Assert.Equal(2, deliveries[2]);
        Assert.Equal(2, report.Commands.ResultsResent);
        Assert.Equal(0, report.Commands.ResultsUnacked);
    }

    [Fact]
    public async Task The_same_command_delivered_twice_is_answered_once()
    {
        var run = StartRun(Options(1, "d-") with { SigningKeyFile = SigningKeyFile });
        await WaitForBirthsAsync("d-0");

        var body = Body("d-0");
        await SendCommand("d-0", body: body);
        await SendCommand("d-0", body: body);
        await WaitUntilAsync(() => _results.Count >= 2);
        var report = await run;

        Assert.Equal(2, report.Commands.Received);
        Assert.Equal(1, report.Commands.Duplicates);
        Assert.Equal(1, report.Commands.Done);
        Assert.Single(_results, r => r.Status == CommandStatus.Done);
    }

    [Fact]
    public void The_signing_key_defaults_to_the_one_in_the_tls_directory()
    {
        Assert.Equal(SigningKeyFile, LoadTlsFiles.DefaultSigningKey(_directory.FullName));
        File.Delete(SigningKeyFile);
        Assert.Null(LoadTlsFiles.DefaultSigningKey(_directory.FullName));
        Assert.Null(LoadTlsFiles.DefaultSigningKey(null));

        var parse = new RootCommand { LoadCommand.Create(TimeProvider.System) }.Parse(["load", "--signing-key", SigningKeyFile]);
        Assert.Contains(SigningKeyFile + " does not exist", Assert.Single(parse.Errors).Message, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        bytes[index] ^= 0x01;
        return bytes;
    }

    private static CommandBody Body(string gatewayId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new CommandBody
        {
            Id = Guid.NewGuid().ToString(),
            GatewayId = gatewayId,
            IssuedAtUnixMs = now,
            NotAfterUnixMs = now + 60_000,
            Issuer = "test",
            Dali = new DaliAction { Line = "lights-a", Target = "broadcast", Command = "level", Value = 128 },
        };
    }

    private LoadOptions Options(int gateways, string prefix) =>
        new("127.0.0.1", _port, gateways, Points: 1, ReadingsPerPoint: 1, Window: 1, TimeSpan.FromSeconds(2), prefix) { CommandsOnly = true };

    private static Task<LoadReport> StartRun(LoadOptions options) =>
        Task.Run(() => new LoadRunner(options, TimeProvider.System).RunAsync(CancellationToken.None));

    /// <summary>Signs a command (for <paramref name="gatewayId"/> unless <paramref name="body"/> says otherwise) and publishes it on the gateway's cmd topic.</summary>
    private async Task<string> SendCommand(string gatewayId, Action<SignedCommand>? tamper = null, CommandBody? body = null)
    {
        body ??= Body(gatewayId);
        var signed = CommandSigning.Sign(body, _signingKey);
        tamper?.Invoke(signed);
        await _central!.PublishAsync(ContractMessages.Command(gatewayId, signed));
        return body.Id;
    }

    private async Task WaitForBirthsAsync(params string[] gateways) => await WaitUntilAsync(() => gateways.All(_born.ContainsKey));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task StartCentralAsync()
    {
        _central = new MqttClientFactory().CreateMqttClient();
        _central.ApplicationMessageReceivedAsync += async e =>
        {
            if (!Topics.TryParse(e.ApplicationMessage.Topic, out var gatewayId, out var kind))
            {
                return;
            }

            if (kind == TopicKind.Birth)
            {
                _born[gatewayId] = true;
            }

            if (kind != TopicKind.CmdResult)
            {
                return;
            }

            Assert.True(ContractMessages.TryParseCommandResult(e.ApplicationMessage, out var result));
            _results.Enqueue(result);
            if (_acknowledge(result))
            {
                var ack = new Ack();
                ack.CommittedResultSeqs.Add(result.ResultSeq);
                await _central.PublishAsync(ContractMessages.Ack(gatewayId, ack));
            }
        };
        await _central.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId("central").Build());
        await _central.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllGateways, MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }
}
