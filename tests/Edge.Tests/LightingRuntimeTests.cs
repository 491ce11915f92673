using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Dali;
using City.Edge.Lighting;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>
/// The lighting runtime in a whole edge: sets pushed by central (stored, confirmed, or rejected with a path), the scheduler
/// switching a fake DALI line at a program's step times on a scaled clock, the level that should hold applied at start, a
/// power-cycled gear given its level back, overrides (until, end, last wins, kept across a restart), damaged files.
/// </summary>
public sealed class LightingRuntimeTests : IAsyncLifetime
{
    private const byte Full = 254;
    private const byte Half = 229; // 50 % on DALI's logarithmic curve
    private LightingRig _rig = null!;

    public async Task InitializeAsync() => _rig = await LightingRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private DaliFakeGear Gear(int address) => _rig.Fake.At(address);

    private void StartClockAt(string simulatedStart, double speed = 1)
    {
        _rig.Values["Edge:Clock:SimulatedStart"] = simulatedStart;
        _rig.Values["Edge:Clock:Speed"] = speed.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private void StoreSet(string json) => new LightingStore(_rig.Directory, TimeProvider.System).SaveSet(LightingConfigTests.Parse(json));

    private Task GroupZeroAt(byte level, string what) =>
        Until.TrueAsync(() => Gear(0).Level == level && Gear(1).Level == level, what);

    [Fact]
    public async Task A_pushed_set_is_stored_run_and_confirmed_and_the_next_birth_names_its_version()
    {
        StartClockAt("2026-07-14T23:30:00+02:00");
        Gear(0).Level = Gear(1).Level = 7;
        Gear(2).Level = 17;
        await _rig.StartAsync();

        var results = await _rig.PushAsync(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"), "v1");

        Assert.Equal([CommandStatus.Accepted, CommandStatus.Done], results.Select(r => r.Status));
        Assert.Equal("applied v1", results[1].Detail);
        Assert.True(File.Exists(Path.Combine(_rig.Directory, LightingStore.SetFileName)));
        await GroupZeroAt(Half, "group 0 at the program's 50 % (23:30)");
        Assert.Equal(17, Gear(2).Level); // group 1 has no program: left alone

        var births = _rig.Central.Births.Count;
        await _rig.Central.DisconnectEdgeAsync();
        await Until.TrueAsync(() => _rig.Central.Births.Count > births, "a new birth");
        var birth = _rig.Central.Births.Last();
        Assert.Equal("v1", birth.LightingVersion);
        Assert.Equal("Dijon", birth.Site.Town);
        Assert.Equal(4, birth.Assets.Count);
        Assert.Equal("lights/g0", birth.Assets[0].LampId);
    }

    [Theory]
    [InlineData("unknown-line", "assignments[0].line: no DALI line 'nope'")]
    [InlineData("empty-group", "assignments[0].group: no gear of line 'lights' is in group 5")]
    [InlineData("syntax", "")]
    [InlineData("version-mismatch", "version: 'v9' differs from the command's version 'v1'")]
    public async Task A_bad_set_is_rejected_as_invalid_config_naming_the_problem(string kind, string detail)
    {
        await _rig.StartAsync();
        var json = kind switch
        {
            "unknown-line" => LightingSets.Set("v1", "2026-07-01T08:00:00+00:00", assignments: """[{"line":"nope","calendar":"town"}]"""),
            "empty-group" => LightingSets.Set("v1", "2026-07-01T08:00:00+00:00", assignments: """[{"line":"lights","group":5,"calendar":"town"}]"""),
            "version-mismatch" => LightingSets.Set("v9", "2026-07-01T08:00:00+00:00"),
            _ => "{\"version\":",
        };

        var result = Assert.Single(await _rig.PushAsync(json, "v1", count: 1));

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal(CommandRejections.InvalidConfig, result.Reason);
        Assert.StartsWith(detail, result.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_rig.Directory, LightingStore.SetFileName)));
        Assert.Null(_rig.Runtime.Applied);
    }

    [Fact]
    public async Task A_program_that_needs_the_sun_is_rejected_on_an_edge_without_a_site()
    {
        foreach (var key in _rig.Values.Keys.ToList())
        {
            _rig.Values[key] = null;
        }

        await _rig.StartAsync();

        var result = Assert.Single(await _rig.PushAsync(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00", LightingSets.NightProgram, "night"), "v1", count: 1));

        Assert.Equal(CommandRejections.InvalidConfig, result.Reason);
        Assert.StartsWith("controlPrograms[0].activePeriods[0]: program 'night' needs the sun", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_older_set_than_the_applied_one_is_rejected_as_superseded()
    {
        await _rig.StartAsync();
        Assert.Equal(CommandStatus.Done, (await _rig.PushAsync(LightingSets.Set("v2", "2026-07-02T08:00:00+00:00"), "v2"))[1].Status);

        var result = Assert.Single(await _rig.PushAsync(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"), "v1", count: 1));

        Assert.Equal(CommandRejections.InvalidConfig, result.Reason);
        Assert.Contains("superseded by v2", result.Detail, StringComparison.Ordinal);
        Assert.Equal("v2", _rig.Runtime.Applied!.Version);
    }

    [Fact]
    public async Task The_scheduler_switches_the_group_at_the_programs_step_time_on_a_fast_clock()
    {
        StoreSet(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"));
        StartClockAt("2026-07-14T22:59:20+02:00", speed: 10); // 4 s of real time before the step: the start may be slow on a loaded machine
        Gear(0).Level = Gear(1).Level = 0;
        Gear(2).Level = 17;
        await _rig.StartAsync();

        await GroupZeroAt(Full, "group 0 at 100 % at once (before 23:00)");
        Assert.True(_rig.Runtime.Clock.GetUtcNow() < new DateTimeOffset(2026, 7, 14, 23, 0, 0, TimeSpan.FromHours(2)), "applied before the step");
        await GroupZeroAt(Half, "group 0 at 50 % from 23:00");

        Assert.True(_rig.Runtime.Clock.GetUtcNow() >= new DateTimeOffset(2026, 7, 14, 23, 0, 0, TimeSpan.FromHours(2)));
        Assert.Equal(17, Gear(2).Level);
        var dapc = _rig.Fake.Frames.Where(f => f.Bits == 16 && (f.AddressByte & 1) == 0).ToList();
        Assert.Equal(2, dapc.Count); // one per change, group 0's address, nothing in between
        var (_, status) = await _rig.Edge!.GetAsync("/v1/status");
        var lighting = status.RootElement.GetProperty("lighting");
        Assert.Equal("v1", lighting.GetProperty("version").GetString());
        Assert.Equal(2, lighting.GetProperty("commandsSent").GetInt64());
        Assert.Equal(0, lighting.GetProperty("commandsFailed").GetInt64());
        Assert.True(lighting.GetProperty("scaledClock").GetBoolean());
    }

    [Fact]
    public async Task After_a_restart_the_level_that_should_hold_now_is_applied_at_once()
    {
        StoreSet(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"));
        StartClockAt("2026-07-15T01:00:00+02:00");
        await _rig.StartAsync();
        await GroupZeroAt(Half, "group 0 at 50 % (01:00)");

        await _rig.StopAsync();
        Gear(0).Level = Gear(1).Level = Full; // a power cut: the gear come back at their power-on level
        await _rig.StartAsync();

        await GroupZeroAt(Half, "group 0 at 50 % again right after the start");
        Assert.Equal("v1", _rig.Runtime.Applied!.Version);
    }

    [Fact]
    public async Task A_gear_that_lost_its_level_gets_it_back()
    {
        StoreSet(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"));
        StartClockAt("2026-07-15T01:00:00+02:00");
        await _rig.StartAsync();
        await GroupZeroAt(Half, "group 0 at 50 %");
        var line = _rig.Edge!.Services.GetRequiredService<DaliLineRegistry>().Find(LightingRig.Line)!;

        // Power-cycled long enough to miss a sweep: it stops answering, then answers again at its power-on level.
        Gear(0).Silent = true;
        await Until.TrueAsync(() => line.Poller.Gear[0].Answering == false, "gear 0 seen not answering");
        Gear(0).Level = Full;
        Gear(0).Silent = false;
        await Until.TrueAsync(() => Gear(0).Level == Half, "gear 0 back at 50 %");

        // A short cycle between two sweeps: only its level tells.
        Gear(1).Level = Full;
        await Until.TrueAsync(() => Gear(1).Level == Half, "gear 1 back at 50 %");
        Assert.True(_rig.Runtime.Reapplied >= 2);
    }

    [Fact]
    public async Task An_override_holds_until_its_end_survives_a_restart_the_last_wins_and_no_level_ends_it()
    {
        StoreSet(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"));
        StartClockAt("2026-07-15T01:00:00+02:00");
        await _rig.StartAsync();
        await GroupZeroAt(Half, "group 0 at 50 %");

        var until = _rig.Runtime.Clock.GetUtcNow().AddHours(1);
        var done = (await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = 0, LevelPercent = 100, UntilUnixMs = until.ToUnixTimeMilliseconds() }))[1];
        Assert.Equal(CommandStatus.Done, done.Status);
        await GroupZeroAt(Full, "group 0 overridden to 100 %");

        await _rig.StopAsync();
        Gear(0).Level = Gear(1).Level = 0;
        await _rig.StartAsync();
        await GroupZeroAt(Full, "the override applied again after the restart");
        var held = Assert.Single(_rig.Runtime.Overrides);
        Assert.Equal((LightingRig.Line, (int?)0, 100.0), (held.Line, held.Group, held.LevelPercent));

        // The last override wins: the whole line at 10 % covers group 0 too.
        await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = -1, LevelPercent = 10, DurationSeconds = 3600 });
        var tenPercent = City.Protocols.Talq.DimmingCurve.ArcLevel(10);
        await Until.TrueAsync(() => _rig.Fake.Gear.All(g => g.Level == tenPercent), "every gear at 10 %");

        // No level: both ended, back to the program (50 % for group 0; group 1 has none and keeps its level).
        await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = -1 });
        await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = 0 });
        await GroupZeroAt(Half, "group 0 back to its program");
        Assert.Empty(_rig.Runtime.Overrides);
        Assert.Equal(tenPercent, Gear(2).Level);

        // A short one ends by itself, back to the program.
        await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = 0, LevelPercent = 100, DurationSeconds = 1 });
        await GroupZeroAt(Full, "group 0 at 100 % for a second");
        await GroupZeroAt(Half, "group 0 back to its program at the override's end");
    }

    [Fact]
    public async Task At_the_end_of_an_override_on_a_group_without_its_own_program_the_whole_lines_program_covers_it_again()
    {
        StoreSet(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00", assignments: """[{"line":"lights","calendar":"town"}]"""));
        StartClockAt("2026-07-15T01:00:00+02:00");
        await _rig.StartAsync();
        await Until.TrueAsync(() => _rig.Fake.Gear.All(g => g.Level == Half), "the whole line at 50 %");

        await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction { Line = LightingRig.Line, Group = 1, LevelPercent = 100, DurationSeconds = 1 });
        await Until.TrueAsync(() => Gear(2).Level == Full && Gear(3).Level == Full, "group 1 at 100 %");
        Assert.Equal(Half, Gear(0).Level);

        await Until.TrueAsync(() => Gear(2).Level == Half && Gear(3).Level == Half, "group 1 back to the line's program");
    }

    [Fact]
    public async Task An_override_that_ends_in_the_past_is_refused()
    {
        await _rig.StartAsync();

        var result = Assert.Single(await _rig.SendAsync(b => b.LightingOverride = new LightingOverrideAction
        {
            Line = LightingRig.Line, Group = 0, LevelPercent = 50, UntilUnixMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
        }, count: 1));

        Assert.Equal(CommandRejections.OutOfRange, result.Reason);
        Assert.Contains("already past", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readings_on_a_fast_clock_carry_its_time_and_are_not_marked_clock_unsynced()
    {
        StartClockAt("2026-07-14T21:00:00+02:00", speed: 60);
        await _rig.StartAsync();
        var queue = _rig.Edge!.Services.GetRequiredService<ReadingQueue>();

        await Until.TrueAsync(() => _rig.Edge.Buffer.GetStats().ReadingsBuffered > 20, "readings buffered");

        Assert.Equal(0, queue.Clock!.ReadingsMarked);
        var (_, points) = await _rig.Edge.GetAsync("/v1/points");
        var level = points.RootElement.EnumerateArray().First(p => p.GetProperty("id").GetString() == "lights/g0.level");
        var at = level.GetProperty("timestamp").GetDateTimeOffset();
        Assert.InRange(at, new DateTimeOffset(2026, 7, 14, 21, 0, 0, TimeSpan.FromHours(2)), new DateTimeOffset(2026, 7, 15, 12, 0, 0, TimeSpan.FromHours(2)));
        Assert.Equal("good", level.GetProperty("quality").GetString());
    }

    [Fact]
    public async Task A_damaged_lighting_file_is_moved_aside_and_reported_and_the_edge_runs_on()
    {
        File.WriteAllText(Path.Combine(_rig.Directory, LightingStore.SetFileName), "{\"version\":\"v1\",\"calendars\":[{");
        File.WriteAllText(Path.Combine(_rig.Directory, LightingStore.OverridesFileName), "not json");

        await _rig.StartAsync();

        Assert.Null(_rig.Runtime.Applied);
        Assert.Single(Directory.GetFiles(_rig.Directory, LightingStore.SetFileName + ".damaged-*"));
        Assert.Single(Directory.GetFiles(_rig.Directory, LightingStore.OverridesFileName + ".damaged-*"));
        var line = _rig.Edge!.Services.GetRequiredService<DaliLineRegistry>().Find(LightingRig.Line)!;
        await Until.TrueAsync(() => line.Poller.RecentEvents().Count(e => e.Contains("lighting-file-damaged: lighting", StringComparison.Ordinal)) == 2, "both reported on the line's events");
        Assert.Equal(string.Empty, _rig.Central.Births.Last().LightingVersion);
        Assert.Equal(CommandStatus.Done, (await _rig.PushAsync(LightingSets.Set("v1", "2026-07-01T08:00:00+00:00"), "v1"))[1].Status);
    }
}
