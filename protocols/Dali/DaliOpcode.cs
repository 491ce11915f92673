namespace City.Protocols.Dali;

/// <summary>IEC 62386-102 standard commands: the second byte of a 16-bit forward frame whose selector bit S is 1.</summary>
public static class DaliOpcode
{
    // Arc power commands.
    public const byte Off = 0x00;
    public const byte Up = 0x01;
    public const byte Down = 0x02;
    public const byte StepUp = 0x03;
    public const byte StepDown = 0x04;
    public const byte RecallMaxLevel = 0x05;
    public const byte RecallMinLevel = 0x06;
    public const byte StepDownAndOff = 0x07;
    public const byte OnAndStepUp = 0x08;
    public const byte EnableDapcSequence = 0x09;
    public const byte GoToLastActiveLevel = 0x0A;
    public const byte GoToScene = 0x10; // + scene 0..15

    // Configuration commands (all send-twice).
    public const byte Reset = 0x20;
    public const byte StoreActualLevelInDtr0 = 0x21;
    public const byte SavePersistentVariables = 0x22;
    public const byte SetOperatingMode = 0x23;
    public const byte ResetMemoryBank = 0x24;
    public const byte IdentifyDevice = 0x25;
    public const byte SetMaxLevel = 0x2A;
    public const byte SetMinLevel = 0x2B;
    public const byte SetSystemFailureLevel = 0x2C;
    public const byte SetPowerOnLevel = 0x2D;
    public const byte SetFadeTime = 0x2E;
    public const byte SetFadeRate = 0x2F;
    public const byte SetExtendedFadeTime = 0x30;
    public const byte SetScene = 0x40; // + scene
    public const byte RemoveFromScene = 0x50; // + scene
    public const byte AddToGroup = 0x60; // + group
    public const byte RemoveFromGroup = 0x70; // + group
    public const byte SetShortAddress = 0x80;
    public const byte EnableWriteMemory = 0x81;

    // Queries.
    public const byte QueryStatus = 0x90;
    public const byte QueryControlGearPresent = 0x91;
    public const byte QueryLampFailure = 0x92;
    public const byte QueryLampPowerOn = 0x93;
    public const byte QueryLimitError = 0x94;
    public const byte QueryResetState = 0x95;
    public const byte QueryMissingShortAddress = 0x96;
    public const byte QueryVersionNumber = 0x97;
    public const byte QueryContentDtr0 = 0x98;
    public const byte QueryDeviceType = 0x99;
    public const byte QueryPhysicalMinimum = 0x9A;
    public const byte QueryPowerFailure = 0x9B;
    public const byte QueryContentDtr1 = 0x9C;
    public const byte QueryContentDtr2 = 0x9D;
    public const byte QueryOperatingMode = 0x9E;
    public const byte QueryLightSourceType = 0x9F;
    public const byte QueryActualLevel = 0xA0;
    public const byte QueryMaxLevel = 0xA1;
    public const byte QueryMinLevel = 0xA2;
    public const byte QueryPowerOnLevel = 0xA3;
    public const byte QuerySystemFailureLevel = 0xA4;
    public const byte QueryFadeTimeFadeRate = 0xA5;
    public const byte QueryManufacturerSpecificMode = 0xA6;
    public const byte QueryNextDeviceType = 0xA7;
    public const byte QueryExtendedFadeTime = 0xA8;
    public const byte QueryControlGearFailure = 0xAA;
    public const byte QuerySceneLevel = 0xB0; // + scene
    public const byte QueryGroups0To7 = 0xC0;
    public const byte QueryGroups8To15 = 0xC1;
    public const byte QueryRandomAddressH = 0xC2;
    public const byte QueryRandomAddressM = 0xC3;
    public const byte QueryRandomAddressL = 0xC4;
    public const byte ReadMemoryLocation = 0xC5;

    /// <summary>Opcodes 0x20..0x81 are configuration commands, which take effect only when received twice within 100 ms.</summary>
    public static bool IsSendTwice(byte opcode) => opcode is >= Reset and <= EnableWriteMemory;
}

/// <summary>IEC 62386-102 special commands: the first byte of a 16-bit forward frame; the second byte is their data.</summary>
public static class DaliSpecialOpcode
{
    public const byte Terminate = 0xA1;
    public const byte Dtr0 = 0xA3;
    public const byte Initialise = 0xA5;
    public const byte Randomise = 0xA7;
    public const byte Compare = 0xA9;
    public const byte Withdraw = 0xAB;
    public const byte Ping = 0xAD;
    public const byte SearchAddressH = 0xB1;
    public const byte SearchAddressM = 0xB3;
    public const byte SearchAddressL = 0xB5;
    public const byte ProgramShortAddress = 0xB7;
    public const byte VerifyShortAddress = 0xB9;
    public const byte QueryShortAddress = 0xBB;
    public const byte EnableDeviceType = 0xC1;
    public const byte Dtr1 = 0xC3;
    public const byte Dtr2 = 0xC5;
    public const byte WriteMemoryLocation = 0xC7;
    public const byte WriteMemoryLocationNoReply = 0xC9;

    /// <summary>Whether a first byte is a special command (0xA1..0xCB, odd).</summary>
    public static bool IsSpecial(byte addressByte) => addressByte is >= 0xA0 and <= 0xCB;
}
