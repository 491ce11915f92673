using System.Diagnostics;
using City.Contract;
using City.Contract.Wire;
using Xunit.Abstractions;

namespace City.Central.Tests;

public sealed class EndToEndTests(ITestOutputHelper output)
{
    private static List<byte[]> Payloads(string gateway, int batches, int readingsPerBatch, int seed)
    {
        var random = new Random(seed);
        var payloads = new List<byte[]>();
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (batches * 10_000L);
        for (var b = 0; b < batches; b++)
        {
            var readings = new List<Reading>(readingsPerBatch);
            for (var i = 0; i < readingsPerBatch / 50; i++)
            {
                for (uint alias = 1; alias <= 50; alias++)
                {
                    readings.Add(new Reading(alias, t + (i * 1000L), PointValue.FromNumber(Math.Round(230 + (random.NextDouble() * 5), 1))));
                }
            }

            t += 10_000;
            payloads.Add(BatchCodec.EncodeToBytes(new BatchHeader(gateway, 1, (ulong)b + 1, t), readings));
        }

        return payloads;
    }

    /// <summary>Not a speed assertion: prints how many readings/s go from MQTT publish to ack.</summary>
    [Fact]
    public async Task Publish_To_Ack_Throughput_IsMeasured()
    {
        const int Gateways = 4, Batches = 250, ReadingsPerBatch = 1000;
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        var gateways = new List<FakeGateway>();
        var payloads = new List<List<byte[]>>();
        for (var g = 0; g < Gateways; g++)
        {
            var gateway = await FakeGateway.ConnectAsync(central.MqttPort, $"cab-perf-{g}");
            await gateway.BirthAsync(1, Enumerable.Range(1, 50).Select(a => new PointInfo { Alias = (uint)a, Id = $"meter{a}/voltage", Unit = "V" }));
            gateways.Add(gateway);
            payloads.Add(Payloads(gateway.Id, Batches, ReadingsPerBatch, g));
        }

        var bytes = payloads.Sum(p => p.Sum(x => (long)x.Length));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(gateways.Select(async (gateway, g) =>
        {
            using var window = new SemaphoreSlim(64);
            var inFlight = payloads[g].Select(async payload =>
            {
                await window.WaitAsync();
                try
                {
                    await gateway.PublishAsync(Topics.Data(gateway.Id), payload);
                }
                finally
                {
                    window.Release();
                }
            }).ToList();
            await Task.WhenAll(inFlight);
            var acked = new HashSet<ulong>();
            while (acked.Count < Batches)
            {
                acked.UnionWith((await gateway.NextAckAsync(TimeSpan.FromSeconds(30))).CommittedSeqs);
            }
        }));
        watch.Stop();

        var stats = await central.StatsAsync();
        var total = (long)Gateways * Batches * ReadingsPerBatch;
        var message = $"MQTT publish -> validate -> commit (fsync) -> ack: {Gateways} gateways x {Batches} batches x {ReadingsPerBatch} readings = {total:N0} readings ({(double)bytes / total:N2} B/reading) in {watch.Elapsed.TotalMilliseconds:N0} ms -> {total / watch.Elapsed.TotalSeconds:N0} readings/s, {stats.GetProperty("commits").GetInt64()} commits";
        output.WriteLine(message);
        Console.WriteLine(message);
        Assert.Equal(total, stats.GetProperty("readingsAccepted").GetInt64());
        foreach (var gateway in gateways)
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task StopWhileBusy_EveryAckedSeqIsStored_AndTheRestCanBeResent()
    {
        var dataPath = CentralHost.NewDataPath();
        const int Batches = 1000;
        var payloads = Payloads("cab-stop", Batches, 200, 7);
        var acked = new HashSet<ulong>();
        await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true", "--Central:Ingest:MaxBatchesPerCommit=8"))
        {
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-stop");
            await gateway.BirthAsync(1);
            var publishing = Task.WhenAll(payloads.Select(p => gateway.PublishAsync(Topics.Data("cab-stop"), p)));
            acked.UnionWith((await gateway.NextAckAsync()).CommittedSeqs);

            // Stop in the middle of the stream: the queue is drained, committed and acknowledged.
            var watch = Stopwatch.StartNew();
            await central.App.StopAsync();
            output.WriteLine($"Stopped in {watch.ElapsedMilliseconds} ms");
            try
            {
                await publishing;
            }
            // Publishes to a stopped broker may fail; the edge would resend them.
            catch (Exception)
            {
            }

            while (gateway.TryTakeAck(out var ack))
            {
                acked.UnionWith(ack.CommittedSeqs);
            }
        }

        await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
        {
            var committed = Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray()).GetProperty("committedSeqs").GetString()!;
            output.WriteLine($"acked before stop: {acked.Count}, committed: {committed}");
            var stored = ParseRanges(committed);
            Assert.Subset(stored, acked);

            // The edge resends everything not acknowledged; all of it ends up stored exactly once.
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-stop");
            foreach (var payload in payloads.Where((_, i) => !acked.Contains((ulong)i + 1)))
            {
                await gateway.PublishAsync(Topics.Data("cab-stop"), payload);
            }

            await Wait.UntilAsync(
                async () => Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray()).GetProperty("committedSeqs").GetString() == $"1-{Batches}",
                TimeSpan.FromSeconds(15),
                "every seq to be committed");
            Assert.Equal(Batches * 200, Assert.Single((await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray()).GetProperty("readingsReceived").GetInt64());
        }
    }

    private static HashSet<ulong> ParseRanges(string text)
    {
        var set = new HashSet<ulong>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            var from = ulong.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
            var to = bounds.Length > 1 ? ulong.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : from;
            for (var s = from; s <= to; s++)
            {
                set.Add(s);
            }
        }

        return set;
    }
}
