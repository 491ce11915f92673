using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1203;

/// <summary>
/// The NTCIP 1203 (dynamic message signs) objects this stack uses, under dms = 1.3.6.1.4.1.1206.4.2.3 (NEMA
/// 1206, transportation 4, devices 2, dms 3). Arc numbers as NTCIP 1203 v03's MIB assigns them.
/// </summary>
public static class DmsObjects
{
    public static Oid Dms { get; } = Oid.Parse("1.3.6.1.4.1.1206.4.2.3");

    // vmsCfg (dms.2)
    public static Oid VmsCharacterHeightPixels { get; } = Dms.Append(2, 1, 0);
    public static Oid VmsCharacterWidthPixels { get; } = Dms.Append(2, 2, 0);
    public static Oid VmsSignHeightPixels { get; } = Dms.Append(2, 3, 0);
    public static Oid VmsSignWidthPixels { get; } = Dms.Append(2, 4, 0);

    // multiCfg (dms.4)
    public static Oid DefaultFont { get; } = Dms.Append(4, 5, 0);
    public static Oid DmsMaxNumberPages { get; } = Dms.Append(4, 15, 0);
    public static Oid DmsMaxMultiStringLength { get; } = Dms.Append(4, 16, 0);

    // dmsMessage (dms.5): dmsMessageEntry = dms.5.8.1, indexed by memory type and message number.
    public static Oid DmsMessageEntry { get; } = Dms.Append(5, 8, 1);
    public const uint MessageMultiStringColumn = 3;
    public const uint MessageOwnerColumn = 4;
    public const uint MessageCrcColumn = 5;
    public const uint MessageBeaconColumn = 6;
    public const uint MessagePixelServiceColumn = 7;
    public const uint MessageRunTimePriorityColumn = 8;
    public const uint MessageStatusColumn = 9;

    public static Oid MessageCell(uint column, MessageMemoryType memory, int number) => DmsMessageEntry.Append(column, (uint)memory, (uint)number);

    // signControl (dms.6)
    public static Oid DmsControlMode { get; } = Dms.Append(6, 1, 0);
    public static Oid DmsActivateMessage { get; } = Dms.Append(6, 3, 0);
    public static Oid DmsMessageTimeRemaining { get; } = Dms.Append(6, 4, 0);
    public static Oid DmsMsgTableSource { get; } = Dms.Append(6, 5, 0);
    public static Oid DmsActivateMsgError { get; } = Dms.Append(6, 17, 0);
    public static Oid DmsMultiSyntaxError { get; } = Dms.Append(6, 18, 0);
    public static Oid DmsMultiSyntaxErrorPosition { get; } = Dms.Append(6, 19, 0);

    // dmsStatus (dms.9) and statError (dms.9.7)
    public static Oid DmsStatDoorOpen { get; } = Dms.Append(9, 6, 0);
    public static Oid ShortErrorStatus { get; } = Dms.Append(9, 7, 1, 0);
    public static Oid PixelFailureTableNumRows { get; } = Dms.Append(9, 7, 2, 0);
    public static Oid LampFailureStuckOn { get; } = Dms.Append(9, 7, 5, 0);
    public static Oid LampFailureStuckOff { get; } = Dms.Append(9, 7, 6, 0);
    public static Oid ControllerErrorStatus { get; } = Dms.Append(9, 7, 10, 0);
}

/// <summary>dmsMessageMemoryType.</summary>
public enum MessageMemoryType
{
    Other = 1,
    Permanent = 2,
    Changeable = 3,
    Volatile = 4,
    CurrentBuffer = 5,
    Schedule = 6,
    Blank = 7,
}

/// <summary>dmsMessageStatus: the row's state machine (the *Req values are what a manager writes).</summary>
public enum MessageStatus
{
    NotUsed = 1,
    Modifying = 2,
    Validating = 3,
    Valid = 4,
    Error = 5,
    ModifyReq = 6,
    ValidateReq = 7,
    NotUsedReq = 8,
}

/// <summary>dmsActivateMsgError: why the last dmsActivateMessage was refused.</summary>
public enum ActivateMessageError
{
    Other = 1,
    None = 2,
    Priority = 3,
    MessageStatus = 4,
    MessageMemoryType = 5,
    MessageNumber = 6,
    MessageCrc = 7,
    SyntaxMulti = 8,
    LocalMode = 9,
}

/// <summary>shortErrorStatus bits (statError.1).</summary>
[Flags]
public enum ShortErrorStatus
{
    None = 0,
    Other = 1 << 0,
    Communications = 1 << 1,
    Power = 1 << 2,
    AttachedDevice = 1 << 3,
    Lamp = 1 << 4,
    Pixel = 1 << 5,
    Photocell = 1 << 6,
    Message = 1 << 7,
    Controller = 1 << 8,
    Temperature = 1 << 9,
    ClimateControl = 1 << 10,
    CriticalTemperature = 1 << 11,
    DrumRotor = 1 << 12,
    DoorOpen = 1 << 13,
    Humidity = 1 << 14,
}
