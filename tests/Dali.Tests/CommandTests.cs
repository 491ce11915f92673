namespace City.Protocols.Dali.Tests;

public class CommandTests
{
    public static TheoryData<string, DaliCommand, string, DaliAnswerKind, bool> Vectors => new()
    {
        { "DAPC A5 level 128", DaliGear.DirectArcPower(DaliAddress.Short(5), 128), "0A80", DaliAnswerKind.None, false },
        { "DAPC broadcast off", DaliGear.DirectArcPower(DaliAddress.Broadcast, 0), "FE00", DaliAnswerKind.None, false },
        { "DAPC MASK stops fading", DaliGear.DirectArcPower(DaliAddress.Group(1), DaliGear.Mask), "82FF", DaliAnswerKind.None, false },
        { "OFF broadcast", DaliGear.Off(DaliAddress.Broadcast), "FF00", DaliAnswerKind.None, false },
        { "UP A0", DaliGear.Up(DaliAddress.Short(0)), "0101", DaliAnswerKind.None, false },
        { "RECALL MAX group 3", DaliGear.RecallMaxLevel(DaliAddress.Group(3)), "8705", DaliAnswerKind.None, false },
        { "RECALL MIN A63", DaliGear.RecallMinLevel(DaliAddress.Short(63)), "7F06", DaliAnswerKind.None, false },
        { "GO TO SCENE 3 A0", DaliGear.GoToScene(DaliAddress.Short(0), 3), "0113", DaliAnswerKind.None, false },
        { "GO TO SCENE 15 broadcast", DaliGear.GoToScene(DaliAddress.Broadcast, 15), "FF1F", DaliAnswerKind.None, false },
        { "RESET broadcast", DaliGear.Reset(DaliAddress.Broadcast), "FF20", DaliAnswerKind.None, true },
        { "SET MAX LEVEL A1", DaliGear.SetMaxLevel(DaliAddress.Short(1)), "032A", DaliAnswerKind.None, true },
        { "SET MIN LEVEL A1", DaliGear.SetMinLevel(DaliAddress.Short(1)), "032B", DaliAnswerKind.None, true },
        { "SET SYSTEM FAILURE LEVEL", DaliGear.SetSystemFailureLevel(DaliAddress.Broadcast), "FF2C", DaliAnswerKind.None, true },
        { "SET POWER ON LEVEL", DaliGear.SetPowerOnLevel(DaliAddress.Broadcast), "FF2D", DaliAnswerKind.None, true },
        { "SET FADE TIME", DaliGear.SetFadeTime(DaliAddress.Broadcast), "FF2E", DaliAnswerKind.None, true },
        { "SET FADE RATE", DaliGear.SetFadeRate(DaliAddress.Broadcast), "FF2F", DaliAnswerKind.None, true },
        { "SET SCENE 2 A4", DaliGear.SetScene(DaliAddress.Short(4), 2), "0942", DaliAnswerKind.None, true },
        { "REMOVE FROM SCENE 2 A4", DaliGear.RemoveFromScene(DaliAddress.Short(4), 2), "0952", DaliAnswerKind.None, true },
        { "ADD TO GROUP 2 A7", DaliGear.AddToGroup(DaliAddress.Short(7), 2), "0F62", DaliAnswerKind.None, true },
        { "REMOVE FROM GROUP 15 A7", DaliGear.RemoveFromGroup(DaliAddress.Short(7), 15), "0F7F", DaliAnswerKind.None, true },
        { "SET SHORT ADDRESS A7", DaliGear.SetShortAddress(DaliAddress.Short(7)), "0F80", DaliAnswerKind.None, true },
        { "ENABLE WRITE MEMORY A7", DaliGear.EnableWriteMemory(DaliAddress.Short(7)), "0F81", DaliAnswerKind.None, true },
        { "QUERY STATUS A1", DaliGear.QueryStatus(DaliAddress.Short(1)), "0390", DaliAnswerKind.Status, false },
        { "QUERY CONTROL GEAR PRESENT unaddressed", DaliGear.QueryControlGearPresent(DaliAddress.BroadcastUnaddressed), "FD91", DaliAnswerKind.YesNo, false },
        { "QUERY LAMP FAILURE broadcast", DaliGear.QueryLampFailure(DaliAddress.Broadcast), "FF92", DaliAnswerKind.YesNo, false },
        { "QUERY DEVICE TYPE A2", DaliGear.QueryDeviceType(DaliAddress.Short(2)), "0599", DaliAnswerKind.Number, false },
        { "QUERY ACTUAL LEVEL A2", DaliGear.QueryActualLevel(DaliAddress.Short(2)), "05A0", DaliAnswerKind.Number, false },
        { "QUERY MAX LEVEL A2", DaliGear.QueryMaxLevel(DaliAddress.Short(2)), "05A1", DaliAnswerKind.Number, false },
        { "QUERY MIN LEVEL A2", DaliGear.QueryMinLevel(DaliAddress.Short(2)), "05A2", DaliAnswerKind.Number, false },
        { "QUERY CONTROL GEAR FAILURE", DaliGear.QueryControlGearFailure(DaliAddress.Short(2)), "05AA", DaliAnswerKind.YesNo, false },
        { "QUERY SCENE LEVEL 15", DaliGear.QuerySceneLevel(DaliAddress.Short(2), 15), "05BF", DaliAnswerKind.Number, false },
        { "QUERY GROUPS 0-7", DaliGear.QueryGroups0To7(DaliAddress.Short(2)), "05C0", DaliAnswerKind.Bitmap, false },
        { "QUERY GROUPS 8-15", DaliGear.QueryGroups8To15(DaliAddress.Short(2)), "05C1", DaliAnswerKind.Bitmap, false },
        { "QUERY RANDOM ADDRESS H", DaliGear.QueryRandomAddressH(DaliAddress.Short(2)), "05C2", DaliAnswerKind.Number, false },
        { "QUERY RANDOM ADDRESS L", DaliGear.QueryRandomAddressL(DaliAddress.Short(2)), "05C4", DaliAnswerKind.Number, false },
        { "READ MEMORY LOCATION A2", DaliGear.ReadMemoryLocation(DaliAddress.Short(2)), "05C5", DaliAnswerKind.Number, false },
        { "TERMINATE", DaliSpecial.Terminate(), "A100", DaliAnswerKind.None, false },
        { "DTR0 0x55", DaliSpecial.Dtr0(0x55), "A355", DaliAnswerKind.None, false },
        { "INITIALISE all", DaliSpecial.InitialiseAll(), "A500", DaliAnswerKind.None, true },
        { "INITIALISE unaddressed", DaliSpecial.InitialiseUnaddressed(), "A5FF", DaliAnswerKind.None, true },
        { "INITIALISE A10", DaliSpecial.Initialise(10), "A515", DaliAnswerKind.None, true },
        { "RANDOMISE", DaliSpecial.Randomise(), "A700", DaliAnswerKind.None, true },
        { "COMPARE", DaliSpecial.Compare(), "A900", DaliAnswerKind.YesNo, false },
        { "WITHDRAW", DaliSpecial.Withdraw(), "AB00", DaliAnswerKind.None, false },
        { "PING", DaliSpecial.Ping(), "AD00", DaliAnswerKind.None, false },
        { "SEARCHADDRH", DaliSpecial.SearchAddressH(0x12), "B112", DaliAnswerKind.None, false },
        { "SEARCHADDRM", DaliSpecial.SearchAddressM(0x34), "B334", DaliAnswerKind.None, false },
        { "SEARCHADDRL", DaliSpecial.SearchAddressL(0x56), "B556", DaliAnswerKind.None, false },
        { "PROGRAM SHORT ADDRESS 5", DaliSpecial.ProgramShortAddress(5), "B70B", DaliAnswerKind.None, false },
        { "PROGRAM SHORT ADDRESS none", DaliSpecial.ProgramShortAddress(null), "B7FF", DaliAnswerKind.None, false },
        { "VERIFY SHORT ADDRESS 63", DaliSpecial.VerifyShortAddress(63), "B97F", DaliAnswerKind.YesNo, false },
        { "QUERY SHORT ADDRESS", DaliSpecial.QueryShortAddress(), "BB00", DaliAnswerKind.Number, false },
        { "ENABLE DEVICE TYPE 6", DaliSpecial.EnableDeviceType(6), "C106", DaliAnswerKind.None, false },
        { "DTR1 202", DaliSpecial.Dtr1(202), "C3CA", DaliAnswerKind.None, false },
        { "DTR2 1", DaliSpecial.Dtr2(1), "C501", DaliAnswerKind.None, false },
        { "WRITE MEMORY LOCATION", DaliSpecial.WriteMemoryLocation(0xAA), "C7AA", DaliAnswerKind.Number, false },
        { "WRITE MEMORY LOCATION NO REPLY", DaliSpecial.WriteMemoryLocationNoReply(0xAA), "C9AA", DaliAnswerKind.None, false },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Commands_carry_their_frame_answer_kind_and_send_twice(string description, DaliCommand command, string frame, DaliAnswerKind answer, bool twice)
    {
        Assert.True(frame == command.Frame.ToString(), $"{description}: {command.Frame} != {frame}");
        Assert.Equal(answer, command.Answer);
        Assert.Equal(twice, command.SendTwice);
        Assert.Equal(16, command.Frame.Bits);
    }

    [Fact]
    public void Every_configuration_opcode_is_send_twice_and_nothing_else()
    {
        for (int opcode = 0; opcode < 256; opcode++)
        {
            Assert.Equal(opcode is >= 0x20 and <= 0x81, DaliOpcode.IsSendTwice((byte)opcode));
        }
    }

    [Fact]
    public void Commands_declare_the_dtrs_they_use()
    {
        Assert.Equal(DaliDtrUse.Dtr0, DaliGear.SetMaxLevel(DaliAddress.Broadcast).Dtr);
        Assert.Equal(DaliDtrUse.Dtr0 | DaliDtrUse.Dtr1, DaliGear.ReadMemoryLocation(DaliAddress.Short(1)).Dtr);
        Assert.Equal(DaliDtrUse.Dtr1, DaliSpecial.Dtr1(0).Dtr);
        Assert.Equal(DaliDtrUse.None, DaliGear.Off(DaliAddress.Broadcast).Dtr);
    }

    [Fact]
    public void Light_changing_commands_get_priority_2_and_the_rest_priority_5()
    {
        Assert.Equal(DaliPriority.P2, DaliGear.DirectArcPower(DaliAddress.Short(1), 10).Priority);
        Assert.Equal(DaliPriority.P2, DaliGear.Off(DaliAddress.Broadcast).Priority);
        Assert.Equal(DaliPriority.P5, DaliGear.QueryStatus(DaliAddress.Short(1)).Priority);
        Assert.Equal(DaliPriority.P5, DaliGear.Reset(DaliAddress.Broadcast).Priority);
        Assert.Equal(DaliPriority.P5, DaliSpecial.Terminate().Priority);
    }

    [Fact]
    public void Out_of_range_scene_and_group_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliGear.GoToScene(DaliAddress.Broadcast, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliGear.AddToGroup(DaliAddress.Broadcast, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => DaliSpecial.ProgramShortAddress(64));
    }
}
