using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;

namespace City.Edge.Tests;

public class DaliGroupProgrammingTests
{
    private const string LineName = "lights";

    /// <summary>Gear 0-3 configured in groups {1,3}, {1}, {2}, {} and on the fake bus in the groups given.</summary>
    private static (DaliLine Line, DaliFakeLine Bus, DaliCollectingSink Sink) Build(ushort[] onTheBus, bool programGroups = true)
    {
        ushort[] configured = [0b1010, 0b0010, 0b0100, 0];
        var fake = new DaliFakeLine();
        var gear = new List<DaliGearDefinition>();
        for (int i = 0; i < configured.Length; i++)
        {
            gear.Add(new DaliGearDefinition(i, configured[i], $"P-{i}", 60));
            fake.Gear.Add(new DaliFakeGear((byte)i, onTheBus[i]));
        }

        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), gear, programGroups);
        var sink = new DaliCollectingSink();
        return (new DaliLine(definition, fake, sink, TimeProvider.System), fake, sink);
    }

    private static bool IsGroupChange(DaliForwardFrame frame) =>
        frame.Bits == 16 && frame.LastByte is >= DaliOpcode.AddToGroup and < DaliOpcode.RemoveFromGroup + 16;

    private static async Task SweepAndCheckAsync(DaliLine line)
    {
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        Assert.True(await line.Groups.CheckPendingAsync(line.Poller.Gear, CancellationToken.None));
    }

    [Fact]
    public async Task FreshGear_GetsItsConfiguredGroups_AndEachChangeIsAnEvent()
    {
        var (line, fake, sink) = Build([0, 0, 0, 0]);

        await SweepAndCheckAsync(line);

        Assert.Equal((ushort)0b1010, fake.At(0).Groups);
        Assert.Equal((ushort)0b0010, fake.At(1).Groups);
        Assert.Equal((ushort)0b0100, fake.At(2).Groups);
        Assert.Equal((ushort)0, fake.At(3).Groups);
        Assert.Equal(
            ["groups-programmed: gear 0 (P-0) groups 1,3 (was none)", "groups-programmed: gear 1 (P-1) groups 1 (was none)", "groups-programmed: gear 2 (P-2) groups 2 (was none)"],
            sink.Events(LineName));
        Assert.False(line.Groups.HasPending);
        Assert.Contains(line.Poller.RecentEvents(), e => e.EndsWith("groups-programmed: gear 0 (P-0) groups 1,3 (was none)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GearInAWrongGroup_IsCorrected_AndGearAlreadyRightIsLeftAlone()
    {
        var (line, fake, sink) = Build([0b1010, 0b10_0000, 0b0100, 0b1000_0000_0000_0000]);

        await SweepAndCheckAsync(line);

        Assert.Equal((ushort)0b0010, fake.At(1).Groups);
        Assert.Equal((ushort)0, fake.At(3).Groups);
        Assert.Equal(["groups-programmed: gear 1 (P-1) groups 1 (was 5)", "groups-programmed: gear 3 (P-3) groups none (was 15)"], sink.Events(LineName));
        var changes = fake.Frames.Where(IsGroupChange).ToList();
        Assert.Equal(
            [DaliGear.AddToGroup(DaliAddress.Short(1), 1).Frame, DaliGear.RemoveFromGroup(DaliAddress.Short(1), 5).Frame, DaliGear.RemoveFromGroup(DaliAddress.Short(3), 15).Frame],
            changes);
    }

    [Fact]
    public async Task AfterProgramming_AGroupCommandReachesExactlyTheConfiguredMembers()
    {
        var (line, fake, _) = Build([0, 0b0100, 0b0010, 0b0010]);
        await SweepAndCheckAsync(line);

        var result = await line.Commands.ExecuteAsync(DaliGear.Off(DaliAddress.Group(1)), CancellationToken.None);

        Assert.True(result.BusWorked);
        Assert.Equal([0, 0, 254, 254], fake.Gear.Select(g => (int)g.Level));
    }

    [Fact]
    public async Task ProgramGroupsFalse_LeavesTheGearsGroupsAlone()
    {
        var (line, fake, sink) = Build([0, 0b10_0000, 0, 0], programGroups: false);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = line.RunAsync(stop.Token);

        while (line.Sweeps < 1 && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(line.Sweeps >= 1);
        Assert.False(line.Groups.HasPending);
        Assert.DoesNotContain(fake.Frames, IsGroupChange);
        Assert.Equal((ushort)0b10_0000, fake.At(1).Groups);
        Assert.DoesNotContain(sink.Events(LineName), e => e.StartsWith("groups-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunningLine_ProgramsGroupsAfterItsFirstSweep()
    {
        var (line, fake, sink) = Build([0, 0, 0, 0]);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = line.RunAsync(stop.Token);

        while (line.Sweeps < 1 && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal((ushort)0b1010, fake.At(0).Groups);
        Assert.Equal(3, sink.Events(LineName).Count(e => e.StartsWith("groups-programmed:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GroupsThatDoNotStick_AreReportedAsNotVerified()
    {
        var (line, fake, sink) = Build([0b1010, 0, 0b0100, 0]);
        fake.At(1).RefusesGroups = true;

        await SweepAndCheckAsync(line);

        Assert.Equal(["groups-not-verified: gear 1 (P-1) should be in groups 1 but it reports none"], sink.Events(LineName));
    }

    [Fact]
    public async Task GearThatAnswersAgain_IsCheckedAgain_ForExampleAReplacedDriver()
    {
        var (line, fake, sink) = Build([0b1010, 0b0010, 0b0100, 0]);
        await SweepAndCheckAsync(line);
        Assert.Empty(sink.Events(LineName));

        fake.At(2).Silent = true;
        await SweepAndCheckAsync(line);
        fake.At(2).Silent = false;
        fake.At(2).Groups = 0;
        await SweepAndCheckAsync(line);

        Assert.Equal((ushort)0b0100, fake.At(2).Groups);
        Assert.Equal(
            ["gear-not-answering: gear 2 (P-2)", "gear-answering: gear 2 (P-2) answers again", "groups-programmed: gear 2 (P-2) groups 2 (was none)"],
            sink.Events(LineName));
    }

    [Fact]
    public async Task GearNotAnswering_IsNotProgrammed_AndBusPowerLossKeepsTheCheckQueued()
    {
        var (line, fake, _) = Build([0, 0, 0, 0]);
        fake.At(1).Silent = true;
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        fake.Powered = false;

        Assert.False(await line.Groups.CheckPendingAsync(line.Poller.Gear, CancellationToken.None));
        Assert.True(line.Groups.HasPending);

        fake.Powered = true;
        Assert.True(await line.Groups.CheckPendingAsync(line.Poller.Gear, CancellationToken.None));
        Assert.Equal((ushort)0b1010, fake.At(0).Groups);
        Assert.Equal((ushort)0, fake.At(1).Groups);
        Assert.False(line.Groups.HasPending);
        Assert.DoesNotContain(fake.Frames, f => f.AddressByte == DaliAddress.Short(1).ToAddressByte(isCommand: true) && IsGroupChange(f));
    }
}
