namespace City.Protocols.MBus;

/// <summary>The four frame formats of the EN 13757-2 link layer (FT 1.2 of IEC 60870-5-2).</summary>
public enum MBusFrameKind
{
    /// <summary>The single character 0xE5: the slave's acknowledgement.</summary>
    Ack,

    /// <summary>0x10 C A CS 0x16: SND_NKE, REQ_UD1/2 and the like.</summary>
    Short,

    /// <summary>0x68 3 3 0x68 C A CI CS 0x16: a long frame without data.</summary>
    Control,

    /// <summary>0x68 L L 0x68 C A CI data CS 0x16.</summary>
    Long,
}

/// <summary>
/// One link-layer frame. <see cref="Data"/> is the user data after the CI field of a long frame (empty otherwise); the
/// frame does not own a copy when it was read from a span (<see cref="MBusFraming.TryRead"/> points into the input).
/// </summary>
public readonly record struct MBusFrame(MBusFrameKind Kind, byte Control, byte Address, byte ControlInformation, ReadOnlyMemory<byte> Data)
{
    public static MBusFrame Ack { get; } = new(MBusFrameKind.Ack, 0, 0, 0, ReadOnlyMemory<byte>.Empty);

    public static MBusFrame Short(byte control, byte address) => new(MBusFrameKind.Short, control, address, 0, ReadOnlyMemory<byte>.Empty);

    public static MBusFrame Long(byte control, byte address, byte controlInformation, ReadOnlyMemory<byte> data) =>
        new(data.IsEmpty ? MBusFrameKind.Control : MBusFrameKind.Long, control, address, controlInformation, data);
}

/// <summary>C-field values (EN 13757-2, 5.4) and the bits that vary within them.</summary>
public static class MBusControl
{
    /// <summary>SND_NKE: link reset after communication; the slave answers 0xE5 and clears its FCB state.</summary>
    public const byte SndNke = 0x40;

    /// <summary>SND_UD: send user data to the slave (0x53, with FCB 0x73); the slave answers 0xE5.</summary>
    public const byte SndUd = 0x53;

    /// <summary>REQ_UD2: request class 2 data (0x5B, with FCB 0x7B); the slave answers RSP_UD.</summary>
    public const byte ReqUd2 = 0x5B;

    /// <summary>REQ_UD1: request class 1 (alarm) data (0x5A, with FCB 0x7A).</summary>
    public const byte ReqUd1 = 0x5A;

    /// <summary>RSP_UD: the slave's user data (0x08; ACD 0x20 and DFC 0x10 may be set).</summary>
    public const byte RspUd = 0x08;

    /// <summary>Frame count bit of SND_UD / REQ_UD: toggled by the master for each new request to the same slave.</summary>
    public const byte FrameCountBit = 0x20;

    /// <summary>Frame count valid bit: REQ_UD2 / SND_UD always carry it set (bit 4), SND_NKE not.</summary>
    public const byte FrameCountValid = 0x10;

    /// <summary>A request's C field without its frame count bit: 0x7B and 0x5B are both REQ_UD2.</summary>
    public static byte RequestFunction(byte control) => (byte)(control & ~FrameCountBit);

    /// <summary>A response's C field without ACD (0x20) and DFC (0x10): 0x28 and 0x18 are both RSP_UD.</summary>
    public static byte ResponseFunction(byte control) => (byte)(control & 0xCF);

    /// <summary>The FCB-carrying form of a request: REQ_UD2 with FCB set is 0x7B.</summary>
    public static byte WithFrameCount(byte control, bool frameCountBit) =>
        frameCountBit ? (byte)(control | FrameCountBit) : (byte)(control & ~FrameCountBit);
}

/// <summary>A fields with a meaning of their own (EN 13757-2, 5.5).</summary>
public static class MBusAddress
{
    /// <summary>Highest primary address a slave may have; 0 is the factory default (unconfigured).</summary>
    public const byte MaxPrimary = 250;

    /// <summary>Network layer: the slave selected by its secondary address answers.</summary>
    public const byte Network = 253;

    /// <summary>Broadcast with answer (only on a line with one slave).</summary>
    public const byte BroadcastWithAnswer = 254;

    /// <summary>Broadcast without answer.</summary>
    public const byte Broadcast = 255;
}

/// <summary>CI-field values the stack sends or reads (EN 13757-3, table 2).</summary>
public static class MBusControlInformation
{
    /// <summary>Application reset (SND_UD to a slave).</summary>
    public const byte ApplicationReset = 0x50;

    /// <summary>Data send, master to slave (SND_UD), mode 1.</summary>
    public const byte DataSend = 0x51;

    /// <summary>Selection of a slave by its secondary address (SND_UD to address 253).</summary>
    public const byte SelectSlave = 0x52;

    /// <summary>Variable data response, 12-byte long header, least significant byte first (mode 1).</summary>
    public const byte VariableData = 0x72;

    /// <summary>Variable data response, long header, most significant byte first (mode 2).</summary>
    public const byte VariableDataMsbFirst = 0x76;

    /// <summary>Variable data response with a 4-byte short header (access number, status, signature), as OMS meters send.</summary>
    public const byte VariableDataShortHeader = 0x7A;

    /// <summary>Fixed data structure response (LSB first): not decoded by this stack.</summary>
    public const byte FixedData = 0x73;

    /// <summary>Fixed data structure response (MSB first): not decoded by this stack.</summary>
    public const byte FixedDataMsbFirst = 0x77;
}
