using System.Collections.Concurrent;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using MQTTnet;

namespace City.Benchmarks.PageScale;

/// <summary>
/// One cabinet of the <see cref="District"/> as central sees an edge: a TLS MQTT session with the gateway's certificate
/// (from <c>central pki issue-gateway --out DIR</c>), a birth with its site and lamps, a first batch with every lamp's
/// level, then on demand a batch saying one lamp failed. Each batch waits for central's ack (sent after the commit).
/// </summary>
internal sealed class DistrictGateway : IAsyncDisposable
{
    private readonly District _district;
    private readonly int _cabinet;
    private readonly IMqttClient _client;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<DateTimeOffset>> _waiting = new();
    private readonly ulong _epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly string _bufferId = BufferIds.New();
    private ulong _nextSeq = 1;

    public DistrictGateway(District district, int cabinet, MqttClientFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _district = district;
        _cabinet = cabinet;
        Id = District.GatewayId(cabinet);
        _client = factory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public string Id { get; }

    private Death Death => new() { GatewayId = Id, Epoch = _epoch, BufferId = _bufferId };

    /// <summary>Connects, publishes the birth and the first batch, and returns once central acknowledged it.</summary>
    public async Task StartAsync(string host, int port, string tlsDirectory, CancellationToken cancellationToken)
    {
        var connection = new BrokerConnection(host, port, Id)
        {
            KeepAlive = TimeSpan.FromSeconds(60),
            Timeout = TimeSpan.FromSeconds(60),
            Tls = new BrokerTls(Path.Combine(tlsDirectory, "ca.crt"), Path.Combine(tlsDirectory, Id + ".crt"), Path.Combine(tlsDirectory, Id + ".key")),
        };
        await _client.ConnectCheckedAsync(ContractClientOptions.ForGateway(connection, Death), cancellationToken).ConfigureAwait(false);
        await _client.SubscribeAtLeastOnceAsync(Topics.Ack(Id), noLocal: false, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await _client.PublishBirthAsync(_district.CreateBirth(_cabinet, _epoch, _bufferId, now), cancellationToken).ConfigureAwait(false);
        await PublishAsync(_district.InitialReadings(now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes <c>{lamp}.lamp-failure = true</c>; returns when it was published and when central's ack came.</summary>
    public async Task<(DateTimeOffset Published, DateTimeOffset Acknowledged)> FailLampAsync(int lamp, CancellationToken cancellationToken)
    {
        var published = DateTimeOffset.UtcNow;
        var acknowledged = await PublishAsync(
            [new Reading(District.FailureAlias(lamp), published.ToUnixTimeMilliseconds(), PointValue.FromBoolean(true))], cancellationToken).ConfigureAwait(false);
        return (published, acknowledged);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _client.CloseWithDeathAsync(Death, timeout.Token).ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private async Task<DateTimeOffset> PublishAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        var seq = _nextSeq++;
        var acked = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[seq] = acked;
        var header = new BatchHeader(Id, _epoch, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), BatchKind.Telemetry, _bufferId);
        await _client.PublishCheckedAsync(ContractMessages.Data(Id, BatchCodec.EncodeToBytes(header, readings)), cancellationToken).ConfigureAwait(false);
        return await acked.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var at = DateTimeOffset.UtcNow;
        if (!ContractMessages.TryParseAck(e.ApplicationMessage, out var ack))
        {
            return Task.CompletedTask;
        }

        foreach (var seq in ack.CommittedSeqs)
        {
            if (_waiting.TryRemove(seq, out var waiting))
            {
                waiting.TrySetResult(at);
            }
        }

        foreach (var seq in ack.RejectedSeqs)
        {
            if (_waiting.TryRemove(seq, out var waiting))
            {
                waiting.TrySetException(new InvalidOperationException($"{Id}: central rejected batch {seq}: {ack.RejectReason}"));
            }
        }

        return Task.CompletedTask;
    }
}
