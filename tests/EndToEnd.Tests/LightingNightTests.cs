using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using City.Protocols.Talq;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 14's "Done when": central pushes Dijon's calendar (on at dusk, 50 % from 23:00 to 05:00, off at dawn) to an
/// edge whose lighting and DALI line run on a clock <see cref="Speed"/> times faster than real time, over a
/// <c>citysim dali</c> line whose gear clock runs just as fast; the edge applies and confirms it; central is killed; the
/// edge switches and dims the lamps at the program's times on its own; central comes back, the night's readings arrive,
/// and the energy report over the night matches the energy the program implies with citysim's power model.
/// </summary>
[Collection("processes")]
public sealed class LightingNightTests(ITestOutputHelper log)
{
    private const string Line = "lights";
    private const int GearCount = 4;

    // A midsummer night in Dijon (about 8 h between sunset and sunrise) passes in 24 s. Every 100 ms a switch waits on the
    // line (a transaction already on the bus) is two simulated minutes of full power missing or added: a faster clock
    // would make that the main error of the energy check.
    private const double Speed = 1200;

    // What citysim's gear draw: 200 W of LEDs behind a driver losing 8-30 %, 0.5 W standby.
    private static readonly GearPower Power = new(200, 0.5, [(0.1, 0.70), (0.5, 0.88), (1, 0.92)]);

    // The edge reads the gear's level every StatusPeriod (simulated); a change is seen within that plus the real latency of
    // the scheduler's timer, the pty and the line's queue. One real second of latency is Speed simulated seconds (20
    // minutes). A status sweep costs about 0.3 s of real bus time (two broadcast queries nobody answers wait the answer
    // window) and an energy pass about as much; at 20 simulated minutes (1 s real) each, the bus is mostly free when the
    // scheduler switches the lamps. The tolerance stays below the shortest gap between steps (05:00 to sunrise, 43 min).
    private static readonly TimeSpan StatusPeriod = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan StepTolerance = TimeSpan.FromSeconds(Speed) + StatusPeriod;

    // Real time from the edge's start until the night's report window opens: central starts, the edge connects, receives
    // the set and confirms it before then (asserted), and reads every gear's energy counter at least once (the D4i
    // identity of each gear is read first).
    private static readonly TimeSpan ApplyBudget = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_edge_runs_the_pushed_night_program_without_central_and_the_energy_report_matches_the_program()
    {
        var watch = Stopwatch.StartNew();
        var night = LastMidsummer(DateTimeOffset.UtcNow);
        var (set, assignment) = NightPlan.Set(Line);
        var sunset = SolarCalculator.Compute(night, NightPlan.Dijon).Sunset!.Value;
        var sunrise = SolarCalculator.Compute(night.AddDays(1), NightPlan.Dijon).Sunrise!.Value;
        var from = FloorHour(sunset);
        var to = FloorHour(sunrise) + TimeSpan.FromHours(2);
        var steps = NightPlan.Levels(set, assignment, from, to);
        log.WriteLine($"night of {night:yyyy-MM-dd} in Dijon: sunset {sunset:O}, sunrise {sunrise:O}; report {from:O} .. {to:O}; plan: "
            + string.Join(", ", steps.Select(s => $"{s.Start.UtcDateTime:HH:mm}Z {s.LevelPercent}%")));
        Assert.Equal([0, 100, 50, 100, 0], steps.Select(s => s.LevelPercent));

        await using var pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var city = new CityStack(log, "gw-night");
        var sim = city.StartCitySim("citysim dali",
        [
            "dali", "--serial", pty.PortA, "--gear", GearCount.ToString(CultureInfo.InvariantCulture),
            "--rated-watts", Number(Power.RatedWatts), "--standby-watts", Number(Power.StandbyWatts), "--driver-efficiency", Power.CurveArgument,
            "--time-scale", Number(Speed), "--json",
        ]);
        // Central, the line and the edge start together; the edge connects when central is up, and central pushes the set
        // when it is given the assignment (or at the edge's birth, whichever comes last).
        var centralUp = city.StartCentralAsync();
        await sim.WaitForOutputAsync("\"serialPort\"", TimeSpan.FromSeconds(60));

        // The edge's clock: `from` comes ApplyBudget after its start.
        var realStart = DateTimeOffset.UtcNow;
        var simulatedStart = from - (ApplyBudget * Speed);
        DateTimeOffset SimNow() => simulatedStart + ((DateTimeOffset.UtcNow - realStart) * Speed);
        city.StartEdge(EdgeSection(city, pty.PortB, simulatedStart, realStart));
        log.WriteLine($"{watch.Elapsed}: edge started at simulated {SimNow():O}");
        await centralUp;
        await PutAsync(city, "/api/v1/lighting/control-programs/night-dim", NightPlan.NightDim());
        await PutAsync(city, "/api/v1/lighting/control-programs/full-night", NightPlan.FullNight());
        await PutAsync(city, $"/api/v1/lighting/calendars/{NightPlan.Calendar}", NightPlan.DijonCalendar());
        await PutAsync(city, $"/api/v1/lighting/assignments/{city.GatewayId}", NightPlan.Assignment(Line));
        log.WriteLine($"{watch.Elapsed}: central up and given the calendar at simulated {SimNow():O}");

        var status = await Eventually.ReturnsAsync(async () =>
        {
            var mine = await LightingStatusAsync(city);
            return (string?)mine?["state"] is "applied" or "rejected" ? mine : null;
        }, Patience, "the lighting set applied (or rejected) by the edge at central");
        var appliedAt = SimNow();
        log.WriteLine($"{watch.Elapsed}: lighting status {status.ToJsonString()} at simulated {appliedAt:O}");
        Assert.Equal("applied", (string?)status["state"]);
        Assert.True(appliedAt < from, $"the edge confirmed the set at simulated {appliedAt:O}, after the report window opened at {from:O}: the start took longer than {ApplyBudget}");

        await city.Central!.KillHardAsync();
        log.WriteLine($"{watch.Elapsed}: central killed at simulated {SimNow():O}");
        Assert.True(SimNow() < sunset, "central must be down before sunset");

        // Offline, in the middle of the dimmed hours, the edge's local view says 50 %.
        var local = FloorHour(sunset).AddHours(4);
        await DelayUntilAsync(realStart + ((local - simulatedStart) / Speed));
        var view = JsonNode.Parse(await city.EdgeCtlAsync("lighting", "--json"))!;
        var group = view["groups"]!.AsArray().Single()!;
        log.WriteLine($"{watch.Elapsed}: at simulated {SimNow():O} edgectl lighting says {group.ToJsonString()}");
        Assert.Equal(50, (double?)group["levelPercent"]);

        // The night passes; central returns a little after the report window closed.
        await DelayUntilAsync(realStart + ((to + StepTolerance - simulatedStart) / Speed));
        await city.StartCentralAsync();
        log.WriteLine($"{watch.Elapsed}: central back at simulated {SimNow():O}");

        // The night's energy counters arrive from the edge's buffer.
        string seen = "nothing yet";
        try
        {
            await Eventually.ReturnsAsync(async () =>
            {
                foreach (var address in Enumerable.Range(0, GearCount))
                {
                    var readings = await HistoryAsync(city, Point(address, "energy"), from - TimeSpan.FromHours(1), to + TimeSpan.FromHours(1));
                    seen = readings.Count == 0 ? $"gear {address}: no energy reading" : $"gear {address}: {readings.Count} energy readings {readings[0].At:O} .. {readings[^1].At:O}, "
                        + $"longest gap {readings.Zip(readings.Skip(1)).Select(p => p.Second.At - p.First.At).DefaultIfEmpty().Max()}";
                    // Central spreads a counter's increase linearly between two readings: the ends of the window are exact when
                    // each gear has readings at standby on both sides of them (after the apply, before `from`; after sunrise,
                    // before `to`; after `to`): the gear's full power before the apply must not be spread into the night.
                    if (readings.Count == 0 || !readings.Any(r => r.At >= appliedAt && r.At <= from)
                        || !readings.Any(r => r.At >= sunrise && r.At <= to) || readings[^1].At < to)
                    {
                        return null;
                    }
                }

                return "complete";
            }, Patience, "the night's energy readings of every gear at central");
        }
        finally
        {
            log.WriteLine($"{watch.Elapsed}: {seen}");
        }

        log.WriteLine($"{watch.Elapsed}: the night's readings are at central");

        // The lamps followed the program: each gear held the previous level until the step, and its first reading at the
        // new level came within StepTolerance after it.
        double impliedLeast = 0, impliedMost = 0;
        foreach (var address in Enumerable.Range(0, GearCount))
        {
            var levels = await HistoryAsync(city, Point(address, "level"), simulatedStart, to + TimeSpan.FromHours(1));
            var seenAt = new List<DateTimeOffset>();
            for (int i = 1; i < steps.Count; i++)
            {
                var (at, percent) = steps[i];
                byte previous = DimmingCurve.ArcLevel(steps[i - 1].LevelPercent), next = DimmingCurve.ArcLevel(percent);
                Assert.True(HeldAt(levels, at - TimeSpan.FromSeconds(1)) == previous, $"gear {address} was not at arc level {previous} just before {at:O}");
                var changed = levels.FirstOrDefault(r => r.At >= at && r.Value == next).At;
                log.WriteLine($"gear {address}: {percent}% (arc {next}) planned at {at.UtcDateTime:HH:mm:ss}Z, first read at {changed.UtcDateTime:HH:mm:ss}Z ({(changed - at).TotalMinutes:+0.0;-0.0} min)");
                Assert.InRange(changed, at, at + StepTolerance);
                seenAt.Add(changed);
            }

            var (least, most) = NightPlan.ImpliedWhRange(steps, seenAt, to, Power);
            impliedLeast += least / 1000;
            impliedMost += most / 1000;
        }

        // The energy report over the night against what the program implies (4 gear, standby included).
        double implied = GearCount * NightPlan.ImpliedWh(set, assignment, from, to, Power) / 1000;
        var report = await Eventually.ReturnsAsync(async () =>
        {
            var first = await EnergyAsync(city, from, to);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var second = await EnergyAsync(city, from, to);
            return first.ToJsonString() == second.ToJsonString() && MeasuredKwh(second) > 0 ? second : null;
        }, Patience, "a settled energy report for the night");
        double measured = MeasuredKwh(report);
        log.WriteLine($"{watch.Elapsed}: measured {measured:F4} kWh, implied {implied:F4} kWh ({(measured - implied) / implied:P3}), "
            + $"{impliedLeast:F4}-{impliedMost:F4} kWh with the switches where the level readings put them; report {report.ToJsonString()}");

        // Against the program, within what the switches' timing allows: a step switched between its planned time and the
        // first reading at its new level (under load a real second late is 20 simulated minutes); 1 % for the counters.
        Assert.InRange(measured, impliedLeast * 0.99, impliedMost * 1.01);
        log.WriteLine($"test duration {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The latest June 21 whose night is over (within central's 400-day window for old readings).</summary>
    private static DateOnly LastMidsummer(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return new DateOnly(today >= new DateOnly(today.Year, 6, 23) ? today.Year : today.Year - 1, 6, 21);
    }

    private static DateTimeOffset FloorHour(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Point(int address, string quantity) => $"{Line}/g{address}.{quantity}";

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static async Task DelayUntilAsync(DateTimeOffset realInstant)
    {
        var wait = realInstant - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static byte? HeldAt(List<(DateTimeOffset At, double Value)> readings, DateTimeOffset at) =>
        readings.LastOrDefault(r => r.At <= at) is { At: var seen } last && seen != default ? (byte)last.Value : null;

    private static async Task PutAsync(CityStack city, string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await city.Http.PutAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {text}");
    }

    private static async Task<JsonNode?> LightingStatusAsync(CityStack city)
    {
        var answer = await city.GetJsonAsync("/api/v1/lighting/status");
        var list = answer is JsonArray array ? array : answer["gateways"]!.AsArray();
        return list.FirstOrDefault(g => (string?)g!["gateway"] == city.GatewayId)?.DeepClone();
    }

    private static async Task<List<(DateTimeOffset At, double Value)>> HistoryAsync(CityStack city, string point, DateTimeOffset from, DateTimeOffset to)
    {
        using var response = await city.Http.GetAsync(new Uri(
            $"/api/v1/points/history?gateway={city.GatewayId}&point={Uri.EscapeDataString(point)}&from={Iso(from)}&to={Iso(to)}&limit=1000000", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return [.. answer["readings"]!.AsArray()
            .Where(r => r!["value"] is JsonValue v && v.TryGetValue<double>(out _))
            .Select(r => (DateTimeOffset.Parse((string)r!["timestamp"]!, CultureInfo.InvariantCulture), (double)r["value"]!))];
    }

    private static async Task<JsonNode> EnergyAsync(CityStack city, DateTimeOffset from, DateTimeOffset to) =>
        await city.GetJsonAsync($"/api/v1/energy?by=gateway&gateway={city.GatewayId}&from={Iso(from)}&to={Iso(to)}&interval=hour");

    private static double MeasuredKwh(JsonNode report) =>
        report["buckets"]!.AsArray().Sum(b => (double)b!["measuredKwh"]!);

    private static JsonObject EdgeSection(CityStack city, string port, DateTimeOffset simulatedStart, DateTimeOffset realStart)
    {
        var gear = new JsonArray();
        for (var address = 0; address < GearCount; address++)
        {
            gear.Add(new JsonObject
            {
                ["Address"] = address,
                ["Groups"] = new JsonArray(0),
                ["Location"] = $"rue-{address + 1}",
                ["PoleId"] = $"DJ-{address + 1:D4}",
                ["RatedPowerW"] = Math.Round(Power.InputWatts(254), 1),
                ["ReplacedPowerW"] = 250,
            });
        }

        var edge = city.EdgeSection();
        edge["Site"] = new JsonObject
        {
            ["Town"] = "Dijon", ["District"] = "Centre", ["Latitude"] = NightPlan.Dijon.Latitude, ["Longitude"] = NightPlan.Dijon.Longitude,
            ["TimeZone"] = "Europe/Paris",
        };
        edge["Clock"] = new JsonObject { ["SimulatedStart"] = Iso(simulatedStart), ["RealStart"] = Iso(realStart), ["Speed"] = Speed };
        edge["DaliLines"] = new JsonArray
        {
            new JsonObject
            {
                // Periods are on the edge's scaled clock (simulated milliseconds); the interface's timeouts are real.
                ["Name"] = Line, ["Port"] = port, ["StatusPeriodMs"] = (int)StatusPeriod.TotalMilliseconds, ["EnergyPeriodMs"] = 1_200_000,
                // D4i diagnostics (banks 205-207, some 40 transactions per gear) once a simulated day, not every simulated hour.
                ["DiscoveryPeriodMs"] = 86_400_000, ["DiagnosticsPeriodMs"] = 86_400_000, ["InterfaceTimeoutMs"] = 3000, ["AnswerWindowMs"] = 100,
                ["Gear"] = gear,
            },
        };
        return edge;
    }
}
