namespace City.Protocols.Dali;

/// <summary>Factories for the IEC 62386-102 commands addressed to control gear.</summary>
public static class DaliGear
{
    /// <summary>MASK: as a DAPC level it stops a running fade; as a stored level it means "no value".</summary>
    public const byte Mask = 0xFF;

    /// <summary>DIRECT ARC POWER CONTROL: go to <paramref name="level"/> (0 = off, 1..254, 255 = stop fading) with the fade time.</summary>
    public static DaliCommand DirectArcPower(DaliAddress address, byte level) =>
        new($"DAPC {address} {level}", DaliForwardFrame.Frame16(address.ToAddressByte(isCommand: false), level));

    public static DaliCommand Off(DaliAddress address) => Standard("OFF", address, DaliOpcode.Off);

    public static DaliCommand Up(DaliAddress address) => Standard("UP", address, DaliOpcode.Up);

    public static DaliCommand Down(DaliAddress address) => Standard("DOWN", address, DaliOpcode.Down);

    public static DaliCommand StepUp(DaliAddress address) => Standard("STEP UP", address, DaliOpcode.StepUp);

    public static DaliCommand StepDown(DaliAddress address) => Standard("STEP DOWN", address, DaliOpcode.StepDown);

    public static DaliCommand RecallMaxLevel(DaliAddress address) => Standard("RECALL MAX LEVEL", address, DaliOpcode.RecallMaxLevel);

    public static DaliCommand RecallMinLevel(DaliAddress address) => Standard("RECALL MIN LEVEL", address, DaliOpcode.RecallMinLevel);

    public static DaliCommand StepDownAndOff(DaliAddress address) => Standard("STEP DOWN AND OFF", address, DaliOpcode.StepDownAndOff);

    public static DaliCommand OnAndStepUp(DaliAddress address) => Standard("ON AND STEP UP", address, DaliOpcode.OnAndStepUp);

    public static DaliCommand GoToLastActiveLevel(DaliAddress address) => Standard("GO TO LAST ACTIVE LEVEL", address, DaliOpcode.GoToLastActiveLevel);

    public static DaliCommand GoToScene(DaliAddress address, int scene) =>
        Standard($"GO TO SCENE {CheckScene(scene)}", address, (byte)(DaliOpcode.GoToScene + scene));

    // Configuration: twice within 100 ms.
    public static DaliCommand Reset(DaliAddress address) => Config("RESET", address, DaliOpcode.Reset);

    public static DaliCommand StoreActualLevelInDtr0(DaliAddress address) =>
        Config("STORE ACTUAL LEVEL IN DTR0", address, DaliOpcode.StoreActualLevelInDtr0, DaliDtrUse.Dtr0);

    public static DaliCommand SavePersistentVariables(DaliAddress address) => Config("SAVE PERSISTENT VARIABLES", address, DaliOpcode.SavePersistentVariables);

    public static DaliCommand SetOperatingMode(DaliAddress address) => Config("SET OPERATING MODE (DTR0)", address, DaliOpcode.SetOperatingMode, DaliDtrUse.Dtr0);

    public static DaliCommand ResetMemoryBank(DaliAddress address) => Config("RESET MEMORY BANK (DTR0)", address, DaliOpcode.ResetMemoryBank, DaliDtrUse.Dtr0);

    public static DaliCommand IdentifyDevice(DaliAddress address) => Config("IDENTIFY DEVICE", address, DaliOpcode.IdentifyDevice);

    public static DaliCommand SetMaxLevel(DaliAddress address) => Config("SET MAX LEVEL (DTR0)", address, DaliOpcode.SetMaxLevel, DaliDtrUse.Dtr0);

    public static DaliCommand SetMinLevel(DaliAddress address) => Config("SET MIN LEVEL (DTR0)", address, DaliOpcode.SetMinLevel, DaliDtrUse.Dtr0);

    public static DaliCommand SetSystemFailureLevel(DaliAddress address) =>
        Config("SET SYSTEM FAILURE LEVEL (DTR0)", address, DaliOpcode.SetSystemFailureLevel, DaliDtrUse.Dtr0);

    public static DaliCommand SetPowerOnLevel(DaliAddress address) => Config("SET POWER ON LEVEL (DTR0)", address, DaliOpcode.SetPowerOnLevel, DaliDtrUse.Dtr0);

    public static DaliCommand SetFadeTime(DaliAddress address) => Config("SET FADE TIME (DTR0)", address, DaliOpcode.SetFadeTime, DaliDtrUse.Dtr0);

    public static DaliCommand SetFadeRate(DaliAddress address) => Config("SET FADE RATE (DTR0)", address, DaliOpcode.SetFadeRate, DaliDtrUse.Dtr0);

    public static DaliCommand SetExtendedFadeTime(DaliAddress address) =>
        Config("SET EXTENDED FADE TIME (DTR0)", address, DaliOpcode.SetExtendedFadeTime, DaliDtrUse.Dtr0);

    public static DaliCommand SetScene(DaliAddress address, int scene) =>
        Config($"SET SCENE {CheckScene(scene)} (DTR0)", address, (byte)(DaliOpcode.SetScene + scene), DaliDtrUse.Dtr0);

    public static DaliCommand RemoveFromScene(DaliAddress address, int scene) =>
        Config($"REMOVE FROM SCENE {CheckScene(scene)}", address, (byte)(DaliOpcode.RemoveFromScene + scene));

    public static DaliCommand AddToGroup(DaliAddress address, int group) =>
        Config($"ADD TO GROUP {CheckGroup(group)}", address, (byte)(DaliOpcode.AddToGroup + group));

    public static DaliCommand RemoveFromGroup(DaliAddress address, int group) =>
        Config($"REMOVE FROM GROUP {CheckGroup(group)}", address, (byte)(DaliOpcode.RemoveFromGroup + group));

    /// <summary>SET SHORT ADDRESS: DTR0 = (address &lt;&lt; 1) | 1, or 0xFF to delete the short address.</summary>
    public static DaliCommand SetShortAddress(DaliAddress address) => Config("SET SHORT ADDRESS (DTR0)", address, DaliOpcode.SetShortAddress, DaliDtrUse.Dtr0);

    public static DaliCommand EnableWriteMemory(DaliAddress address) => Config("ENABLE WRITE MEMORY", address, DaliOpcode.EnableWriteMemory);

    // Queries.
    public static DaliCommand QueryStatus(DaliAddress address) => Query("QUERY STATUS", address, DaliOpcode.QueryStatus, DaliAnswerKind.Status);

    public static DaliCommand QueryControlGearPresent(DaliAddress address) =>
        Query("QUERY CONTROL GEAR PRESENT", address, DaliOpcode.QueryControlGearPresent, DaliAnswerKind.YesNo);

    public static DaliCommand QueryLampFailure(DaliAddress address) => Query("QUERY LAMP FAILURE", address, DaliOpcode.QueryLampFailure, DaliAnswerKind.YesNo);

    public static DaliCommand QueryLampPowerOn(DaliAddress address) => Query("QUERY LAMP POWER ON", address, DaliOpcode.QueryLampPowerOn, DaliAnswerKind.YesNo);

    public static DaliCommand QueryLimitError(DaliAddress address) => Query("QUERY LIMIT ERROR", address, DaliOpcode.QueryLimitError, DaliAnswerKind.YesNo);

    public static DaliCommand QueryResetState(DaliAddress address) => Query("QUERY RESET STATE", address, DaliOpcode.QueryResetState, DaliAnswerKind.YesNo);

    public static DaliCommand QueryMissingShortAddress(DaliAddress address) =>
        Query("QUERY MISSING SHORT ADDRESS", address, DaliOpcode.QueryMissingShortAddress, DaliAnswerKind.YesNo);

    public static DaliCommand QueryVersionNumber(DaliAddress address) => Query("QUERY VERSION NUMBER", address, DaliOpcode.QueryVersionNumber, DaliAnswerKind.Number);

    public static DaliCommand QueryContentDtr0(DaliAddress address) =>
        Query("QUERY CONTENT DTR0", address, DaliOpcode.QueryContentDtr0, DaliAnswerKind.Number, DaliDtrUse.Dtr0);

    public static DaliCommand QueryContentDtr1(DaliAddress address) =>
        Query("QUERY CONTENT DTR1", address, DaliOpcode.QueryContentDtr1, DaliAnswerKind.Number, DaliDtrUse.Dtr1);

    public static DaliCommand QueryContentDtr2(DaliAddress address) =>
        Query("QUERY CONTENT DTR2", address, DaliOpcode.QueryContentDtr2, DaliAnswerKind.Number, DaliDtrUse.Dtr2);

    /// <summary>QUERY DEVICE TYPE: the device type, or 0xFF (MASK) when the gear has several (then QUERY NEXT DEVICE TYPE).</summary>
    public static DaliCommand QueryDeviceType(DaliAddress address) => Query("QUERY DEVICE TYPE", address, DaliOpcode.QueryDeviceType, DaliAnswerKind.Number);

    public static DaliCommand QueryNextDeviceType(DaliAddress address) =>
        Query("QUERY NEXT DEVICE TYPE", address, DaliOpcode.QueryNextDeviceType, DaliAnswerKind.Number);

    public static DaliCommand QueryPhysicalMinimum(DaliAddress address) =>
        Query("QUERY PHYSICAL MINIMUM", address, DaliOpcode.QueryPhysicalMinimum, DaliAnswerKind.Number);

    public static DaliCommand QueryPowerFailure(DaliAddress address) => Query("QUERY POWER FAILURE", address, DaliOpcode.QueryPowerFailure, DaliAnswerKind.YesNo);

    public static DaliCommand QueryOperatingMode(DaliAddress address) => Query("QUERY OPERATING MODE", address, DaliOpcode.QueryOperatingMode, DaliAnswerKind.Number);

    public static DaliCommand QueryActualLevel(DaliAddress address) => Query("QUERY ACTUAL LEVEL", address, DaliOpcode.QueryActualLevel, DaliAnswerKind.Number);

    public static DaliCommand QueryMaxLevel(DaliAddress address) => Query("QUERY MAX LEVEL", address, DaliOpcode.QueryMaxLevel, DaliAnswerKind.Number);

    public static DaliCommand QueryMinLevel(DaliAddress address) => Query("QUERY MIN LEVEL", address, DaliOpcode.QueryMinLevel, DaliAnswerKind.Number);

    public static DaliCommand QueryPowerOnLevel(DaliAddress address) => Query("QUERY POWER ON LEVEL", address, DaliOpcode.QueryPowerOnLevel, DaliAnswerKind.Number);

    public static DaliCommand QuerySystemFailureLevel(DaliAddress address) =>
        Query("QUERY SYSTEM FAILURE LEVEL", address, DaliOpcode.QuerySystemFailureLevel, DaliAnswerKind.Number);

    /// <summary>QUERY FADE TIME/FADE RATE: fade time in the high nibble, fade rate in the low nibble.</summary>
    public static DaliCommand QueryFadeTimeFadeRate(DaliAddress address) =>
        Query("QUERY FADE TIME/FADE RATE", address, DaliOpcode.QueryFadeTimeFadeRate, DaliAnswerKind.Number);

    public static DaliCommand QueryExtendedFadeTime(DaliAddress address) =>
        Query("QUERY EXTENDED FADE TIME", address, DaliOpcode.QueryExtendedFadeTime, DaliAnswerKind.Number);

    public static DaliCommand QueryControlGearFailure(DaliAddress address) =>
        Query("QUERY CONTROL GEAR FAILURE", address, DaliOpcode.QueryControlGearFailure, DaliAnswerKind.YesNo);

    public static DaliCommand QuerySceneLevel(DaliAddress address, int scene) =>
        Query($"QUERY SCENE LEVEL {CheckScene(scene)}", address, (byte)(DaliOpcode.QuerySceneLevel + scene), DaliAnswerKind.Number);

    public static DaliCommand QueryGroups0To7(DaliAddress address) => Query("QUERY GROUPS 0-7", address, DaliOpcode.QueryGroups0To7, DaliAnswerKind.Bitmap);

    public static DaliCommand QueryGroups8To15(DaliAddress address) => Query("QUERY GROUPS 8-15", address, DaliOpcode.QueryGroups8To15, DaliAnswerKind.Bitmap);

    public static DaliCommand QueryRandomAddressH(DaliAddress address) =>
        Query("QUERY RANDOM ADDRESS (H)", address, DaliOpcode.QueryRandomAddressH, DaliAnswerKind.Number);

    public static DaliCommand QueryRandomAddressM(DaliAddress address) =>
        Query("QUERY RANDOM ADDRESS (M)", address, DaliOpcode.QueryRandomAddressM, DaliAnswerKind.Number);

    public static DaliCommand QueryRandomAddressL(DaliAddress address) =>
        Query("QUERY RANDOM ADDRESS (L)", address, DaliOpcode.QueryRandomAddressL, DaliAnswerKind.Number);

    /// <summary>READ MEMORY LOCATION: the byte at (bank DTR1, offset DTR0); the gear then increments DTR0.</summary>
    public static DaliCommand ReadMemoryLocation(DaliAddress address) =>
        Query("READ MEMORY LOCATION (DTR1, DTR0)", address, DaliOpcode.ReadMemoryLocation, DaliAnswerKind.Number, DaliDtrUse.Dtr0 | DaliDtrUse.Dtr1);

    private static DaliCommand Standard(string name, DaliAddress address, byte opcode) =>
        new($"{name} {address}", DaliForwardFrame.Frame16(address.ToAddressByte(isCommand: true), opcode));

    private static DaliCommand Config(string name, DaliAddress address, byte opcode, DaliDtrUse dtr = DaliDtrUse.None) =>
        new($"{name} {address}", DaliForwardFrame.Frame16(address.ToAddressByte(isCommand: true), opcode), DaliAnswerKind.None, SendTwice: true, dtr);

    private static DaliCommand Query(string name, DaliAddress address, byte opcode, DaliAnswerKind answer, DaliDtrUse dtr = DaliDtrUse.None) =>
        new($"{name} {address}", DaliForwardFrame.Frame16(address.ToAddressByte(isCommand: true), opcode), answer, SendTwice: false, dtr);

    private static int CheckScene(int scene)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scene);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scene, 15);
        return scene;
    }

    private static int CheckGroup(int group)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(group, DaliAddress.MaxGroup);
        return group;
    }
}

/// <summary>Factories for the IEC 62386-102 special commands (broadcast to every gear; the first byte is the opcode).</summary>
public static class DaliSpecial
{
    public static DaliCommand Terminate() => Special("TERMINATE", DaliSpecialOpcode.Terminate, 0);

    public static DaliCommand Dtr0(byte value) => new($"DTR0 {value}", Frame(DaliSpecialOpcode.Dtr0, value), Dtr: DaliDtrUse.Dtr0);

    public static DaliCommand Dtr1(byte value) => new($"DTR1 {value}", Frame(DaliSpecialOpcode.Dtr1, value), Dtr: DaliDtrUse.Dtr1);

    public static DaliCommand Dtr2(byte value) => new($"DTR2 {value}", Frame(DaliSpecialOpcode.Dtr2, value), Dtr: DaliDtrUse.Dtr2);

    /// <summary>INITIALISE (twice) for every gear.</summary>
    public static DaliCommand InitialiseAll() => new("INITIALISE all", Frame(DaliSpecialOpcode.Initialise, 0x00), SendTwice: true);

    /// <summary>INITIALISE (twice) for gear without a short address.</summary>
    public static DaliCommand InitialiseUnaddressed() => new("INITIALISE unaddressed", Frame(DaliSpecialOpcode.Initialise, 0xFF), SendTwice: true);

    /// <summary>INITIALISE (twice) for the gear with this short address.</summary>
    public static DaliCommand Initialise(int shortAddress) =>
        new($"INITIALISE A{shortAddress}", Frame(DaliSpecialOpcode.Initialise, ShortAddressData(shortAddress)), SendTwice: true);

    public static DaliCommand Randomise() => new("RANDOMISE", Frame(DaliSpecialOpcode.Randomise, 0), SendTwice: true);

    /// <summary>COMPARE: YES from every initialised, not withdrawn gear whose random address is &lt;= the search address.</summary>
    public static DaliCommand Compare() => new("COMPARE", Frame(DaliSpecialOpcode.Compare, 0), DaliAnswerKind.YesNo);

    public static DaliCommand Withdraw() => Special("WITHDRAW", DaliSpecialOpcode.Withdraw, 0);

    public static DaliCommand Ping() => Special("PING", DaliSpecialOpcode.Ping, 0);

    public static DaliCommand SearchAddressH(byte value) => Special($"SEARCHADDRH {value:X2}", DaliSpecialOpcode.SearchAddressH, value);

    public static DaliCommand SearchAddressM(byte value) => Special($"SEARCHADDRM {value:X2}", DaliSpecialOpcode.SearchAddressM, value);

    public static DaliCommand SearchAddressL(byte value) => Special($"SEARCHADDRL {value:X2}", DaliSpecialOpcode.SearchAddressL, value);

    /// <summary>PROGRAM SHORT ADDRESS for the selected gear (search address = random address); null deletes the short address.</summary>
    public static DaliCommand ProgramShortAddress(int? shortAddress) =>
        Special($"PROGRAM SHORT ADDRESS {(shortAddress is null ? "none" : $"A{shortAddress}")}",
            DaliSpecialOpcode.ProgramShortAddress, shortAddress is null ? (byte)0xFF : ShortAddressData(shortAddress.Value));

    public static DaliCommand VerifyShortAddress(int shortAddress) =>
        new($"VERIFY SHORT ADDRESS A{shortAddress}", Frame(DaliSpecialOpcode.VerifyShortAddress, ShortAddressData(shortAddress)), DaliAnswerKind.YesNo);

    /// <summary>QUERY SHORT ADDRESS: the selected gear answers (short address &lt;&lt; 1) | 1, or 0xFF without one.</summary>
    public static DaliCommand QueryShortAddress() => new("QUERY SHORT ADDRESS", Frame(DaliSpecialOpcode.QueryShortAddress, 0), DaliAnswerKind.Number);

    public static DaliCommand EnableDeviceType(byte deviceType) => Special($"ENABLE DEVICE TYPE {deviceType}", DaliSpecialOpcode.EnableDeviceType, deviceType);

    /// <summary>WRITE MEMORY LOCATION: writes at (DTR1, DTR0) after ENABLE WRITE MEMORY; answers the value written.</summary>
    public static DaliCommand WriteMemoryLocation(byte value) =>
        new($"WRITE MEMORY LOCATION {value:X2}", Frame(DaliSpecialOpcode.WriteMemoryLocation, value), DaliAnswerKind.Number, Dtr: DaliDtrUse.Dtr0 | DaliDtrUse.Dtr1);

    public static DaliCommand WriteMemoryLocationNoReply(byte value) =>
        new($"WRITE MEMORY LOCATION - NO REPLY {value:X2}", Frame(DaliSpecialOpcode.WriteMemoryLocationNoReply, value), Dtr: DaliDtrUse.Dtr0 | DaliDtrUse.Dtr1);

    /// <summary>The data byte of INITIALISE / PROGRAM / VERIFY SHORT ADDRESS: (address &lt;&lt; 1) | 1.</summary>
    public static byte ShortAddressData(int shortAddress)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shortAddress);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shortAddress, DaliAddress.MaxShortAddress);
        return (byte)((shortAddress << 1) | 1);
    }

    private static DaliCommand Special(string name, byte opcode, byte data) => new(name, Frame(opcode, data));

    private static DaliForwardFrame Frame(byte opcode, byte data) => DaliForwardFrame.Frame16(opcode, data);
}

/// <summary>
/// Part 103 (control devices) 24-bit frames: address byte (short <c>0AAAAAA1</c>, group <c>10GGGGG1</c> of 32 groups, broadcast
/// 0xFF), instance byte (0xFE = the device itself), opcode.
/// </summary>
public static class DaliControlDevice
{
    public const byte InstanceDevice = 0xFE;

    public static DaliForwardFrame ShortFrame(int shortAddress, byte instance, byte opcode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shortAddress);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shortAddress, DaliAddress.MaxShortAddress);
        return DaliForwardFrame.Frame24((byte)((shortAddress << 1) | 1), instance, opcode);
    }

    public static DaliForwardFrame GroupFrame(int group, byte instance, byte opcode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(group, 31);
        return DaliForwardFrame.Frame24((byte)(0x80 | (group << 1) | 1), instance, opcode);
    }

    public static DaliForwardFrame BroadcastFrame(byte instance, byte opcode) => DaliForwardFrame.Frame24(0xFF, instance, opcode);
}
