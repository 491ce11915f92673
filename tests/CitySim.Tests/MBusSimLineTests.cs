using System.Buffers;
using City.Protocols.MBus;
using City.Sim.MBus;

namespace City.Sim.Tests;

/// <summary>citysim's M-Bus line: selection with wildcards, the FCB rule, and collisions that a master reads as garbage.</summary>
public sealed class MBusSimLineTests
{
    private static MBusSimLine Line() => new(
    [
        new MBusSimMeter(MBusMeterKind.Heat, 1, 0x12345678, TimeProvider.System),
        new MBusSimMeter(MBusMeterKind.Water, 2, 0x16000001, TimeProvider.System),
    ]);

    [Fact]
    public void Several_meters_matching_a_selection_collide_into_bytes_that_are_no_frame()
    {
        var line = Line();
        byte[] both = line.Handle(MBusRequests.SelectSecondary(MBusSecondaryAddress.Wildcard.WithDigit(0, 1)));
        Assert.NotEqual(OperationStatus.Done, MBusFraming.TryRead(both, out _, out _, out _));
        Assert.Equal(1, line.Collisions);

        byte[] one = line.Handle(MBusRequests.SelectSecondary(MBusSecondaryAddress.Wildcard.WithDigit(0, 1).WithDigit(1, 6)));
        Assert.Equal(new byte[] { 0xE5 }, one);
        Assert.Equal(OperationStatus.Done, MBusFraming.TryRead(line.Handle(MBusRequests.ReqUd2(MBusAddress.Network, true)), out var frame, out _, out _));
        Assert.True(MBusVariableData.TryDecode(frame, out var telegram, out _));
        Assert.Equal("16000001", telegram!.Header.Identification);
    }

    [Fact]
    public void A_repeated_req_ud2_gets_the_same_answer_and_a_new_fcb_new_data()
    {
        var line = Line();
        Assert.Equal(new byte[] { 0xE5 }, line.Handle(MBusRequests.SndNke(1)));
        byte[] first = line.Handle(MBusRequests.ReqUd2(1, true));
        byte[] repeated = line.Handle(MBusRequests.ReqUd2(1, true));
        byte[] next = line.Handle(MBusRequests.ReqUd2(1, false));
        Assert.Equal(first, repeated);
        Assert.Equal((byte)(first[15] + 1), next[15]);
        Assert.Empty(line.Handle(MBusRequests.ReqUd2(9, true)));
    }

    [Fact]
    public void Two_identical_acks_do_not_read_as_one_ack()
    {
        byte[] garbled = MBusSimLine.Collide([[0xE5], [0xE5]]);
        Assert.NotEqual(new byte[] { 0xE5 }, garbled);
    }
}
