using System.CommandLine;
using System.IO.Ports;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

/// <summary>
/// The host-side LUBA master talking to the simulated interface over a socat pty pair, as the edge daemon will talk to a
/// Lunatone DALI RS232 interface.
/// </summary>
public sealed class DaliSerialTests
{
    // Generous for a loaded 2-core machine (a real interface needs ~25 ms); every query that gets no answer costs it.
    private static readonly LubaMasterOptions HostOptions = new()
    {
        AnswerWindow = TimeSpan.FromSeconds(1),
        InterfaceTimeout = TimeSpan.FromSeconds(10),
    };

    // Commissioning gets NO to about half of its COMPARE queries: a shorter window keeps the test short.
    private static readonly LubaMasterOptions CommissioningHostOptions = HostOptions with { AnswerWindow = TimeSpan.FromMilliseconds(250) };

    [Fact]
    public async Task Citysim_dali_serves_a_line_that_a_scan_finds_with_its_failed_lamp_and_unaddressed_gear()
    {
        await using var pair = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { DaliLineCommand.Create(TimeProvider.System) };
        var run = root.Parse(["dali", "--serial", pair.PortB, "--gear", "8", "--unaddressed", "2", "--failed", "1", "--seed", "4"])
            .InvokeAsync(cancellationToken: stop.Token);
        try
        {
            await using var master = LubaDaliMaster.Open(pair.PortA, HostOptions);
            var client = new DaliClient(master);
            var info = await RetryAsync(() => master.QueryDeviceInfoAsync(), run);
            Assert.Equal(LubaDeviceInfo.Rs232ArticleNumber, info.ArticleNumber);

            var found = new Dictionary<int, DaliGearStatus>();
            for (int address = 0; address < 8; address++)
            {
                var status = await client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(address)));
                Assert.True(status.BusWorked, status.ToString());
                if (status.AsStatus() is { } s)
                {
                    found[address] = s;
                }
            }

            Assert.Equal([0, 1, 2, 3, 4, 5], found.Keys.Order());
            Assert.True(found.Values.Count(s => s.HasFlag(DaliGearStatus.LampFailure)) <= 1);

            var lampFailure = await client.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Broadcast));
            Assert.True(lampFailure.AsYes(), $"one failed lamp on the line must show in a broadcast query: {lampFailure}");

            var unaddressed = await client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.BroadcastUnaddressed));
            Assert.Equal(DaliBusOutcome.FramingError, unaddressed.Outcome); // two unaddressed gear answer at once

            Assert.Equal((byte)DaliSimGear.DeviceTypeLed, (await client.ExecuteAsync(DaliGear.QueryDeviceType(DaliAddress.Short(5)))).AsNumber());
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task A_dim_command_changes_the_simulated_lamps_level_and_power_and_energy_follows()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero));
        var line = new DaliSimLine(new DaliLineSetup { Gear = 4, RatedWatts = 50 }, time);
        await using var rig = await Rig.StartAsync(line, time, wireTiming: false);
        var client = rig.Client;

        await client.ExecuteAsync(DaliGear.AddToGroup(DaliAddress.Short(2), 3));
        await client.ExecuteAsync(DaliGear.AddToGroup(DaliAddress.Short(3), 3));
        var full = await D4iEnergy.ReadAsync(client, 2);
        Assert.Equal(50.3m, full.ActivePower.Value);

        Assert.Equal(DaliBusOutcome.Sent, (await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Group(3), 170))).Outcome);
        Assert.Equal((byte)170, (await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(3)))).AsNumber());
        Assert.Equal((byte)254, (await client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(0)))).AsNumber());
        var dimmed = await D4iEnergy.ReadAsync(client, 2);
        Assert.InRange(dimmed.ActivePower.Value, 4m, 6m);

        time.Advance(TimeSpan.FromHours(4));
        var energyDimmed = await D4iEnergy.ReadAsync(client, 2);
        var energyFull = await D4iEnergy.ReadAsync(client, 0);
        Assert.InRange(energyDimmed.ActiveEnergy.Value, 16m, 24m);
        Assert.Equal(201m, energyFull.ActiveEnergy.Value);
    }

    [Fact]
    public async Task Commissioning_over_the_serial_interface_gives_each_new_gear_a_unique_address()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 6, Unaddressed = 6, Seed = 21 }, TimeProvider.System);
        await using var rig = await Rig.StartAsync(line, TimeProvider.System, wireTiming: false, CommissioningHostOptions);

        var result = await DaliCommissioning.RunAsync(rig.Client, new CommissioningOptions { KeepExisting = false });

        Assert.True(result.Complete, result.Problem);
        Assert.Equal(6, result.Assigned.Count);
        Assert.Equal(6, line.With((gear, _) => gear.Select(g => g.ShortAddress).Where(a => a is not null).Distinct().Count()));
        for (int address = 0; address < 6; address++)
        {
            Assert.True((await rig.Client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.Short(address)))).AsYes());
        }

        Assert.False((await rig.Client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.BroadcastUnaddressed))).AsYes());
    }

    [Fact]
    public async Task Line_power_loss_and_a_silent_gear_are_results_not_exceptions()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 3, Silent = 1, Seed = 2 }, TimeProvider.System);
        await using var rig = await Rig.StartAsync(line, TimeProvider.System, wireTiming: false);
        int silent = line.Gear.Single(g => g.Silent).ShortAddress!.Value;

        Assert.Equal(DaliBusOutcome.NoAnswer, (await rig.Client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(silent)))).Outcome);

        line.SetPower(false);
        Assert.Equal(DaliBusOutcome.BusPowerFailure, (await rig.Client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(0)))).Outcome);
        Assert.Equal(DaliBusOutcome.BusPowerFailure, (await rig.Client.ExecuteAsync(DaliGear.Off(DaliAddress.Broadcast))).Outcome);

        line.SetPower(true);
        Assert.Equal(DaliBusOutcome.Answer, (await rig.Client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short((silent + 1) % 3)))).Outcome);
    }

    [Fact]
    public async Task The_interface_counts_the_wire_time_of_every_frame()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 2 }, TimeProvider.System);
        await using var rig = await Rig.StartAsync(line, TimeProvider.System, wireTiming: false);

        await rig.Client.ExecuteAsync(DaliGear.QueryStatus(DaliAddress.Short(0)));  // P5 + forward + settle + backward
        await rig.Client.ExecuteAsync(DaliGear.Off(DaliAddress.Broadcast));          // P2 + forward
        await rig.Client.ExecuteAsync(DaliGear.SetFadeTime(DaliAddress.Broadcast));  // P5 + forward + P1 + forward

        await rig.Client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(1)), DaliPriority.P2); // P2 + forward + settle + backward

        double forward = 17 / 1200.0 * 1000;
        double expected = (19.5 + forward + 5.5 + 7.5) + (14.9 + forward) + (19.5 + forward + 13.5 + forward) + (14.9 + forward + 5.5 + 7.5);
        Assert.Equal(expected, rig.Simulator.BusTime.TotalMilliseconds, precision: 2);
        Assert.Equal(4, rig.Simulator.Transactions);
    }

    [Fact]
    public async Task With_wire_timing_the_answers_are_the_same()
    {
        var line = new DaliSimLine(new DaliLineSetup { Gear = 3, Failed = 1, Seed = 9 }, TimeProvider.System);
        await using var rig = await Rig.StartAsync(line, TimeProvider.System, wireTiming: true);
        int failed = line.Gear.Single(g => g.LampFailure).ShortAddress!.Value;

        Assert.True((await rig.Client.ExecuteAsync(DaliGear.QueryLampFailure(DaliAddress.Short(failed)))).AsYes());
        Assert.Equal(DaliBusOutcome.FramingError, (await rig.Client.ExecuteAsync(DaliGear.QueryControlGearPresent(DaliAddress.Broadcast))).Outcome);
        await rig.Client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Broadcast, 100));
        await rig.Client.ExecuteAsync(DaliGear.SetFadeRate(DaliAddress.Broadcast));
        Assert.Equal((byte)100, (await rig.Client.ExecuteAsync(DaliGear.QueryActualLevel(DaliAddress.Short(2)))).AsNumber());
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T?>> attempt, Task server)
        where T : struct
    {
        for (int i = 0; i < 60; i++)
        {
            Assert.False(server.IsCompleted, "citysim dali stopped early");
            if (await attempt() is T value)
            {
                return value;
            }
        }

        Assert.Fail("the simulated interface never answered");
        return default;
    }

    /// <summary>A simulated interface on one end of a socat pair and a LUBA master on the other.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly SocatPtyPair _pair;
        private readonly SerialPort _devicePort;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;
        private readonly LubaDaliMaster _master;

        private Rig(SocatPtyPair pair, SerialPort devicePort, LubaInterfaceSimulator simulator, LubaDaliMaster master)
        {
            _pair = pair;
            _devicePort = devicePort;
            Simulator = simulator;
            _master = master;
            Client = new DaliClient(master);
            _serving = simulator.RunAsync(_stop.Token);
        }

        public LubaInterfaceSimulator Simulator { get; }

        public DaliClient Client { get; }

        public static async Task<Rig> StartAsync(DaliSimLine line, TimeProvider time, bool wireTiming, LubaMasterOptions? options = null)
        {
            var pair = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
            var port = new SerialPort(pair.PortB, LubaDaliMaster.BaudRate, Parity.None, 8, StopBits.One);
            port.Open();
            var simulator = new LubaInterfaceSimulator(port.BaseStream, line, time, wireTiming);
            var master = LubaDaliMaster.Open(pair.PortA, options ?? HostOptions);
            return new Rig(pair, port, simulator, master);
        }

        public async ValueTask DisposeAsync()
        {
            await _master.DisposeAsync();
            await _stop.CancelAsync();
            _devicePort.Dispose();
            try
            {
                await _serving.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The simulator stops with the port it reads.
            }

            _stop.Dispose();
            await _pair.DisposeAsync();
        }
    }
}
