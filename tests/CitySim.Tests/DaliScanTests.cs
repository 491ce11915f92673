using City.Protocols.Dali;
using City.Sim.Dali;
using Microsoft.Extensions.Time.Testing;

namespace City.Sim.Tests;

public class DaliScanTests
{
    [Fact]
    public async Task A_scan_lists_every_addressed_gear_with_type_level_and_status_and_notices_unaddressed_gear()
    {
        var time = new FakeTimeProvider();
        var line = new DaliSimLine(new DaliLineSetup { Gear = 64, Unaddressed = 4, Failed = 2, Silent = 1, Seed = 8 }, time);
        var client = new DaliClient(new DirectLineMaster(line), time);
        await client.ExecuteAsync(DaliGear.DirectArcPower(DaliAddress.Short(7), 99));

        var scan = await DaliLineScan.ScanAsync(client);

        Assert.Null(scan.Failure);
        Assert.True(scan.UnaddressedPresent);
        var expected = line.Gear.Where(g => g.ShortAddress is not null && !g.Silent).Select(g => (int)g.ShortAddress!.Value).Order();
        Assert.Equal(expected, scan.Gear.Select(g => g.ShortAddress));
        Assert.All(scan.Gear, g => Assert.Equal((byte)DaliSimGear.DeviceTypeLed, g.DeviceType));
        Assert.Equal((byte)99, scan.Gear.Single(g => g.ShortAddress == 7).Level);
        int failedAddressed = line.Gear.Count(g => g.LampFailure && g.ShortAddress is not null);
        Assert.Equal(failedAddressed, scan.Gear.Count(g => g.Status.HasFlag(DaliGearStatus.LampFailure)));
        int silentAddresses = 64 - scan.Gear.Count;
        Assert.Equal(64 + (2 * scan.Gear.Count) + silentAddresses + 1, scan.Transactions);
    }

    [Fact]
    public async Task A_gear_whose_answer_is_lost_once_is_asked_again_and_listed_in_address_order()
    {
        var time = new FakeTimeProvider();
        var line = new DaliSimLine(new DaliLineSetup { Gear = 8, Seed = 3 }, time);
        var master = new LosesFirstAnswerTo(new DirectLineMaster(line), shortAddress: 5);

        var scan = await DaliLineScan.ScanAsync(new DaliClient(master, time));

        Assert.Null(scan.Failure);
        Assert.Equal(Enumerable.Range(0, 8), scan.Gear.Select(g => g.ShortAddress));
        Assert.Equal(64 + (2 * 8) + (64 - 8 + 1) + 1, scan.Transactions);
    }

    /// <summary>Turns the first answer to a query sent to one short address into no answer, as noise on the bus would.</summary>
    private sealed class LosesFirstAnswerTo(IDaliMaster inner, int shortAddress) : IDaliMaster
    {
        private bool _lost;

        public async ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
        {
            var result = await inner.SendAsync(frame, transmit, cancellationToken);
            if (!_lost && transmit.ExpectAnswer && (frame.AddressByte & 0x80) == 0 && frame.AddressByte >> 1 == shortAddress && result.Outcome == DaliBusOutcome.Answer)
            {
                _lost = true;
                return DaliBusResult.NoAnswer;
            }

            return result;
        }
    }

    [Fact]
    public async Task A_scan_stops_with_the_failure_when_the_line_has_no_power()
    {
        var time = new FakeTimeProvider();
        var line = new DaliSimLine(new DaliLineSetup { Gear = 4 }, time);
        line.SetPower(false);
        var scan = await DaliLineScan.ScanAsync(new DaliClient(new DirectLineMaster(line), time));
        Assert.Equal(DaliBusOutcome.BusPowerFailure, scan.Failure?.Outcome);
        Assert.Empty(scan.Gear);
    }
}
