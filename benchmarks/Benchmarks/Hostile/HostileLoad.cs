using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using City.Hostile;

namespace City.Benchmarks.Hostile;

/// <summary>
/// <c>hostile history</c>: a gateway publishes its history (the replay's reference). <c>hostile attack</c>: for a duration,
/// strangers connect, send garbage and leave (raw bytes and TLS without a certificate on the TLS port, garbage MQTT
/// publishes on the plain one), live-stream clients and an MQTT subscriber never read, and the gateway of
/// <c>hostile history</c> sends its whole history again. Prints one JSON object with what each part did.
/// </summary>
internal static class HostileLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args[2..]);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        if (args[1] == "history")
        {
            var watch = Stopwatch.StartNew();
            var acked = await HostileClients.PublishHistoryAsync(options.PlainHost, options.PlainPort, options.ReplayGateway, options.HistoryBatches, 64, stop.Token).ConfigureAwait(false);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["historyBatches"] = options.HistoryBatches, ["acked"] = acked, ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 1) }));
            return acked == options.HistoryBatches ? 0 : 1;
        }

        return await AttackAsync(options, stop.Token).ConfigureAwait(false);
    }

    private static async Task<int> AttackAsync(Options options, CancellationToken cancel)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        run.CancelAfter(options.Duration);
        var watch = Stopwatch.StartNew();

        var streamClients = new List<Socket>();
        for (var i = 0; i < options.StreamClients; i++)
        {
            streamClients.Add(await HostileClients.SlowStreamClientAsync(options.Http, options.Token, cancel).ConfigureAwait(false));
        }

        var subscriber = HostileClients.NonReadingSubscriberAsync(options.PlainHost, options.PlainPort, "slowsub-0", TimeSpan.FromMilliseconds(50), run.Token);
        var replay = Task.Run(async () =>
        {
            var started = watch.Elapsed;
            var acked = await HostileClients.PublishHistoryAsync(options.PlainHost, options.PlainPort, options.ReplayGateway, options.HistoryBatches, 64, cancel).ConfigureAwait(false);
            return (acked, seconds: (watch.Elapsed - started).TotalSeconds);
        });

        // The strangers, spread evenly over the duration, a few at a time.
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        using var concurrency = new SemaphoreSlim(options.Concurrency);
        var strangers = new List<Task>();
        var interval = options.Duration / Math.Max(1, options.Connections) * 0.8;
        for (var i = 0; i < options.Connections && !cancel.IsCancellationRequested; i++)
        {
            var due = interval * i;
            if (watch.Elapsed < due)
            {
                await Task.Delay(due - watch.Elapsed, cancel).ConfigureAwait(false);
            }

            await concurrency.WaitAsync(cancel).ConfigureAwait(false);
            var index = i;
            strangers.Add(Task.Run(async () =>
            {
                var random = new Random(index);
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var outcome = (index % 3) switch
                    {
                        0 => await HostileClients.RawGarbageAsync(options.TlsHost, options.TlsPort, random, timeout.Token).ConfigureAwait(false),
                        1 => await HostileClients.TlsWithoutCertificateAsync(options.TlsHost, options.TlsPort, timeout.Token).ConfigureAwait(false),
                        _ => await HostileClients.MqttGarbageAsync(options.PlainHost, options.PlainPort, $"junk-{index}", options.ReplayGateway, random, timeout.Token).ConfigureAwait(false),
                    };
                    Count(outcomes, outcome);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Count(failures, e.GetType().Name);
                }
                finally
                {
                    concurrency.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(strangers).ConfigureAwait(false);
        var subscriberPublished = await subscriber.ConfigureAwait(false);
        var (replayAcked, replaySeconds) = await replay.ConfigureAwait(false);
        var closed = streamClients.Count(HostileClients.ClosedByPeer);
        foreach (var socket in streamClients)
        {
            socket.Dispose();
        }

        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 1),
            ["strangers"] = outcomes,
            ["strangerErrors"] = failures,
            ["streamClients"] = options.StreamClients,
            ["streamClientsClosedByCentral"] = closed,
            ["nonReadingSubscriberBatches"] = subscriberPublished,
            ["replayBatches"] = options.HistoryBatches,
            ["replayAcked"] = replayAcked,
            ["replaySeconds"] = Math.Round(replaySeconds, 1),
        }));
        return 0;
    }

    private static void Count(Dictionary<string, int> counts, string key)
    {
        lock (counts)
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
    }

    private sealed record Options(string PlainHost, int PlainPort, string TlsHost, int TlsPort, Uri Http, string Token, TimeSpan Duration,
        int Connections, int Concurrency, int StreamClients, string ReplayGateway, int HistoryBatches)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                values[args[i]] = args[i + 1];
            }

            string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
            int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
            var plain = Get("--plain", "127.0.0.1:21883").Split(':');
            var tls = Get("--tls", "127.0.0.1:28883").Split(':');
            return new Options(
                plain[0],
                int.Parse(plain[1], CultureInfo.InvariantCulture),
                tls[0],
                int.Parse(tls[1], CultureInfo.InvariantCulture),
                new Uri(Get("--http", "http://127.0.0.1:28080")),
                Get("--token", string.Empty),
                TimeSpan.FromSeconds(Int("--duration", 20)),
                Int("--connections", 1000),
                Int("--concurrency", 20),
                Int("--stream-clients", 20),
                Get("--gateway", "replay-0"),
                Int("--history", 2000));
        }
    }
}
