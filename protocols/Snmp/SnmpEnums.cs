namespace City.Protocols.Snmp;

/// <summary>The msgVersion / version field of an SNMP message.</summary>
public enum SnmpVersion
{
    V1 = 0,
    V2c = 1,
    V3 = 3,
}

/// <summary>PDU types; the value is the BER tag byte (context-specific, constructed).</summary>
public enum SnmpPduType : byte
{
    GetRequest = 0xA0,
    GetNextRequest = 0xA1,
    Response = 0xA2,
    SetRequest = 0xA3,
    TrapV1 = 0xA4,
    GetBulkRequest = 0xA5,
    InformRequest = 0xA6,
    TrapV2 = 0xA7,
    Report = 0xA8,
}

/// <summary>error-status of a PDU (RFC 3416; 0-5 exist in v1).</summary>
public enum SnmpErrorStatus
{
    NoError = 0,
    TooBig = 1,
    NoSuchName = 2,
    BadValue = 3,
    ReadOnly = 4,
    GenErr = 5,
    NoAccess = 6,
    WrongType = 7,
    WrongLength = 8,
    WrongEncoding = 9,
    WrongValue = 10,
    NoCreation = 11,
    InconsistentValue = 12,
    ResourceUnavailable = 13,
    CommitFailed = 14,
    UndoFailed = 15,
    AuthorizationError = 16,
    NotWritable = 17,
    InconsistentName = 18,
}

/// <summary>Value types of a varbind; the value is the BER tag byte.</summary>
public enum SnmpValueType : byte
{
    Integer = 0x02,
    OctetString = 0x04,
    Null = 0x05,
    ObjectIdentifier = 0x06,
    IpAddress = 0x40,
    Counter32 = 0x41,
    Gauge32 = 0x42,
    TimeTicks = 0x43,
    Opaque = 0x44,
    Counter64 = 0x46,
    NoSuchObject = 0x80,
    NoSuchInstance = 0x81,
    EndOfMibView = 0x82,
}

/// <summary>v1 Trap-PDU generic-trap values (RFC 1157).</summary>
public enum SnmpGenericTrap
{
    ColdStart = 0,
    WarmStart = 1,
    LinkDown = 2,
    LinkUp = 3,
    AuthenticationFailure = 4,
    EgpNeighborLoss = 5,
    EnterpriseSpecific = 6,
}

/// <summary>msgFlags of an SNMPv3 message.</summary>
[Flags]
public enum SnmpV3Flags : byte
{
    None = 0,
    Auth = 0x01,
    Priv = 0x02,
    Reportable = 0x04,
}

/// <summary>Why a buffer could not be decoded as an SNMP message. The codec returns these instead of throwing.</summary>
public enum SnmpDecodeStatus
{
    Ok = 0,
    /// <summary>A length runs past the end of the input (or the input ends inside a header).</summary>
    Truncated,
    /// <summary>Indefinite length (0x80): forbidden in SNMP (RFC 3417 section 8).</summary>
    IndefiniteLength,
    /// <summary>A length field longer than 4 bytes or above 2^31.</summary>
    LengthTooLarge,
    /// <summary>A tag other than the one the grammar expects at this point.</summary>
    UnexpectedTag,
    /// <summary>An INTEGER with empty contents or more bytes than its type allows.</summary>
    InvalidInteger,
    /// <summary>An INTEGER outside the range of its type (Integer32, Unsigned32, Counter64).</summary>
    IntegerOutOfRange,
    /// <summary>An OBJECT IDENTIFIER that is empty, ends inside a sub-identifier, has a sub-identifier above 2^32-1, more than 128 of them, or non-minimal encoding.</summary>
    InvalidObjectIdentifier,
    /// <summary>NULL, an exception or IpAddress with contents of the wrong length.</summary>
    InvalidValueLength,
    /// <summary>A varbind value with a tag that is not an SNMP value type.</summary>
    UnknownValueType,
    /// <summary>A PDU tag that is not one of the nine PDU types, or one not allowed in this version.</summary>
    UnknownPduType,
    /// <summary>msgVersion other than 0, 1 or 3.</summary>
    UnsupportedVersion,
    /// <summary>Bytes left over inside a SEQUENCE or after the message.</summary>
    TrailingData,
    /// <summary>msgFlags not one byte, or priv without auth.</summary>
    InvalidFlags,
    /// <summary>A v3 message whose security model is not USM (3).</summary>
    UnsupportedSecurityModel,
    /// <summary>Input nested deeper than any SNMP message is.</summary>
    TooDeep,
}
