using City.Central.Live;
using City.Contract.Wire;
using City.Hostile;
using City.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace City.Central.Tests;

/// <summary>
/// The short version of benchmarks/hostile-load.sh: while strangers connect, send garbage and leave, live-stream clients
/// and an MQTT subscriber never read, and a gateway sends its whole history again, a legitimate gateway gets every
/// batch acknowledged, the history is taken as duplicates and stored once, and the slow stream clients are dropped.
/// Nothing here is timed: the latency and memory figures are the benchmark's.
/// </summary>
public sealed class HostileLoadTests(ITestOutputHelper output)
{
    private const int HistoryBatches = 100;
    private const int Strangers = 60;
    private const int StreamClients = 3;
    private const int LegitimateBatches = 20;

    [Fact]
    public async Task Under_garbage_connections_slow_consumers_and_a_replayed_history_a_legitimate_gateway_gets_every_ack()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true", "--Central:Stream:ClientBuffer=8");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // guards a broken build only
        Assert.Equal(HistoryBatches, await HostileClients.PublishHistoryAsync("127.0.0.1", central.MqttPort, "replay-0", HistoryBatches, 16, cancel.Token));
        var storedBefore = (await central.StatsAsync()).GetProperty("batchesAccepted").GetInt64();

        await using var legitimate = await FakeGateway.ConnectAsync(central.MqttPort, "cab-legit");
        await legitimate.BirthAsync(1);
        var streams = new List<System.Net.Sockets.Socket>();
        for (var i = 0; i < StreamClients; i++)
        {
            streams.Add(await HostileClients.SlowStreamClientAsync(central.BaseUrl, central.AdminToken, cancel.Token));
        }

        using var subscriberStop = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
        // 1,000 points a batch: values messages large enough to fill the stream clients' sockets quickly.
        var subscriber = HostileClients.NonReadingSubscriberAsync("127.0.0.1", central.MqttPort, "slowsub-0", TimeSpan.FromMilliseconds(20), subscriberStop.Token, points: 1000, readingsPerPoint: 1);
        var replay = HostileClients.PublishHistoryAsync("127.0.0.1", central.MqttPort, "replay-0", HistoryBatches, 16, cancel.Token);
        var strangers = Task.WhenAll(Enumerable.Range(0, Strangers).Select(i => Task.Run(() => (i % 3) switch
        {
            0 => HostileClients.RawGarbageAsync("127.0.0.1", central.TlsPort, new Random(i), cancel.Token),
            1 => HostileClients.TlsWithoutCertificateAsync("127.0.0.1", central.TlsPort, cancel.Token),
            _ => HostileClients.MqttGarbageAsync("127.0.0.1", central.MqttPort, $"junk-{i}", "cab-legit", new Random(i), cancel.Token),
        })));

        for (ulong seq = 1; seq <= LegitimateBatches; seq++)
        {
            await legitimate.DataAsync(seq, FakeGateway.SampleReadings(5));
            Assert.Equal([seq], (await legitimate.NextAckAsync()).CommittedSeqs);
        }

        var outcomes = await strangers;
        Assert.Equal(HistoryBatches, await replay);
        var hub = central.App.Services.GetRequiredService<LiveHub>();
        await Until.TrueAsync(() => hub.DroppedSlowClients >= StreamClients, "the slow stream clients dropped");
        await subscriberStop.CancelAsync();
        var subscriberBatches = await subscriber;

        var stats = await central.StatsAsync();
        output.WriteLine($"strangers: {string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key} {g.Count()}"))}; non-reading subscriber published {subscriberBatches}; {stats}");
        Assert.Equal(Strangers / 3, outcomes.Count(o => o is "mqtt-garbage" or "mqtt-refused" or "mqtt-closed"));
        Assert.Equal(Strangers / 3, outcomes.Count(o => o is "tls-refused" or "tls-no-certificate"));
        Assert.True(stats.GetProperty("duplicateBatches").GetInt64() >= HistoryBatches, stats.ToString());
        Assert.True(stats.GetProperty("rejectedTotal").GetInt64() >= outcomes.Count(o => o == "mqtt-garbage"), stats.ToString());
        Assert.True(CentralHost.Refused(stats, "tls-handshake") > 0, stats.ToString()); // the random bytes on the TLS port
        Assert.True(CentralHost.Refused(stats, "protocol-violation") > 0, stats.ToString()); // the garbage after TLS

        // Stored once: the replay added nothing; what was stored since is the legitimate gateway's and the subscriber's
        // (whose last batches may still be on their way through central's queue).
        long Batches(System.Text.Json.JsonElement gateways, string id) =>
            gateways.EnumerateArray().Single(g => g.GetProperty("id").GetString() == id).GetProperty("batchesReceived").GetInt64();
        await Until.TrueAsync(
            async () =>
            {
                var gateways = await central.GetJsonAsync("/api/v1/gateways");
                stats = await central.StatsAsync();
                return Batches(gateways, "slowsub-0") == subscriberBatches
                    && stats.GetProperty("batchesAccepted").GetInt64() == storedBefore + LegitimateBatches + subscriberBatches;
            },
            "every batch stored once");
        var final = await central.GetJsonAsync("/api/v1/gateways");
        Assert.Equal(HistoryBatches, Batches(final, "replay-0"));
        Assert.Equal(LegitimateBatches, Batches(final, "cab-legit"));
        Assert.Equal("ok", (await central.GetJsonAsync("/healthz")).GetProperty("status").GetString());
        foreach (var socket in streams)
        {
            socket.Dispose();
        }
    }
}
