namespace City.Protocols.Dali;

public enum DaliAddressKind
{
    Short,
    Group,
    Broadcast,

    /// <summary>DALI-2: only gear without a short address react.</summary>
    BroadcastUnaddressed,
}

/// <summary>
/// The destination of a 16-bit forward frame (IEC 62386-102): short <c>0AAAAAAS</c> (0..63), group <c>100GGGGS</c> (0..15),
/// broadcast <c>1111111S</c>, broadcast-unaddressed <c>1111110S</c>. S = 0: the second byte is a DAPC level; S = 1: a command.
/// </summary>
public readonly record struct DaliAddress
{
    public const int MaxShortAddress = 63;
    public const int MaxGroup = 15;

    private DaliAddress(DaliAddressKind kind, byte value)
    {
        Kind = kind;
        Value = value;
    }

    public DaliAddressKind Kind { get; }

    /// <summary>Short address or group number; 0 for the broadcasts.</summary>
    public byte Value { get; }

    public static DaliAddress Broadcast { get; } = new(DaliAddressKind.Broadcast, 0);

    public static DaliAddress BroadcastUnaddressed { get; } = new(DaliAddressKind.BroadcastUnaddressed, 0);

    public static DaliAddress Short(int address)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(address);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, MaxShortAddress);
        return new DaliAddress(DaliAddressKind.Short, (byte)address);
    }

    public static DaliAddress Group(int group)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(group, MaxGroup);
        return new DaliAddress(DaliAddressKind.Group, (byte)group);
    }

    /// <summary>The first byte of a forward frame: the address with the selector bit S.</summary>
    public byte ToAddressByte(bool isCommand)
    {
        int selector = isCommand ? 1 : 0;
        return Kind switch
        {
            DaliAddressKind.Short => (byte)((Value << 1) | selector),
            DaliAddressKind.Group => (byte)(0x80 | (Value << 1) | selector),
            DaliAddressKind.Broadcast => (byte)(0xFE | selector),
            _ => (byte)(0xFC | selector),
        };
    }

    /// <summary>
    /// Reads the address of a 16-bit forward frame. False for special commands (0xA1..0xCB odd/even ranges) and reserved
    /// address bytes (0xCC..0xFB), which address no gear.
    /// </summary>
    public static bool TryParse(byte addressByte, out DaliAddress address, out bool isCommand)
    {
        isCommand = (addressByte & 1) == 1;
        if (addressByte < 0x80)
        {
            address = new DaliAddress(DaliAddressKind.Short, (byte)(addressByte >> 1));
            return true;
        }

        if (addressByte < 0xA0)
        {
            address = new DaliAddress(DaliAddressKind.Group, (byte)((addressByte >> 1) & 0x0F));
            return true;
        }

        if (addressByte >= 0xFE)
        {
            address = Broadcast;
            return true;
        }

        if (addressByte >= 0xFC)
        {
            address = BroadcastUnaddressed;
            return true;
        }

        address = default;
        isCommand = false;
        return false;
    }

    /// <summary>Whether a gear with this short address (null = none) and group membership (bit g = group g) is addressed.</summary>
    public bool Addresses(byte? shortAddress, ushort groups) => Kind switch
    {
        DaliAddressKind.Short => shortAddress == Value,
        DaliAddressKind.Group => (groups & (1 << Value)) != 0,
        DaliAddressKind.Broadcast => true,
        _ => shortAddress is null,
    };

    public override string ToString() => Kind switch
    {
        DaliAddressKind.Short => $"A{Value}",
        DaliAddressKind.Group => $"G{Value}",
        DaliAddressKind.Broadcast => "broadcast",
        _ => "broadcast-unaddressed",
    };
}
