using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// The field's faults on the deployed chain (edge -> link -> mosquitto -> central, <see cref="ChaosRig"/>): a link that
/// delays, stalls, refuses and cuts connections in the middle of a frame; a broker killed and started again; the edge's
/// wall clock stepped forwards and backwards, and a cabinet booting in 1970. After each fault the edge reconnects and
/// drains, and the ledger holds: every reading the edge buffered is stored at central once. The figures of longer runs
/// (CHAOS_ROUNDS) come from benchmarks/chaos.sh.
/// </summary>
[Collection("processes")]
public sealed class ChaosTests(ChaosRig rig, ITestOutputHelper log) : IClassFixture<ChaosRig>
{
    private const string Point = "meter1/voltage";
    private static readonly TimeSpan FaultLength = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_link_that_delays_stalls_refuses_and_cuts_mid_frame_loses_nothing_and_stores_nothing_twice()
    {
        var ledger = new ChaosLedger(rig, "network", log);
        var random = new Random(18);
        try
        {
            for (var round = 0; round < ChaosRig.Rounds; round++)
            {
                // Latency: every chunk 300 ms late in both directions; acks still come.
                rig.Proxy.Delay = TimeSpan.FromMilliseconds(300);
                await rig.WaitForAckedAsync(above: await rig.ReadingsAckedAsync());
                rig.Proxy.Delay = TimeSpan.Zero;
                await ledger.RecoveredAsync("300 ms latency");

                // Packets lost for longer than the ack timeout: nothing moves, the connection stays open, the edge resends.
                rig.Proxy.Stall();
                await Task.Delay(FaultLength + TimeSpan.FromMilliseconds(random.Next(1000)));
                rig.Proxy.Resume();
                await ledger.RecoveredAsync("stalled");

                // Each connection reset after a few more bytes: inside an MQTT packet, a publish or an ack half sent.
                rig.Proxy.CutAfter(random.Next(20, 3000));
                await ledger.RecoveredAsync("cut mid-frame");

                // The route is gone: open connections reset, new ones refused, while the edge buffers.
                rig.Proxy.Refusing = true;
                rig.Proxy.ResetAll();
                await Task.Delay(FaultLength);
                rig.Proxy.Refusing = false;
                await ledger.RecoveredAsync("route down");
            }

            log.WriteLine($"proxy: {rig.Proxy.Connections} connections, {rig.Proxy.Resets} reset, {rig.Proxy.BytesForwarded} bytes");
            Assert.True(rig.Proxy.Resets >= 2 * ChaosRig.Rounds, $"only {rig.Proxy.Resets} connections were reset");
            await ledger.CheckAsync();
        }
        finally
        {
            rig.WriteLogTo(log);
        }
    }

    [Fact]
    public async Task A_broker_killed_and_restarted_again_and_again_loses_nothing_and_stores_nothing_twice()
    {
        var ledger = new ChaosLedger(rig, "broker", log);
        try
        {
            for (var round = 0; round < 2 * ChaosRig.Rounds; round++)
            {
                var hard = round % 2 == 0;
                await rig.StopBrokerAsync(hard);
                await rig.StartBrokerAsync();
                await ledger.RecoveredAsync(hard ? "mosquitto SIGKILL and restart" : "mosquitto SIGTERM and restart");
            }

            await ledger.CheckAsync();
        }
        finally
        {
            rig.WriteLogTo(log);
        }
    }

    [Fact]
    public async Task Clock_steps_and_a_cabinet_booting_in_1970_keep_polling_and_forwarding_and_mark_the_readings()
    {
        var ledger = new ChaosLedger(rig, "clock", log);
        try
        {
            for (var round = 0; round < ChaosRig.Rounds; round++)
            {
                // NTP steps the clock forward 5 minutes (central still takes that as inside its window), then back 65 minutes
                // (a poll grid kept on the old clock would wait those 65 minutes), then to the right time.
                foreach (var offsetSeconds in new[] { 300, -3600, 0 })
                {
                    var stepped = DateTimeOffset.UtcNow.AddSeconds(offsetSeconds);
                    // An earlier round's readings can lie in this window (a quiet machine runs a round in seconds, and the
                    // last round drained before this step): only the readings taken after the step are judged.
                    var earlier = (await ReadingsAsync(stepped.AddSeconds(-2), stepped.AddSeconds(60), atLeast: 0)).Select(r => r.Timestamp).ToHashSet();
                    rig.SetClockOffset(offsetSeconds.ToString(CultureInfo.InvariantCulture));
                    var after = (await ReadingsAsync(stepped.AddSeconds(-2), stepped.AddSeconds(60), atLeast: earlier.Count + 5))
                        .Where(r => !earlier.Contains(r.Timestamp)).ToList();
                    Assert.All(after, r => Assert.Equal("clock-unsynced", r.Quality));
                    await ledger.RecoveredAsync(string.Create(CultureInfo.InvariantCulture, $"clock stepped to {offsetSeconds:+0;-0} s"));
                }
            }

            // A cabinet whose RTC lost its battery boots in 1970 and polls; NTP then sets the clock and it drains. Central
            // keeps the 1970 readings, flagged.
            var bufferedBefore = (await rig.City.EdgeStatusAsync())["buffer"].Long("readingsBuffered");
            Assert.Equal(0, await rig.Edge.StopAsync());
            var boot = new DateTimeOffset(1970, 1, 1, 0, 1, 0, TimeSpan.Zero);
            rig.SetClockOffset("-" + ((long)(DateTimeOffset.UtcNow - boot).TotalSeconds).ToString(CultureInfo.InvariantCulture));
            var before = (await rig.City.GetJsonAsync("/api/v1/stats"))["timestampsOutOfWindow"]!.Long("too-old");
            rig.StartEdge();
            var in1970 = await Eventually.ReturnsAsync(async () =>
            {
                var s = await rig.City.EdgeStatusAsync();
                return s["buffer"].Long("readingsBuffered") >= bufferedBefore + 50 ? s : null;
            }, TimeSpan.FromSeconds(60), "the edge booted in 1970 buffering readings");
            log.WriteLine($"booted in 1970: {in1970.ToJsonString()}");
            rig.SetClockOffset("0");
            await ledger.RecoveredAsync("booted in 1970, then NTP set the clock");

            var old = (await ReadingsAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddMinutes(10), atLeast: 1))
                .Where(r => r.Timestamp.Year == 1970).ToList();
            Assert.NotEmpty(old);
            Assert.All(old, r => Assert.Equal("timestamp-out-of-window", r.Quality));
            var tooOld = (await rig.City.GetJsonAsync("/api/v1/stats"))["timestampsOutOfWindow"]!.Long("too-old");
            Assert.True(tooOld - before >= old.Count, $"central counted {tooOld - before} readings too old, {old.Count} of {Point} alone are from 1970");
            Assert.Contains("CLOCK_UNSYNCED", rig.Edge.Output, StringComparison.Ordinal);

            await ledger.CheckAsync();
        }
        finally
        {
            rig.SetClockOffset("0");
            rig.WriteLogTo(log);
        }
    }

    /// <summary>Central's readings of <see cref="Point"/> timestamped from..to, once there are at least <paramref name="atLeast"/>.</summary>
    private async Task<List<(DateTimeOffset Timestamp, string Quality)>> ReadingsAsync(DateTimeOffset from, DateTimeOffset to, int atLeast) =>
        await Eventually.ReturnsAsync(async () =>
        {
            var history = await rig.City.GetJsonAsync(
                $"/api/v1/points/history?gateway={ChaosRig.GatewayId}&point={Uri.EscapeDataString(Point)}&from={Iso(from)}&to={Iso(to)}&limit=1000000");
            var readings = history["readings"]!.AsArray()
                .Select(r => (DateTimeOffset.Parse((string)r!["timestamp"]!, CultureInfo.InvariantCulture), (string)r["quality"]!))
                .ToList();
            return readings.Count >= atLeast ? readings : null;
        }, TimeSpan.FromSeconds(60), $"{atLeast} readings of {Point} at central timestamped {Iso(from)}..{Iso(to)}");

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
