using City.Protocols.Dali;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>The simulated DALI line and its gear, driven through <see cref="DaliClient"/> without a serial port.</summary>
public class DaliLineTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Gear_answer_status_level_and_device_type_by_short_address()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 4 });
        Assert.Equal((byte)254, (await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(2)))).AsNumber());
        Assert.Equal((byte)DaliSimGear.DeviceTypeLed, (await client.ExecuteAsync(DaliGear.QueryDeviceType(DaliAddress.Short(2)))).AsNumber());
        var status = (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(0)))).AsStatus();
        Assert.True(status!.Value.HasFlag(DaliGearStatus.LampOn));
        Assert.False(status.Value.HasFlag(DaliGearStatus.LampFailure));
        Assert.Equal(DaliBusOutcome.NoAnswer, (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(4)))).Outcome);
        Assert.Equal(4, line.Gear.Count);
    }

    [Fact]
    public async Task Several_answers_collide_and_one_broadcast_query_finds_a_failure_on_the_whole_line()
    {
        var (_, healthy) = Line(new DaliLineSetup { Gear = 64 });
        Assert.Equal(DaliBusOutcome.NoAnswer, (await healthy.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast))).Outcome);

        var (oneFailed, one) = Line(new DaliLineSetup { Gear = 64, Failed = 1 });
        var single = await one.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast));
        Assert.Equal(DaliBusResult.Answer(0xFF), single);

        var (_, three) = Line(new DaliLineSetup { Gear = 64, Failed = 3 });
        var collided = await three.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast));
        Assert.Equal(DaliBusOutcome.FramingError, collided.Outcome);
        Assert.True(collided.AsYes());

        int failedAddress = oneFailed.Gear.Single(g => g.LampFailure).ShortAddress!.Value;
        var status = (await one.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(failedAddress)))).AsStatus()!.Value;
        Assert.True(status.HasFlag(DaliGearStatus.LampFailure));
        Assert.False(status.HasFlag(DaliGearStatus.LampOn));

        // IEC 62386-102: a gear whose lamp failed answers QUERY ACTUAL LEVEL with MASK (the edge's sweep relies on it).
        Assert.Equal((byte)DaliGear.Mask, (await one.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(failedAddress)))).AsNumber());
    }

    [Fact]
    public async Task Configuration_takes_effect_only_when_sent_twice_within_100_ms()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 1 });
        var master = new DirectLineMaster(line);
        await client.ExecuteAsync(DaliSpecial.Dtr0(200));
        var setMax = DaliGear.SetMaxLevel(DaliAddress.Short(0));

        await master.SendAsync(setMax.Frame, new DaliTransmit(SendTwice: false), CancellationToken.None);
        Assert.Equal(254, line.Gear[0].MaxLevel);

        await master.SendAsync(setMax.Frame, new DaliTransmit(SendTwice: false), CancellationToken.None);
        Assert.Equal(200, line.Gear[0].MaxLevel); // the two single frames were a pair

        await client.ExecuteAsync(DaliSpecial.Dtr0(150));
        await master.SendAsync(setMax.Frame, default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        await master.SendAsync(setMax.Frame, default, CancellationToken.None);
        Assert.Equal(200, line.Gear[0].MaxLevel); // too far apart

        await client.ExecuteAsync(setMax);
        Assert.Equal(150, line.Gear[0].MaxLevel);
        Assert.Equal((byte)150, (await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(0)))).AsNumber());
    }

    [Fact]
    public async Task Dapc_obeys_min_and_max_and_reports_a_limit_error()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 1 });
        var gear = DaliAddress.Short(0);
        await client.ConfigureWithDtr0Async(100, DaliGear.SetMinLevel(gear));
        await client.ExecuteAsync(DaliGear.DirectArcPower(gear, 50));
        Assert.Equal((byte)100, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());
        Assert.True((await client.ExecuteAsync(DaliGear.QueryLimitError(gear))).AsYes());
        await client.ExecuteAsync(DaliGear.Off(gear));
        Assert.Equal((byte)0, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());
        Assert.False((await client.ExecuteAsync(DaliGear.QueryLampPowerOn(gear))).AsYes());
        await client.ExecuteAsync(DaliGear.RecallMaxLevel(gear));
        Assert.Equal((byte)254, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());
    }

    [Fact]
    public async Task A_fade_runs_for_the_fade_time_on_the_injected_clock()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 1 });
        var gear = DaliAddress.Short(0);
        await client.ConfigureWithDtr0Async(4, DaliGear.SetFadeTime(gear)); // 0.5 * sqrt(16) = 2 s
        await client.ExecuteAsync(DaliGear.DirectArcPower(gear, 54));
        _time.Advance(TimeSpan.FromSeconds(1));
        var middle = (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber();
        Assert.Equal((byte)154, middle);
        Assert.True((await client.ExecuteAsync(DaliGear.QueryStatus(gear))).AsStatus()!.Value.HasFlag(DaliGearStatus.FadeRunning));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal((byte)54, (await client.ExecuteAsync(DaliGear.QueryActualLevel(gear))).AsNumber());
        Assert.False((await client.ExecuteAsync(DaliGear.QueryStatus(gear))).AsStatus()!.Value.HasFlag(DaliGearStatus.FadeRunning));
    }

    [Fact]
    public async Task Groups_and_scenes_are_stored_and_used()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 4 });
        await client.ExecuteAsync(DaliGear.AddToGroup(DaliAddress.Short(1), 5));
        await client.ExecuteAsync(DaliGear.AddToGroup(DaliAddress.Short(3), 5));
        await client.ExecuteAsync(DaliGear.AddToGroup(DaliAddress.Short(3), 9));
        Assert.Equal((byte)0x20, (await client.ExecuteAsync(DaliGear.QueryGroups0To7(DaliAddress.Short(3)))).AsNumber());
        Assert.Equal((byte)0x02, (await client.ExecuteAsync(DaliGear.QueryGroups8To15(DaliAddress.Short(3)))).AsNumber());

        await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Group(5), 80));
        Assert.Equal([254, 80, 254, 80], line.Gear.Select(g => (int)g.ActualLevel(line.Now)));

        await client.ConfigureWithDtr0Async(30, DaliGear.SetScene(DaliAddress.Group(5), 7));
        Assert.Equal((byte)30, (await client.ExecuteAsync(DaliGear.QuerySceneLevel(DaliAddress.Short(1), 7))).AsNumber());
        Assert.Equal((byte)0xFF, (await client.ExecuteAsync(DaliGear.QuerySceneLevel(DaliAddress.Short(0), 7))).AsNumber());
        await client.ExecuteAsync(DaliGear.GoToScene(DaliAddress.Broadcast, 7));
        Assert.Equal([254, 30, 254, 30], line.Gear.Select(g => (int)g.ActualLevel(line.Now)));

        await client.ExecuteAsync(DaliGear.RemoveFromGroup(DaliAddress.Short(1), 5));
        Assert.Equal(DaliBusResult.Answer(30), await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Group(5))));
    }

    [Fact]
    public async Task D4i_energy_integrates_power_over_time_and_power_follows_the_level()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 1, RatedWatts = 60 });
        var first = await D4iEnergy.ReadAsync(client, 0);
        Assert.Equal(D4iValueState.Valid, first.ActiveEnergy.State);
        Assert.Equal(0m, first.ActiveEnergy.Value);
        Assert.Equal(60.3m, first.ActivePower.Value);

        _time.Advance(TimeSpan.FromHours(2));
        var after = await D4iEnergy.ReadAsync(client, 0);
        Assert.Equal(120m, after.ActiveEnergy.Value); // 2 h at 60.3 W = 120.6 Wh, reported in whole Wh

        await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Short(0), 170)); // about 10 % light
        var dimmed = await D4iEnergy.ReadAsync(client, 0);
        Assert.InRange(dimmed.ActivePower.Value, 5m, 7m);
        _time.Advance(TimeSpan.FromHours(10));
        var later = await D4iEnergy.ReadAsync(client, 0);
        Assert.InRange(later.ActiveEnergy.Value, 120m + 50m, 120m + 70m);
    }

    [Fact]
    public async Task A_latched_bank_holds_its_snapshot_until_latched_again()
    {
        var (_, client) = Line(new DaliLineSetup { Gear = 1, RatedWatts = 100 });
        await client.ExecuteAllAsync(D4iEnergy.LatchCommands(DaliAddress.Short(0)));
        _time.Advance(TimeSpan.FromHours(1));
        var stale = await D4iEnergy.ReadAsync(client, 0, latch: false);
        Assert.Equal(0m, stale.ActiveEnergy.Value);
        var fresh = await D4iEnergy.ReadAsync(client, 0, latch: true);
        Assert.Equal(100m, fresh.ActiveEnergy.Value);
    }

    [Fact]
    public async Task Commissioning_gives_every_unaddressed_gear_a_unique_short_address_and_keeps_existing_ones()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 64, Unaddressed = 40, Seed = 7 });
        var before = line.Gear.Where(g => g.ShortAddress is not null).ToDictionary(g => g.Index, g => g.ShortAddress);
        var progress = new List<CommissioningProgress>();

        var result = await RunCommissioningAsync(client, new CommissioningOptions { KeepExisting = true }, progress);

        Assert.True(result.Complete, result.Problem);
        Assert.Equal(40, result.Assigned.Count);
        Assert.Equal(40, progress.Count(p => p.Step.Contains("->", StringComparison.Ordinal)));
        var addresses = line.Gear.Select(g => g.ShortAddress).ToArray();
        Assert.DoesNotContain(null, addresses);
        Assert.Equal(64, addresses.Distinct().Count());
        foreach (var (index, address) in before)
        {
            Assert.Equal(address, line.Gear[index].ShortAddress);
        }

        Assert.All(line.Gear, g => Assert.False(g.IsInitialised(line.Now)));
    }

    [Fact]
    public async Task Commissioning_from_scratch_readdresses_every_gear()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 12, Seed = 3 });
        var result = await RunCommissioningAsync(client, new CommissioningOptions { KeepExisting = false }, []);
        Assert.True(result.Complete, result.Problem);
        Assert.Equal(12, result.Assigned.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (byte?)i).ToHashSet(), line.Gear.Select(g => g.ShortAddress).ToHashSet());
        Assert.All(result.Assigned, a => Assert.Equal(a.RandomAddress, line.Gear.Single(g => g.ShortAddress == a.ShortAddress).RandomAddress));
    }

    [Fact]
    public async Task Duplicate_random_addresses_are_detected_and_randomised_again()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 3, Unaddressed = 3, Seed = 11 });
        line.With((_, _) =>
        {
            foreach (uint random in new uint[] { 0x000100, 0x000100, 0x800000 })
            {
                line.ScriptedRandomAddresses.Enqueue(random);
            }

            return 0;
        });
        var progress = new List<CommissioningProgress>();

        var result = await RunCommissioningAsync(client, new CommissioningOptions { KeepExisting = true }, progress);

        Assert.True(result.Complete, result.Problem);
        Assert.Contains(progress, p => p.Step.Contains("drawn twice", StringComparison.Ordinal));
        Assert.Equal(3, result.Assigned.Count);
        Assert.Equal(3, line.Gear.Select(g => g.ShortAddress).Distinct().Count());
        Assert.DoesNotContain(null, line.Gear.Select(g => g.ShortAddress));
    }

    [Fact]
    public async Task Line_power_loss_is_a_bus_power_failure_and_gear_go_to_their_system_failure_level()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 2 });
        await client.ConfigureWithDtr0Async(100, DaliGear.SetSystemFailureLevel(DaliAddress.Broadcast));
        await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Broadcast, 200));
        line.SetPower(false);
        Assert.Equal(DaliBusOutcome.BusPowerFailure, (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(0)))).Outcome);
        Assert.Equal([100, 100], line.Gear.Select(g => (int)g.ActualLevel(line.Now)));
        line.SetPower(true);
        Assert.Equal((byte)100, (await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(1)))).AsNumber());
    }

    [Fact]
    public async Task Silent_gear_never_answer_and_ignore_commands()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 5, Silent = 1, Seed = 5 });
        var silent = line.Gear.Single(g => g.Silent);
        Assert.Equal(DaliBusOutcome.NoAnswer, (await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(silent.ShortAddress!.Value)))).Outcome);
        await client.ExecuteAsync(DaliGear.Off(DaliAddress.Broadcast));
        Assert.Equal(254, silent.ActualLevel(line.Now));
    }

    [Fact]
    public async Task Reset_restores_defaults_and_sets_the_reset_state()
    {
        var (line, client) = Line(new DaliLineSetup { Gear = 1 });
        var gear = DaliAddress.Short(0);
        await client.ConfigureWithDtr0Async(120, DaliGear.SetMaxLevel(gear));
        await client.ExecuteAsync(DaliGear.AddToGroup(gear, 1));
        Assert.False((await client.ExecuteAsync(DaliGear.QueryResetState(gear))).AsYes());
        await client.ExecuteAsync(DaliGear.Reset(gear));
        Assert.True((await client.ExecuteAsync(DaliGear.QueryResetState(gear))).AsYes());
        Assert.Equal((byte)254, (await client.ExecuteAsync(DaliGear.QueryMaxLevel(gear))).AsNumber());
        Assert.Equal(0, line.Gear[0].Groups);
        Assert.Equal((byte)0, line.Gear[0].ShortAddress);
    }

    [Fact]
    public void A_line_refuses_impossible_setups()
    {
        Assert.Throws<ArgumentException>(() => new DaliSimLine(new DaliLineSetup { Gear = 65 }, _time));
        Assert.Throws<ArgumentException>(() => new DaliSimLine(new DaliLineSetup { Gear = 4, Failed = 3, Silent = 2 }, _time));
    }

    private (DaliSimLine Line, DaliClient Client) Line(DaliLineSetup setup)
    {
        var line = new DaliSimLine(setup, _time);
        return (line, new DaliClient(new DirectLineMaster(line), new SteppingTimeProvider(_time)));
    }

    private static Task<CommissioningResult> RunCommissioningAsync(DaliClient client, CommissioningOptions options, List<CommissioningProgress> progress) =>
        DaliCommissioning.RunAsync(client, options, new SynchronousProgress(progress.Add)).WaitAsync(TimeSpan.FromSeconds(60));

    private sealed class SynchronousProgress(Action<CommissioningProgress> report) : IProgress<CommissioningProgress>
    {
        public void Report(CommissioningProgress value) => report(value);
    }

    /// <summary>
    /// The client's clock: a wait (commissioning's 100 ms after RANDOMISE) moves the line's fake clock by exactly that much
    /// and then completes, so the line's time follows the commissioning's waits however slowly the machine runs it (a
    /// clock advanced in a loop ran ahead on a loaded machine and let the gear's 15-minute INITIALISE window expire).
    /// </summary>
    private sealed class SteppingTimeProvider(FakeTimeProvider clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override long GetTimestamp() => clock.GetTimestamp();

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Advance(dueTime);
                ThreadPool.QueueUserWorkItem(_ => callback(state));
            }

            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
