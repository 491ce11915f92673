using City.Edge.Dali;
using City.Protocols.Dali;

namespace City.Edge.Tests;

/// <summary>The line's D4i reads on an in-memory line whose gear have no memory banks at all (the simulator's banks: EdgeCtl.Tests).</summary>
public class DaliD4iTests
{
    private const string LineName = "lights";

    [Fact]
    public async Task Gear_without_banks_are_named_once_across_diagnostics_passes_and_get_no_d4i_points()
    {
        var fake = new DaliFakeLine();
        var gear = new List<DaliGearDefinition>();
        for (int i = 0; i < 3; i++)
        {
            gear.Add(new DaliGearDefinition(i, 0, $"P-{i}", 60));
            fake.Gear.Add(new DaliFakeGear((byte)i));
        }

        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1),
            TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), gear, ProgramGroups: false)
        {
            DiagnosticsPeriod = TimeSpan.FromMilliseconds(200),
        };
        var sink = new DaliCollectingSink();
        var line = new DaliLine(definition, fake, sink, TimeProvider.System);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = line.RunAsync(stop.Token);
        // Three diagnostics passes: bank 205 asked three times of every gear.
        while (Enumerable.Range(0, 3).Any(a => Bank205Reads(fake.Frames, a) < 3) && !stop.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.All(Enumerable.Range(0, 3), a => Assert.True(Bank205Reads(fake.Frames, a) >= 3));
        var events = sink.Events(LineName);
        Assert.Equal(
            Enumerable.Range(0, 3).Select(a => $"d4i-missing: gear {a} (P-{a}) has no memory bank 1 (luminaire data), 205 (gear diagnostics), " +
                "206 (light source diagnostics), 207 (maintenance): no identity, no operating hours, lamp-on hours, starts or rated life"),
            events.Where(e => e.StartsWith("d4i-", StringComparison.Ordinal)).Order());
        string[] d4iPoints = [DaliGearDefinition.Gtin, DaliGearDefinition.Serial, DaliGearDefinition.OperatingHours, DaliGearDefinition.LampOnHours,
            DaliGearDefinition.StartCount, DaliGearDefinition.RatedLifeHours];
        Assert.DoesNotContain(sink.Readings, r => d4iPoints.Any(p => r.Id.EndsWith("." + p, StringComparison.Ordinal)));
        // The status sweeps went on between the D4i slices.
        Assert.True(line.Sweeps >= 3, $"{line.Sweeps} sweeps");
    }

    [Fact]
    public async Task Identity_is_read_when_a_gear_is_found_and_again_when_it_answers_again_after_a_replacement()
    {
        var fake = new DaliFakeLine();
        var d4iGear = new DaliFakeGear(0);
        Fill(d4iGear, serial: 1001);
        fake.Gear.Add(d4iGear);
        fake.Gear.Add(new DaliFakeGear(1));
        var definition = new DaliLineDefinition(LineName, "/dev/null", true, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1),
            TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), [new DaliGearDefinition(0, 0, "P-0", 60), new DaliGearDefinition(1, 0, "P-1", 60)]);
        var sink = new DaliCollectingSink();
        var poller = new DaliLine(definition, fake, sink, TimeProvider.System).Poller;

        await SweepAndReadD4iAsync(poller);

        Assert.Equal("4012345000016", sink.Last($"{LineName}/g0.gtin")!.Value.Text);
        Assert.Equal("1001", sink.Last($"{LineName}/g0.serial")!.Value.Text);
        Assert.Equal(8000, sink.Last($"{LineName}/g0.operating-hours")!.Value.Number);
        Assert.Equal(4000, sink.Last($"{LineName}/g0.lamp-on-hours")!.Value.Number);
        Assert.Equal(1503, sink.Last($"{LineName}/g0.start-count")!.Value.Number);
        Assert.Equal(100_000, sink.Last($"{LineName}/g0.rated-life-hours")!.Value.Number);
        Assert.Single(sink.Events(LineName), e => e.StartsWith("d4i-missing: gear 1 (P-1)", StringComparison.Ordinal));
        Assert.Empty(poller.Gear[0].D4i.MissingBanks);

        // The luminaire at P-0 is replaced: the gear stops answering, and the new one answers at the same address.
        d4iGear.Silent = true;
        await SweepAndReadD4iAsync(poller);
        Fill(d4iGear, serial: 1002);
        d4iGear.Silent = false;
        poller.DiagnosticsDue(); // gear 1's diagnostics come round again too: still no second event
        await SweepAndReadD4iAsync(poller);

        Assert.Equal("1002", sink.Last($"{LineName}/g0.serial")!.Value.Text);
        Assert.Single(sink.Events(LineName), e => e.StartsWith("d4i-", StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Readings, r => r.Id.StartsWith($"{LineName}/g1.", StringComparison.Ordinal) && r.Id.EndsWith("-hours", StringComparison.Ordinal));
    }

    private static async Task SweepAndReadD4iAsync(DaliLinePoller poller)
    {
        Assert.True(await poller.SweepStatusAsync(CancellationToken.None), poller.LastProblem);
        for (int slices = 0; poller.HasD4iWork; slices++)
        {
            Assert.True(slices < 10, "the D4i work does not end");
            Assert.True(await poller.ReadD4iSliceAsync(CancellationToken.None), poller.LastProblem);
        }
    }

    /// <summary>Banks 1 and 205-207 (layouts as in protocols' D4iBankTests): 8000 h, 4000 h on, 1503 starts, 100 000 h rated.</summary>
    private static void Fill(DaliFakeGear gear, ulong serial)
    {
        // Bank 1 up to 0x18: GTIN 4012345000016 at 0x03-0x08, the serial at 0x09-0x10.
        var bank1 = new byte[0x19];
        var number = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(number, 4012345000016UL);
        number.AsSpan(2).CopyTo(bank1.AsSpan(0x03));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bank1.AsSpan(0x09, 8), serial);
        bank1[0] = 0x18;
        gear.Banks[1] = bank1;
        gear.Banks[205] = Convert.FromHexString("1C00FF0101B7740000019C");
        gear.Banks[206] = Convert.FromHexString("2000FF010000050005DF0000001000DBBA00");
        gear.Banks[207] = Convert.FromHexString("0700FF0164FF01F4");
    }

    /// <summary>READ MEMORY LOCATIONs sent to <paramref name="address"/> while DTR1 was 205.</summary>
    private static int Bank205Reads(IReadOnlyList<DaliForwardFrame> frames, int address)
    {
        int count = 0;
        int bank = -1;
        foreach (var f in frames)
        {
            if (f.Bits == 16 && f.AddressByte == DaliSpecialOpcode.Dtr1)
            {
                bank = f.LastByte;
            }
            else if (bank == D4iDiagnostics.GearBank && f.Bits == 16 && f.AddressByte == DaliAddress.Short(address).ToAddressByte(isCommand: true)
                && f.LastByte == DaliOpcode.ReadMemoryLocation)
            {
                count++;
            }
        }

        return count;
    }
}
