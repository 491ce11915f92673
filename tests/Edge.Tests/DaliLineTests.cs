using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;

namespace City.Edge.Tests;

public class DaliLineTests
{
    private const string LineName = "lights";

    /// <summary>A line of <paramref name="count"/> configured gear 0..count-1: the first half in group 0, the rest in group 1.</summary>
    private static (DaliLine Line, DaliFakeLine Bus, DaliCollectingSink Sink) Build(int count = 64, bool groups = true)
    {
        var fake = new DaliFakeLine();
        var gear = new List<DaliGearDefinition>();
        for (int i = 0; i < count; i++)
        {
            ushort g = groups ? (ushort)(i < count / 2 ? 1 : 2) : (ushort)0;
            gear.Add(new DaliGearDefinition(i, g, $"P-{i}", 60));
            fake.Gear.Add(new DaliFakeGear((byte)i, g));
        }

        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), gear);
        var sink = new DaliCollectingSink();
        return (new DaliLine(definition, fake, sink, TimeProvider.System), fake, sink);
    }

    private static int Opcode(DaliForwardFrame frame) => frame.LastByte;

    [Fact]
    public async Task Sweep_WithoutFailures_AsksTheLineTwiceAndEachGearOnce()
    {
        var (line, fake, sink) = Build();

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));

        var frames = fake.Frames;
        Assert.Equal(2 + 64, frames.Count);
        Assert.Equal(DaliGear.QueryLampFailure(DaliAddress.Broadcast).Frame, frames[0]);
        Assert.Equal(DaliGear.QueryControlGearFailure(DaliAddress.Broadcast).Frame, frames[1]);
        Assert.DoesNotContain(frames, f => Opcode(f) == DaliOpcode.QueryStatus);
        Assert.Equal(66, line.Poller.LastSweepTransactions);
        Assert.Equal(254, sink.Last($"{LineName}/g63.level")!.Value.Number);
        Assert.False(sink.Last($"{LineName}/g7.lamp-failure")!.Value.Boolean);
        Assert.Empty(sink.Events(LineName));
    }

    [Fact]
    public async Task FailedLamp_IsNarrowedDownByGroup_AndBecomesAnEvent_ThenRecovers()
    {
        var (line, fake, sink) = Build();
        fake.At(40).LampFailure = true;
        fake.At(40).MasksLevelOnFailure = false; // older gear: only the group narrowing finds it (DaliSweepMemoryTests: the MASK path)

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));

        Assert.Equal(["lamp-failed: gear 40 (P-40)"], sink.Events(LineName));
        Assert.True(sink.Last($"{LineName}/g40.lamp-failure")!.Value.Boolean);
        Assert.False(sink.Last($"{LineName}/g39.lamp-failure")!.Value.Boolean);

        // Group 0 (gear 0-31) said no: only group 1's 32 gear were asked QUERY STATUS.
        var statusQueries = fake.Frames.Where(f => Opcode(f) == DaliOpcode.QueryStatus).ToList();
        Assert.Equal(32, statusQueries.Count);
        Assert.All(statusQueries, f => Assert.True(f.AddressByte >> 1 >= 32));
        Assert.Equal(2 + 64 + 2 + 32, line.Poller.LastSweepTransactions);

        fake.At(40).LampFailure = false;
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        Assert.Equal(["lamp-failed: gear 40 (P-40)", "lamp-recovered: gear 40 (P-40)"], sink.Events(LineName));
        Assert.False(sink.Last($"{LineName}/g40.lamp-failure")!.Value.Boolean);
    }

    [Fact]
    public async Task FailedLamp_IsStillFound_WhenTheGearsRealGroupsDifferFromTheConfiguration()
    {
        var (line, fake, sink) = Build(count: 8);
        fake.Gear.Clear();
        for (int i = 0; i < 8; i++)
        {
            fake.Gear.Add(new DaliFakeGear((byte)i));
        }

        fake.At(3).LampFailure = true;
        fake.At(3).MasksLevelOnFailure = false;

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));

        Assert.Equal(["lamp-failed: gear 3 (P-3)"], sink.Events(LineName));
        Assert.Equal(8, fake.Frames.Count(f => Opcode(f) == DaliOpcode.QueryStatus));
    }

    [Fact]
    public async Task GearThatStopsAnswering_BecomesAnEvent()
    {
        var (line, fake, sink) = Build(count: 4, groups: false);
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        fake.At(2).Silent = true;

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));

        Assert.Equal(["gear-not-answering: gear 2 (P-2)"], sink.Events(LineName));
        Assert.False(sink.Last($"{LineName}/g2.answering")!.Value.Boolean);
        Assert.Equal(City.Contract.Wire.Quality.CommLoss, sink.Readings.Last(r => r.Id == $"{LineName}/g2.level").Quality);
    }

    [Fact]
    public async Task LineWithoutPower_BecomesAnEvent_AndItsReturnAnother()
    {
        var (line, fake, sink) = Build(count: 4);
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        fake.Powered = false;

        Assert.False(await line.Poller.SweepStatusAsync(CancellationToken.None));
        Assert.Equal("the DALI line has no power", line.Poller.LastProblem);
        Assert.Equal(City.Edge.Devices.PollErrorKinds.BusPower, line.Poller.LastProblemKind); // the metrics' kind
        Assert.False(sink.Last($"{LineName}/bus-power")!.Value.Boolean);

        fake.Powered = true;
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        Assert.Equal(["bus-power-lost: the DALI line has no power", "bus-power-restored: the DALI line has power again"], sink.Events(LineName));
        Assert.True(sink.Last($"{LineName}/bus-power")!.Value.Boolean);
    }

    [Fact]
    public async Task Discovery_ReportsUnconfiguredAndUnaddressedGear()
    {
        var (line, fake, sink) = Build(count: 4);
        fake.Gear.Add(new DaliFakeGear(40));
        fake.Gear.Add(new DaliFakeGear(null));

        Assert.True(await line.Poller.DiscoverAsync(CancellationToken.None));

        Assert.Equal([40], line.Poller.UnknownAddresses);
        Assert.True(line.Poller.UnaddressedPresent);
        var events = sink.Events(LineName);
        Assert.Contains("unknown-gear: short address 40 answers but is not configured", events);
        Assert.Contains(events, e => e.StartsWith("unknown-gear: gear without a short address", StringComparison.Ordinal));
        Assert.Equal(2, sink.Last($"{LineName}/unknown-gear")!.Value.Number);
    }

    [Fact]
    public async Task CommandIssuedMidSweep_GoesOutBeforeTheNextPollQuery()
    {
        var (line, fake, _) = Build();
        var service = new DaliCommandService(Registry(line));
        Task<DaliCommandResult>? command = null;
        fake.BeforeTransaction = (index, _) =>
        {
            if (index == 20)
            {
                // Issued while poll transaction 20 holds the bus: it must be the very next frame.
                command = service.ExecuteAsync(LineName, new DaliCommandRequest("group:1", "dapc", Level: 100), CancellationToken.None);
            }
        };

        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        Assert.NotNull(command);
        var result = await command;

        Assert.True(result.Ok, result.Message);
        var frames = fake.Frames;
        Assert.Equal(DaliGear.DirectArcPower(DaliAddress.Group(1), 100).Frame, frames[21]);
        Assert.Equal(DaliGear.QueryActualLevel(DaliAddress.Short(19)).Frame, frames[22]);
        Assert.Equal(2 + 64 + 1, frames.Count);
        Assert.All(fake.Gear.Skip(32), g => Assert.Equal(100, g.Level));
        Assert.All(fake.Gear.Take(32), g => Assert.Equal(254, g.Level));
    }

    [Fact]
    public async Task LevelCommand_IsFollowedAtOnceByALevelSweepAndEnergyReadsOfTheGearItReached()
    {
        var fake = new DaliFakeLine();
        var gear = new List<DaliGearDefinition>();
        for (int i = 0; i < 8; i++)
        {
            ushort g = (ushort)(i < 4 ? 1 : 2);
            gear.Add(new DaliGearDefinition(i, g, $"P-{i}", 60));
            fake.Gear.Add(new DaliFakeGear((byte)i, g));
        }

        // Periods of an hour: any reading after the first sweep can only come from the command's refresh.
        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromHours(1), TimeSpan.FromHours(1),
            TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), gear);
        var sink = new DaliCollectingSink();
        var line = new DaliLine(definition, fake, sink, TimeProvider.System);
        var service = new DaliCommandService(Registry(line));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = line.RunAsync(stop.Token);
        while (line.Sweeps < 1 && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        var result = await service.ExecuteAsync(LineName, new DaliCommandRequest("group:1", "dapc", Level: 100), CancellationToken.None);
        Assert.True(result.Ok, result.Message);
        bool Refreshed() =>
            Enumerable.Range(4, 4).All(a => sink.Last($"{LineName}/g{a}.level")?.Number == 100)
            && Enumerable.Range(4, 4).All(a => EnergyReads(fake.Frames).Any(f => f.AddressByte >> 1 == a));
        while (!Refreshed() && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(Refreshed(), "no level sweep and energy reads of gear 4-7 after the command");
        Assert.Equal(2, line.Sweeps);
        Assert.DoesNotContain(EnergyReads(fake.Frames), f => f.AddressByte >> 1 < 4);
        Assert.Equal(254, sink.Last($"{LineName}/g0.level")!.Value.Number);
    }

    /// <summary>READ MEMORY LOCATIONs of bank 202 (D4i energy; the D4i identity and diagnostics banks are read when gear are found).</summary>
    private static List<DaliForwardFrame> EnergyReads(IReadOnlyList<DaliForwardFrame> frames)
    {
        var reads = new List<DaliForwardFrame>();
        int bank = -1;
        foreach (var f in frames)
        {
            if (f.Bits == 16 && f.AddressByte == DaliSpecialOpcode.Dtr1)
            {
                bank = f.LastByte;
            }
            else if (bank == D4iEnergy.ActiveBank && f.Bits == 16 && !DaliSpecialOpcode.IsSpecial(f.AddressByte) && f.LastByte == DaliOpcode.ReadMemoryLocation)
            {
                reads.Add(f);
            }
        }

        return reads;
    }

    [Fact]
    public async Task Commands_ReachTheGear_AndBadRequestsAreRefused()
    {
        var (line, fake, _) = Build(count: 8, groups: false);
        var service = new DaliCommandService(Registry(line));

        Assert.True((await service.ExecuteAsync(LineName, new DaliCommandRequest("broadcast", "off"), CancellationToken.None)).Ok);
        Assert.All(fake.Gear, g => Assert.Equal(0, g.Level));
        Assert.True((await service.ExecuteAsync(LineName, new DaliCommandRequest("gear:5", "max"), CancellationToken.None)).Ok);
        Assert.Equal(254, fake.At(5).Level);
        Assert.True((await service.ExecuteAsync(LineName, new DaliCommandRequest("gear:6", "dapc", Level: 128), CancellationToken.None)).Ok);
        Assert.Equal(128, fake.At(6).Level);

        var refused = await service.ExecuteAsync(LineName, new DaliCommandRequest("gear:64", "off"), CancellationToken.None);
        Assert.Equal(DaliCommandService.Refused, refused.Status);
        Assert.Contains("gear:0-63", refused.Message, StringComparison.Ordinal);
        Assert.Equal(DaliCommandService.Refused, (await service.ExecuteAsync(LineName, new DaliCommandRequest("broadcast", "dapc", Level: 255), CancellationToken.None)).Status);
        Assert.Equal(DaliCommandService.NotFound, (await service.ExecuteAsync("nope", new DaliCommandRequest("broadcast", "off"), CancellationToken.None)).Status);

        fake.Powered = false;
        var noPower = await service.ExecuteAsync(LineName, new DaliCommandRequest("broadcast", "off"), CancellationToken.None);
        Assert.Equal(DaliCommandService.NoPower, noPower.Status);
    }

    [Fact]
    public async Task Scan_PausesPolling_AndASecondMaintenanceIsBusy()
    {
        var (line, fake, _) = Build(count: 3, groups: false);
        fake.At(1).LampFailure = true;
        var service = new DaliCommandService(Registry(line));
        Task<bool> sweep;
        using (line.Bus.TryPausePolling("commission"))
        {
            var (busyScan, busy) = await service.ScanAsync(LineName, CancellationToken.None);
            Assert.Null(busyScan);
            Assert.Equal(DaliCommandService.Busy, busy.Status);
            Assert.Contains("commission", busy.Message, StringComparison.Ordinal);

            // Polling waits while paused; it goes on once the pause ends.
            sweep = line.Poller.SweepStatusAsync(CancellationToken.None);
            await Task.Delay(50);
            Assert.False(sweep.IsCompleted);
            Assert.Empty(fake.Frames);

            // Commands still pass while polling is paused.
            Assert.True((await service.ExecuteAsync(LineName, new DaliCommandRequest("gear:0", "off"), CancellationToken.None)).Ok);
            Assert.Equal(0, fake.At(0).Level);
            Assert.False(sweep.IsCompleted);
        }

        Assert.True(await sweep.WaitAsync(TimeSpan.FromSeconds(30)));

        var (scan, status) = await service.ScanAsync(LineName, CancellationToken.None);
        Assert.True(status.Ok, status.Message);
        Assert.NotNull(scan);
        Assert.Equal([0, 1, 2], scan.Gear.Select(g => g.ShortAddress));
        Assert.True(scan.Gear[1].Status.HasFlag(DaliGearStatus.LampFailure));
        Assert.Equal((byte)6, scan.Gear[0].DeviceType);
    }

    private static DaliLineRegistry Registry(DaliLine line)
    {
        var registry = new DaliLineRegistry([line.Definition]);
        registry.Add(line);
        return registry;
    }
}
