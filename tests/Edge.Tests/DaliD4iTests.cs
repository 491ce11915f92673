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
