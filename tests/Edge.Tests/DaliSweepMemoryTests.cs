using City.Edge.Configuration;
using City.Edge.Dali;
using City.Protocols.Dali;

namespace City.Edge.Tests;

/// <summary>
/// Standing failures remembered between status sweeps (DaliLinePoller.Failures.cs), on the in-memory line: 64 gear, 0-31 in
/// group 0 and 32-63 in group 1. Several failing gear answer the broadcast queries at once (a collision, still YES).
/// </summary>
public class DaliSweepMemoryTests
{
    private const string LineName = "lights";
    private const int Healthy = 2 + 64; // two broadcast queries, then QUERY ACTUAL LEVEL of each gear

    private static (DaliLine Line, DaliFakeLine Bus, DaliCollectingSink Sink) Build(int count = 64)
    {
        var fake = new DaliFakeLine();
        var gear = new List<DaliGearDefinition>();
        for (int i = 0; i < count; i++)
        {
            ushort groups = (ushort)(i < count / 2 ? 1 : 2);
            gear.Add(new DaliGearDefinition(i, groups, $"P-{i}", 60));
            fake.Gear.Add(new DaliFakeGear((byte)i, groups));
        }

        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), gear);
        var sink = new DaliCollectingSink();
        return (new DaliLine(definition, fake, sink, TimeProvider.System), fake, sink);
    }

    private static async Task<int> SweepAsync(DaliLine line)
    {
        Assert.True(await line.Poller.SweepStatusAsync(CancellationToken.None));
        return line.Poller.LastSweepTransactions;
    }

    private static IEnumerable<int> StatusQueriesSince(DaliFakeLine fake, int from) =>
        fake.Frames.Skip(from).Where(f => f.LastByte == DaliOpcode.QueryStatus).Select(f => f.AddressByte >> 1);

    [Fact]
    public async Task ThreeStandingFailures_TwoInOneGroup_CostAtMost70PerSweep_OnceKnown()
    {
        var (line, fake, sink) = Build();
        foreach (int address in new[] { 5, 20, 40 })
        {
            fake.At(address).LampFailure = true;
        }

        // First sweep: the three MASK answers are confirmed by QUERY STATUS (3), plus the two healthy gear checked in turn.
        Assert.Equal(Healthy + 3 + DaliLinePoller.SafetyChecksPerSweep, await SweepAsync(line));
        Assert.Equal(["lamp-failed: gear 5 (P-5)", "lamp-failed: gear 20 (P-20)", "lamp-failed: gear 40 (P-40)"], sink.Events(LineName));

        for (int sweep = 0; sweep < 5; sweep++)
        {
            int from = fake.Frames.Count;
            int cost = await SweepAsync(line);
            Assert.Equal(Healthy + DaliLinePoller.SafetyChecksPerSweep, cost);
            Assert.True(cost <= 70);
            Assert.DoesNotContain(StatusQueriesSince(fake, from), a => a is 5 or 20 or 40);
            Assert.DoesNotContain(fake.Frames.Skip(from), f => DaliAddress.TryParse(f.AddressByte, out var a, out _) && a.Kind == DaliAddressKind.Group);
        }

        Assert.Equal(3, sink.Events(LineName).Count);
        Assert.True(sink.Last($"{LineName}/g20.lamp-failure")!.Value.Boolean);
        Assert.Equal(City.Contract.Wire.Quality.Uncertain, sink.Readings.Last(r => r.Id == $"{LineName}/g20.level").Quality);
    }

    [Fact]
    public async Task NewFailureInAGroupWithAKnownOne_AndARepair_AreEachSeenWithinOneSweep()
    {
        var (line, fake, sink) = Build();
        fake.At(5).LampFailure = true;
        fake.At(40).LampFailure = true;
        fake.At(41).LampFailure = true;
        await SweepAsync(line);
        await SweepAsync(line);

        fake.At(6).LampFailure = true; // group 0 already answers YES because of gear 5
        int from = fake.Frames.Count;
        Assert.Equal(Healthy + 1 + DaliLinePoller.SafetyChecksPerSweep, await SweepAsync(line));
        Assert.Contains(6, StatusQueriesSince(fake, from));
        Assert.Equal("lamp-failed: gear 6 (P-6)", sink.Events(LineName)[^1]);

        fake.At(40).LampFailure = false; // repaired: answers its level again
        Assert.Equal(Healthy + 1 + DaliLinePoller.SafetyChecksPerSweep, await SweepAsync(line));
        Assert.Equal("lamp-recovered: gear 40 (P-40)", sink.Events(LineName)[^1]);
        Assert.False(sink.Last($"{LineName}/g40.lamp-failure")!.Value.Boolean);
        Assert.Equal(254, sink.Last($"{LineName}/g40.level")!.Value.Number);

        // Everything repaired: the broadcast queries are silent again and nobody is asked QUERY STATUS.
        foreach (int address in new[] { 5, 6, 41 })
        {
            fake.At(address).LampFailure = false;
        }

        Assert.Equal(Healthy, await SweepAsync(line));
        Assert.Equal(["lamp-recovered: gear 5 (P-5)", "lamp-recovered: gear 6 (P-6)", "lamp-recovered: gear 41 (P-41)"], sink.Events(LineName).TakeLast(3));
    }

    [Fact]
    public async Task GearThatDoNotAnswerMask_AreNarrowedDownEverySweep_AsBefore()
    {
        var (line, fake, sink) = Build();
        foreach (int address in new[] { 5, 20, 40 })
        {
            fake.At(address).LampFailure = true;
            fake.At(address).MasksLevelOnFailure = false;
        }

        // Both groups say YES: 2 group queries and QUERY STATUS of all 64, at every sweep (the cost before failures were remembered).
        Assert.Equal(Healthy + 2 + 64, await SweepAsync(line));
        Assert.Equal(Healthy + 2 + 64, await SweepAsync(line));
        Assert.Equal(3, sink.Events(LineName).Count);
    }

    [Fact]
    public async Task NewFailureOfAGearThatDoesNotAnswerMask_IsFoundByTheChecksInTurn()
    {
        var (line, fake, sink) = Build();
        fake.At(5).LampFailure = true;
        await SweepAsync(line);

        fake.At(50).LampFailure = true;
        fake.At(50).MasksLevelOnFailure = false;
        int sweeps = 0;
        while (!sink.Events(LineName).Contains("lamp-failed: gear 50 (P-50)"))
        {
            Assert.True(++sweeps <= 64 / DaliLinePoller.SafetyChecksPerSweep, "not found within a round of the checks in turn");
            Assert.True(await SweepAsync(line) <= 70);
        }

        // From then on the memory cannot explain the YES (gear 50 answers its level): narrowed down again.
        Assert.Equal(Healthy + 2 + 64, await SweepAsync(line));
    }
}
